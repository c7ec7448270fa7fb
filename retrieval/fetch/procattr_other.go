//go:build !linux

package fetch

import "syscall"

// childProcAttr adds nothing outside Linux: RLIMIT_CPU ends an orphaned parser process.
func childProcAttr() *syscall.SysProcAttr { return nil }
