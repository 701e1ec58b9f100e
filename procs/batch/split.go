package batch

import (
	"runtime"
	"strconv"

	"github.com/shirou/gopsutil/v4/cpu"

	"github.com/imgpar/imgpar/engine"
)

// WorkerSplit resolves a requested number of worker processes and threads
// per worker (0: choose for me) against the logical CPU count. By default
// procs x threads equals the CPU count; given one of the two, the other is
// derived from it. Negative counts are *engine.OptionError.
func WorkerSplit(procs, threads int) (int, int, error) {
	for _, v := range []struct {
		name string
		n    int
	}{{"procs", procs}, {"threads", threads}} {
		if v.n < 0 {
			return 0, 0, &engine.OptionError{Option: v.name, Value: strconv.Itoa(v.n), Reason: "must not be negative (0: choose for me)"}
		}
	}
	cpus, err := cpu.Counts(true)
	if err != nil || cpus < 1 {
		cpus = 1
	}
	// Go sets GOMAXPROCS from the CPU affinity mask and cgroup CPU limits
	// (containers, Kubernetes, Slurm), which gopsutil's count of the
	// machine's CPUs does not see.
	cpus = min(cpus, runtime.GOMAXPROCS(0))
	switch {
	case procs > 0 && threads > 0:
	case procs > 0:
		threads = max(1, cpus/procs)
	case threads > 0:
		procs = max(1, cpus/threads)
	default:
		procs, threads = defaultSplit(cpus)
	}
	return procs, threads, nil
}

// defaultSplit: one process per two cores, two threads each (processes cost
// memory, threads share it), and one process on a single core.
func defaultSplit(cpus int) (int, int) {
	if cpus < 2 {
		return 1, 1
	}
	return cpus / 2, 2
}
