package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/imgpar/imgpar/engine"
)

// ExecFunc runs one job inside a worker; engine.Execute in production.
type ExecFunc func(ctx context.Context, job engine.Job, threads int) engine.Result

// WorkerLoop is the worker side of the protocol. It says hello, waits for the
// primary's hello, then runs every job it receives, in order, on threads
// goroutines, and answers each exactly once. A cancel message cancels the
// context of a job it holds (queued or running). It returns nil when its
// input reaches EOF (the primary closed it, or died) after the jobs it holds
// have finished.
func WorkerLoop(ctx context.Context, in io.Reader, out io.Writer, exec ExecFunc) error {
	enc := NewEncoder(out)
	dec := NewDecoder(in)
	if err := enc.Encode(&Message{Type: TypeHello, Version: ProtocolVersion, PID: os.Getpid(), Features: []string{FeatureCancel}}); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	hello, err := dec.Decode()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("read hello: %w", err)
	}
	if hello.Type != TypeHello || hello.Version != ProtocolVersion {
		return fmt.Errorf("%w: expected hello version %d, got %q version %d", ErrProtocol, ProtocolVersion, hello.Type, hello.Version)
	}
	threads := max(hello.Threads, 1)
	// The worker's thread budget bounds the Go scheduler too (imaging and
	// the number jobs parallelise internally); restore it for callers that
	// run WorkerLoop inside a bigger process.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	if exec == nil {
		exec = engine.Execute
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := newJobQueue()
	var wg sync.WaitGroup
	for range threads {
		wg.Go(func() {
			for {
				j := q.next()
				if j == nil {
					return
				}
				_ = enc.Encode(&Message{Type: TypeStart, ID: j.id})
				big := j.job.EstBytes >= freeOSAfter
				gcTune.start(big)
				res := runGuarded(j.ctx, exec, j.job, threads)
				gcTune.done(big)
				q.forget(j)
				if err := enc.Encode(&Message{Type: TypeResult, ID: j.id, Result: &res}); err != nil {
					cancel() // the primary is gone
				}
				if q.idleAfterBig(big) {
					// A big job's pages would otherwise stay with the
					// worker for minutes (the scavenger is slow, and a
					// WebAssembly codec's linear memory is one huge
					// allocation): give them back now that it is idle.
					debug.FreeOSMemory()
				}
			}
		})
	}
	// The reader never waits for a free thread, so that a cancel reaches a
	// job queued behind running ones at once.
	for {
		m, err := dec.Decode()
		if err != nil {
			q.close()
			wg.Wait()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		switch {
		case m.Type == TypeJob && m.Job != nil:
			q.add(ctx, m.ID, *m.Job)
		case m.Type == TypeCancel:
			q.cancel(m.ID)
		default:
			q.close()
			wg.Wait()
			return fmt.Errorf("%w: expected a job, got %q", ErrProtocol, m.Type)
		}
	}
}

// freeOSAfter is the memory estimate of a job after which a worker that
// goes idle returns its free memory to the operating system, and from
// which the worker collects garbage sooner while the job runs (gcTuner).
const freeOSAfter = 32 << 20

// bigJobGCPercent is the collector's target (GOGC) while a big job runs.
// With the default 100 the heap of a worker decoding a large progressive
// photo grows to twice its live data before a collection (most of it the
// previous job's dead buffers), and GOMEMLIMIT is set to the whole memory
// budget, so RSS sat at the budget. The big buffers hold no pointers, so a
// collection costs little: at 25 the peak RSS of a worker on 21 photos
// (JPEG -> JPEG) falls from ~160 to ~95 MiB for no measurable CPU time
// (docs/benchmarks.md). Small jobs keep the default: with many small
// files a lower target would mean a collection per file.
const bigJobGCPercent = 25

// gcTuner sets GOGC to bigJobGCPercent while at least one big job runs
// (in a worker process only, and not when the user set GOGC).
type gcTuner struct {
	mu      sync.Mutex
	enabled bool
	big     int
}

// gcTune is the worker's tuner; WorkerMain enables it.
var gcTune gcTuner

func (g *gcTuner) enable() {
	g.mu.Lock()
	g.enabled = os.Getenv("GOGC") == ""
	g.mu.Unlock()
}

func (g *gcTuner) start(big bool) {
	if !big {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.big++; g.big == 1 && g.enabled {
		debug.SetGCPercent(bigJobGCPercent)
	}
}

func (g *gcTuner) done(big bool) {
	if !big {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.big--; g.big == 0 && g.enabled {
		debug.SetGCPercent(100)
	}
}

// jobQueue holds a worker's jobs in arrival order until a thread takes them,
// and the cancel functions of the jobs it holds.
type jobQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*heldJob
	held   map[uint64]*heldJob
	closed bool
	// running counts the jobs taken and not forgotten; big is set once a
	// job over freeOSAfter finishes, until the worker next goes idle.
	running int
	big     bool
}

type heldJob struct {
	id     uint64
	job    engine.Job
	ctx    context.Context
	cancel context.CancelFunc
}

func newJobQueue() *jobQueue {
	q := &jobQueue{held: map[uint64]*heldJob{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *jobQueue) add(ctx context.Context, id uint64, job engine.Job) {
	jctx, cancel := context.WithCancel(ctx)
	j := &heldJob{id: id, job: job, ctx: jctx, cancel: cancel}
	q.mu.Lock()
	q.queue = append(q.queue, j)
	q.held[id] = j
	q.mu.Unlock()
	q.cond.Signal()
}

// next returns the oldest queued job, waiting for one; nil once the queue
// is closed and empty.
func (q *jobQueue) next() *heldJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.queue) == 0 {
		return nil
	}
	j := q.queue[0]
	q.queue[0] = nil
	q.queue = q.queue[1:]
	q.running++
	return j
}

// forget drops a finished job, before it is answered: a cancel that
// arrives afterwards finds nothing to cancel.
func (q *jobQueue) forget(j *heldJob) {
	q.mu.Lock()
	if q.held[j.id] == j {
		delete(q.held, j.id)
	}
	q.running--
	q.mu.Unlock()
	j.cancel()
}

// cancel cancels the job with id if it is still held; a job that has been
// answered already is no error (the messages crossed).
func (q *jobQueue) cancel(id uint64) {
	q.mu.Lock()
	j := q.held[id]
	q.mu.Unlock()
	if j != nil {
		j.cancel()
	}
}

// idleAfterBig notes whether a job that just finished was big, and reports
// whether the worker is now idle (nothing queued or running) after a big
// job since it was last idle.
func (q *jobQueue) idleAfterBig(big bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.big = q.big || big
	if q.big && q.running == 0 && len(q.queue) == 0 {
		q.big = false
		return true
	}
	return false
}

func (q *jobQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func runGuarded(ctx context.Context, exec ExecFunc, job engine.Job, threads int) (res engine.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = engine.FailFile(engine.CodeInternal, job.Input, "internal error: %v", r)
			debug.PrintStack()
		}
	}()
	return exec(ctx, job, threads)
}
