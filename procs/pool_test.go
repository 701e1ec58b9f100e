//go:build unix

package procs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// startPool starts a Pool of real test workers and closes it (checking that
// its workers are gone) when the test ends.
func startPool(t *testing.T, o Options) *Pool {
	t.Helper()
	if o.Command == nil {
		o.Command = workerCommand("serve")
	}
	p, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closePool(t, p, 10*time.Second) })
	return p
}

// closePool closes p within a generous deadline.
func closePool(t *testing.T, p *Pool, grace time.Duration) Stats {
	t.Helper()
	type ret struct {
		st  Stats
		err error
	}
	ch := make(chan ret, 1)
	go func() { st, err := p.Close(grace); ch <- ret{st, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Errorf("Close: %v", r.err)
		}
		var pids []int
		for _, w := range r.st.Workers {
			pids = append(pids, w.PID)
		}
		waitGone(t, pids)
		return r.st
	case <-time.After(grace + 20*time.Second):
		t.Fatal("Close did not return")
		return Stats{}
	}
}

// waitStats polls p.Stats until ok accepts them.
func waitStats(t *testing.T, p *Pool, what string, ok func(PoolStats) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := p.Stats()
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool never reached %s: %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// doAsync runs p.Do in a goroutine.
func doAsync(ctx context.Context, p *Pool, job engine.Job) <-chan doResult {
	ch := make(chan doResult, 1)
	go func() {
		r, err := p.Do(ctx, job)
		ch <- doResult{r, err}
	}()
	return ch
}

type doResult struct {
	res engine.Result
	err error
}

func await(t *testing.T, ch <-chan doResult) doResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("Do did not return")
		return doResult{}
	}
}

// openGate ends the gate/FILE jobs waiting for FILE.
func openGate(t *testing.T, file string) {
	t.Helper()
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPoolDoConcurrent(t *testing.T) {
	p := startPool(t, Options{Procs: 2, Threads: 2})
	const n = 60
	var wg sync.WaitGroup
	pids := sync.Map{}
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			r, err := p.Do(context.Background(), engine.Job{Input: fmt.Sprintf("ok/%d", i)})
			switch {
			case err != nil:
				errs <- err
			case !r.OK || r.BytesIn != int64(i):
				errs <- fmt.Errorf("job %d: %+v", i, r)
			default:
				pids.Store(r.Count, true)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	workers := 0
	pids.Range(func(_, _ any) bool { workers++; return true })
	if workers < 1 || workers > 2 {
		t.Errorf("jobs ran on %d worker processes, want 1 or 2", workers)
	}
	waitStats(t, p, "2 ready workers, nothing queued or in flight", func(s PoolStats) bool {
		return s.Ready == 2 && s.Queued == 0 && s.InFlight == 0
	})
	st := closePool(t, p, 5*time.Second)
	if len(st.Workers) != 2 || st.Restarts != 0 {
		t.Errorf("stats %+v, want 2 workers and no restarts", st)
	}
	if _, err := p.Do(context.Background(), engine.Job{Input: "ok/1"}); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Do after Close: %v, want ErrPoolClosed", err)
	}
}

func TestPoolQueueFull(t *testing.T) {
	p := startPool(t, Options{Procs: 1, Threads: 1, Credit: 1, MaxQueue: 2})
	waitStats(t, p, "a ready worker", func(s PoolStats) bool { return s.Ready == 1 })
	// The job in flight ends when the test opens its gate: on a busy
	// machine a job of fixed length could end before the queue is full.
	gate := filepath.Join(t.TempDir(), "open")
	running := doAsync(context.Background(), p, engine.Job{Input: "gate/" + gate})
	waitStats(t, p, "one job in flight", func(s PoolStats) bool { return s.InFlight == 1 })
	queued := []<-chan doResult{
		doAsync(context.Background(), p, engine.Job{Input: "ok/1"}),
		doAsync(context.Background(), p, engine.Job{Input: "ok/2"}),
	}
	waitStats(t, p, "two queued", func(s PoolStats) bool { return s.Queued == 2 })
	if _, err := p.Do(context.Background(), engine.Job{Input: "ok/3"}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third queued job: %v, want ErrQueueFull", err)
	}
	openGate(t, gate)
	for _, ch := range append(queued, running) {
		if r := await(t, ch); r.err != nil || !r.res.OK {
			t.Errorf("job: %+v %v", r.res, r.err)
		}
	}
}

func TestPoolCancelQueuedAndInFlight(t *testing.T) {
	p := startPool(t, Options{Procs: 1, Threads: 1, Credit: 1})
	waitStats(t, p, "a ready worker", func(s PoolStats) bool { return s.Ready == 1 })
	// The job in flight runs until it is canceled: on a busy machine a job
	// of fixed length could end before the test got to cancel it.
	ctx1, cancel1 := context.WithCancel(context.Background())
	inflight := doAsync(ctx1, p, engine.Job{Input: "wait/2m"})
	waitStats(t, p, "one job in flight", func(s PoolStats) bool { return s.InFlight == 1 })
	ctx2, cancel2 := context.WithCancel(context.Background())
	queued := doAsync(ctx2, p, engine.Job{Input: "ok/2"})
	waitStats(t, p, "one queued", func(s PoolStats) bool { return s.Queued == 1 })

	cancel2()
	if r := await(t, queued); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("canceled queued job: %+v %v, want context.Canceled", r.res, r.err)
	}
	waitStats(t, p, "an empty queue", func(s PoolStats) bool { return s.Queued == 0 })

	start := time.Now()
	cancel1()
	if r := await(t, inflight); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("canceled job in flight: %+v %v, want context.Canceled", r.res, r.err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Logf("Do took %v to return after its context ended", d)
	}
	// The worker is asked to cancel the job and still answers it, which
	// returns its credit: the next job runs.
	r, err := p.Do(context.Background(), engine.Job{Input: "ok/9"})
	if err != nil || !r.OK || r.BytesIn != 9 {
		t.Fatalf("job after the cancel: %+v %v", r, err)
	}
	waitStats(t, p, "nothing in flight", func(s PoolStats) bool { return s.InFlight == 0 })
}

