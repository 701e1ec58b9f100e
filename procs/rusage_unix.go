//go:build unix

package procs

import (
	"os"
	"runtime"
	"syscall"
)

// exitPeakRSS is a reaped process's peak resident set size as the kernel
// counted it. Sampling alone misses a worker that lived shorter than the
// sampling tick, and the peak between two samples.
func exitPeakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes on macOS
	}
	return int64(ru.Maxrss) * 1024 // KiB on Linux and the BSDs
}
