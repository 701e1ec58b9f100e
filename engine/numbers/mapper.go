package numbers

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Mapper applies a map operation (double, square or heavy) to numbers with
// JavaScript semantics. It is safe for concurrent use.
type Mapper struct {
	op     Op
	rounds int
	// honest makes heavy run every round one by one (benchmarks, tests).
	honest bool
}

// NewMapper returns a Mapper for o.Op, which must be a map operation.
func NewMapper(o Options) (*Mapper, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	if !o.Op.IsMap() {
		return nil, fmt.Errorf("operation %q does not map numbers", o.Op)
	}
	return &Mapper{op: o.Op, rounds: o.Rounds}, nil
}

// Op returns the operation.
func (m *Mapper) Op() Op { return m.op }

// Value returns the result for one number.
func (m *Mapper) Value(x float64) float64 {
	switch m.op {
	case OpDouble:
		return x * 2
	case OpSquare:
		// V8 evaluates x ** 2 as x * x (fdlibm's pow special-cases y == 2).
		return x * x
	default:
		if m.honest {
			return honestHeavy(x, m.rounds)
		}
		return heavyValue(x, m.rounds)
	}
}

// Apply replaces each xs[i] by its result, sharing the work between up to
// threads goroutines (threads <= 0 means GOMAXPROCS).
func (m *Mapper) Apply(xs []float64, threads int) {
	m.ApplyContext(context.Background(), xs, threads)
}

// ApplyContext is Apply that stops early, returning ctx's error, when ctx is
// done; xs is then partly mapped. It checks ctx between values that take
// long (heavy on negative fractions can take ~1 ms each at R = 1e6).
func (m *Mapper) ApplyContext(ctx context.Context, xs []float64, threads int) error {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	switch m.op {
	case OpDouble:
		parallelFor(len(xs), threads, 1<<16, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				xs[i] *= 2
			}
		})
	case OpSquare:
		parallelFor(len(xs), threads, 1<<16, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				xs[i] *= xs[i]
			}
		})
	default:
		m.applyHeavy(ctx, xs, threads)
	}
	return ctx.Err()
}

// quickBudget is how many one-by-one rounds the first pass of applyHeavy
// spends on a value before setting it aside for the balanced second pass.
const quickBudget = 64

// applyHeavy runs heavy in two passes: the first, in large blocks, settles
// nearly every value in O(log R); the values that still need long exact
// iteration (negative fractional states) are then handed out one at a time
// so that the goroutines stay balanced.
func (m *Mapper) applyHeavy(ctx context.Context, xs []float64, threads int) {
	if m.honest {
		m.applyHonest(ctx, xs, threads)
		return
	}
	type pending struct{ i, k int }
	var (
		mu   sync.Mutex
		slow []pending
	)
	const block = 1024
	var next atomic.Int64
	runWorkers(threads, (len(xs)+block-1)/block, func() {
		var local []pending
		for {
			lo := int(next.Add(block)) - block
			if lo >= len(xs) || ctx.Err() != nil {
				break
			}
			for i := lo; i < min(lo+block, len(xs)); i++ {
				r, k, done := advance(xs[i], m.rounds, quickBudget)
				xs[i] = r
				if !done {
					local = append(local, pending{i, k})
				}
			}
		}
		if len(local) > 0 {
			mu.Lock()
			slow = append(slow, local...)
			mu.Unlock()
		}
	})
	next.Store(0)
	runWorkers(threads, len(slow), func() {
		for {
			j := int(next.Add(1)) - 1
			if j >= len(slow) || ctx.Err() != nil {
				return
			}
			p := slow[j]
			xs[p.i], _, _ = advance(xs[p.i], p.k, math.MaxInt)
		}
	})
}

// applyHonest runs every round of heavy one by one, four values at a time
// per goroutine (for benchmarks and as the reference in tests).
func (m *Mapper) applyHonest(ctx context.Context, xs []float64, threads int) {
	var next atomic.Int64
	runWorkers(threads, (len(xs)+3)/4, func() {
		for {
			j := int(next.Add(4)) - 4
			if j >= len(xs) || ctx.Err() != nil {
				return
			}
			var four [4]float64
			n := copy(four[:], xs[j:])
			honestHeavy4(&four, m.rounds)
			copy(xs[j:j+n], four[:n])
		}
	})
}

// runWorkers runs fn on min(threads, tasks) goroutines (inline for one) and
// waits for them.
func runWorkers(threads, tasks int, fn func()) {
	n := min(threads, tasks)
	if n <= 1 {
		if tasks > 0 {
			fn()
		}
		return
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(fn)
	}
	wg.Wait()
}

// parallelFor splits [0,n) into at most threads contiguous parts of at
// least minPer elements and runs fn(part, lo, hi) on each concurrently.
func parallelFor(n, threads, minPer int, fn func(part, lo, hi int)) {
	parts := min(threads, max(1, n/max(1, minPer)))
	if parts <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Go(func() { fn(p, lo, hi) })
	}
	wg.Wait()
}
