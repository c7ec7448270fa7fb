package fetch

import "syscall"

// childProcAttr makes the kernel kill a parser process when the bot dies, even by SIGKILL.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
