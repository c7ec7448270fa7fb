//go:build unix

package fetch

import (
	"syscall"
	"time"
)

// processCPU is the processor time this process has used so far, in user and system mode. In the
// unlikely case the system will not say, it is zero and the kernel's RLIMIT_CPU stops the parse.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
