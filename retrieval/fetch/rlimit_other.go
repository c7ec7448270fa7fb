//go:build !unix

package fetch

import "os"

// setRlimits does nothing where there are no rlimits: the parent's deadline still ends the
// process, and the Go memory limit still steers its collector.
func setRlimits(Limits) error { return nil }

// killedByCPULimit is always false where there are no rlimits.
func killedByCPULimit(error) (string, bool) { return "", false }

// maxRSS is unknown where there is no rusage.
func maxRSS(*os.ProcessState) int64 { return 0 }
