//go:build unix

package fetch

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// setRlimits caps this process's memory and CPU time. RLIMIT_DATA (private writable memory: the Go
// heap and thread stacks, since Linux 4.7) is the cap that tracks what the parser really uses;
// RLIMIT_AS also counts the address space the Go runtime reserves without using (about 800 MB at
// start), so it is set with that much headroom as a second, coarser wall. RLIMIT_CPU stops a
// parse a second after its deadline (Limits.Timeout, in processor time) when the parser cannot
// stop itself in the middle of a step, and ends a process whose parent died.
func setRlimits(lim Limits) error {
	cpu := uint64(math.Ceil(lim.Timeout.Seconds())) + 1
	mem := uint64(lim.Memory)
	limits := []struct{ res, cur, max uint64 }{
		{syscall.RLIMIT_CPU, cpu, cpu + 1},
		{syscall.RLIMIT_DATA, mem, mem},
		{syscall.RLIMIT_AS, mem + 2<<30, mem + 2<<30},
	}
	for _, l := range limits {
		if err := syscall.Setrlimit(int(l.res), &syscall.Rlimit{Cur: l.cur, Max: l.max}); err != nil {
			return fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	return nil
}

// killedByCPULimit reports whether a parser process died of its CPU rlimit: SIGXCPU at the soft
// limit, SIGKILL at the hard one.
func killedByCPULimit(err error) (string, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return "", false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || (ws.Signal() != syscall.SIGXCPU && ws.Signal() != syscall.SIGKILL) {
		return "", false
	}
	return ws.Signal().String(), true
}

// maxRSS is the peak resident memory of a finished process, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return ru.Maxrss // bytes there, kilobytes elsewhere
	}
	return ru.Maxrss << 10
}