// TestPoolRetriesOnceOnAnotherWorker: with MaxAttempts 2, a job whose
// worker dies under it runs again and its caller sees one answer; a job
// that kills its worker twice is poison.
func TestPoolRetriesOnceOnAnotherWorker(t *testing.T) {
	p := startPool(t, Options{Procs: 2, Threads: 1, MaxAttempts: 2})
	flag := filepath.Join(t.TempDir(), "crashed")
	r, err := p.Do(context.Background(), engine.Job{Input: "crash-once/" + flag})
	if err != nil || !r.OK {
		t.Fatalf("crash-once job: %+v %v, want OK after one retry", r, err)
	}
	r, err = p.Do(context.Background(), engine.Job{Input: "crash/x"})
	if err != nil || r.OK || r.Error.Code != engine.CodePoison {
		t.Fatalf("crash job: %+v %v, want poison", r, err)
	}
	waitStats(t, p, "3 restarts and 2 ready workers", func(s PoolStats) bool { return s.Restarts == 3 && s.Ready == 2 })
	if r, err := p.Do(context.Background(), engine.Job{Input: "ok/5"}); err != nil || !r.OK {
		t.Fatalf("job after the crashes: %+v %v", r, err)
	}
}

func TestPoolCloseLetsJobsFinish(t *testing.T) {
	p := startPool(t, Options{Procs: 1, Threads: 2})
	waitStats(t, p, "a ready worker", func(s PoolStats) bool { return s.Ready == 1 })
	gate := filepath.Join(t.TempDir(), "open")
	running := doAsync(context.Background(), p, engine.Job{Input: "gate/" + gate})
	waitStats(t, p, "one job in flight", func(s PoolStats) bool { return s.InFlight == 1 })
	closed := make(chan error, 1)
	go func() {
		_, err := p.Close(10 * time.Second)
		closed <- err
	}()
	// The pool refuses new jobs once it is closing: then let the job in
	// flight end.
	for {
		if _, err := p.Do(context.Background(), engine.Job{Input: "ok/1"}); errors.Is(err, ErrPoolClosed) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	openGate(t, gate)
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	if r := await(t, running); r.err != nil || !r.res.OK {
		t.Fatalf("job in flight at Close: %+v %v, want OK", r.res, r.err)
	}
}

func TestPoolCloseGraceKills(t *testing.T) {
	p := startPool(t, Options{Procs: 1, Threads: 1})
	waitStats(t, p, "a ready worker", func(s PoolStats) bool { return s.Ready == 1 })
	running := doAsync(context.Background(), p, engine.Job{Input: "hang/x"})
	waitStats(t, p, "one job in flight", func(s PoolStats) bool { return s.InFlight == 1 })
	start := time.Now()
	closePool(t, p, 100*time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with a 100ms grace", d)
	}
	if r := await(t, running); !errors.Is(r.err, ErrPoolClosed) {
		t.Fatalf("hung job at Close: %+v %v, want ErrPoolClosed", r.res, r.err)
	}
}

func TestPoolRestartStorm(t *testing.T) {
	p, err := Start(context.Background(), Options{Procs: 1, Threads: 1, MaxStartFailures: 2, Command: workerCommand("exit-at-start")})
	if err != nil {
		t.Fatal(err)
	}
	_, derr := p.Do(context.Background(), engine.Job{Input: "ok/1"})
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("pool did not stop")
	}
	if !errors.Is(p.Err(), ErrRestartStorm) {
		t.Errorf("Err = %v, want ErrRestartStorm", p.Err())
	}
	if derr == nil {
		t.Errorf("Do on a failed pool: no error")
	}
	if _, err := p.Close(time.Second); !errors.Is(err, ErrRestartStorm) {
		t.Errorf("Close = %v, want ErrRestartStorm", err)
	}
}

func TestPoolStartCheck(t *testing.T) {
	if _, err := Start(context.Background(), Options{MaxQueue: -1}); err == nil {
		t.Error("MaxQueue -1: no error")
	}
}

// TestPoolCancelGraceKills: a canceled job that goes on running (a codec
// that cannot be interrupted) has its worker killed after CancelGrace and
// replaced; the job running beside it on that worker is rerun elsewhere
// without being blamed (MaxAttempts 1 would make it poison otherwise).
func TestPoolCancelGraceKills(t *testing.T) {
	p := startPool(t, Options{Procs: 1, Threads: 2, Credit: 2, MaxAttempts: 1, CancelGrace: 300 * time.Millisecond})
	waitStats(t, p, "a ready worker", func(s PoolStats) bool { return s.Ready == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	stuck := doAsync(ctx, p, engine.Job{Input: "hang/x"})
	bystander := doAsync(context.Background(), p, engine.Job{Input: "slow/1s"})
	waitStats(t, p, "two jobs in flight", func(s PoolStats) bool { return s.InFlight == 2 })
	cancel()
	if r := await(t, stuck); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("canceled job: %+v %v", r.res, r.err)
	}
	r := await(t, bystander)
	if r.err != nil || !r.res.OK {
		t.Fatalf("the job beside the stuck one: %+v %v, want OK (rerun, not blamed)", r.res, r.err)
	}
	waitStats(t, p, "the worker replaced", func(s PoolStats) bool { return s.Restarts == 1 && s.Ready == 1 && s.InFlight == 0 })
}
