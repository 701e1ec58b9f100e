package procs

import (
	"fmt"

	"github.com/shirou/gopsutil/v4/mem"
)

// PerThreadBudget is the default memory budget per worker thread. Decoding
// is the peak of a job (a progressive 5120x2880 JPEG holds 170 MiB of DCT
// coefficients), so this lets small and medium photos run side by side
// while two such giants take turns, which keeps the whole process tree
// near sharp's footprint on the same work.
const PerThreadBudget = 96 << 20

// DefaultMemBudget is the memory budget of the jobs in flight on threads
// worker threads when none is given: PerThreadBudget each, and at most 3/4
// of the memory available now (gopsutil). imgpar process and imgpar serve
// both use it.
func DefaultMemBudget(threads int) int64 {
	budget := int64(PerThreadBudget) * int64(max(threads, 1))
	if vm, err := mem.VirtualMemory(); err == nil && vm.Available > 0 {
		budget = min(budget, int64(vm.Available/4*3))
	}
	return budget
}

// MemLimitEnv is the GOMEMLIMIT setting of each of nprocs workers sharing
// budget: its share, as a soft limit, so that the collector works harder
// before the machine swaps (at least 64 MiB, below which a worker would
// collect all the time).
func MemLimitEnv(budget int64, nprocs int) string {
	return fmt.Sprintf("GOMEMLIMIT=%d", max(budget/int64(max(nprocs, 1)), 64<<20))
}
