//go:build !unix

package fetch

import "time"

// processCPU is the time since this process started where the system does not report processor
// time: the deadline is then the clock's.
func processCPU() time.Duration { return time.Since(processStart) }

var processStart = time.Now()
