package procs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// ErrQueueFull rejects a job submitted to a Pool whose queue (jobs waiting
// for a worker) is at Options.MaxQueue.
var ErrQueueFull = errors.New("queue full")

// ErrPoolClosed rejects a job submitted to a Pool that is closing or closed,
// and ends a job the Pool stopped before it finished.
var ErrPoolClosed = errors.New("worker pool closed")

// Pool runs jobs submitted one at a time on worker processes: the
// dispatcher of Run (the same workers, protocol, credit, crash detection,
// restarts and retries), kept running so that jobs can arrive while it
// works. imgpar serve answers each request with one job.
type Pool struct {
	submit   chan *task
	cancels  chan *task
	closeReq chan time.Duration
	done     chan struct{}
	err      error // set before done is closed
	gauges   *poolGauges

	closeOnce sync.Once
	mu        sync.Mutex
	final     Stats // set before done is closed
}

// PoolStats are a Pool's figures now.
type PoolStats struct {
	Queued   int // jobs waiting for a worker
	InFlight int // jobs sent to workers and not answered yet
	Ready    int // workers up and taking jobs
	Restarts int // workers replaced after they died
}

// poolGauges are written by the dispatcher loop and read by Stats.
type poolGauges struct {
	queued, inFlight, ready, restarts atomic.Int64
}

// Start starts opts.Procs workers and returns the Pool at once; workers
// come up in the background (Stats().Ready says how many are). Jobs
// submitted before then wait in the queue. Cancelling ctx stops the pool as
// an interrupted Run stops: queued jobs fail, jobs in flight get opts.Grace.
// Options.MaxQueue bounds the queue.
func Start(ctx context.Context, opts Options) (*Pool, error) {
	if opts.MaxQueue < 0 {
		return nil, fmt.Errorf("procs: MaxQueue %d: must be 0 (no bound) or more", opts.MaxQueue)
	}
	opts = withDefaults(opts)
	p := &Pool{
		submit:   make(chan *task),
		cancels:  make(chan *task),
		closeReq: make(chan time.Duration, 1),
		done:     make(chan struct{}),
		gauges:   &poolGauges{},
	}
	d := newDispatcher(opts, context.Background())
	d.accepting = true
	d.submit, d.cancels, d.closeReq = p.submit, p.cancels, p.closeReq
	d.gauges = p.gauges
	go func() {
		err := d.loop(ctx)
		p.mu.Lock()
		p.final = d.stats()
		p.mu.Unlock()
		p.err = err
		close(p.done)
	}()
	return p, nil
}

// Do runs job on a worker and returns its result. The error is
// ErrQueueFull or ErrPoolClosed when the job was not run (or the pool
// stopped before it finished), ctx's error when ctx ended first: a job
// still queued is then dropped, and a job in flight is canceled on its
// worker (its worker answers it, and the answer is dropped). A worker that
// dies under the job gets it retried as Run retries jobs, up to
// Options.MaxAttempts; the result then says poison, as in Run.
func (p *Pool) Do(ctx context.Context, job engine.Job) (engine.Result, error) {
	t := &task{job: &job, reply: make(chan struct{})}
	select {
	case p.submit <- t:
	case <-ctx.Done():
		return engine.Result{}, ctx.Err()
	case <-p.done:
		return engine.Result{}, ErrPoolClosed
	}
	select {
	case <-t.reply:
		return t.outcome.Result, t.err
	case <-ctx.Done():
	}
	select {
	case <-t.reply: // it finished anyway
		return t.outcome.Result, t.err
	case p.cancels <- t:
	case <-p.done:
	}
	return engine.Result{}, ctx.Err()
}

// Stats returns the pool's queue depth, jobs in flight, ready workers and
// restarts so far.
func (p *Pool) Stats() PoolStats {
	g := p.gauges
	return PoolStats{Queued: int(g.queued.Load()), InFlight: int(g.inFlight.Load()),
		Ready: int(g.ready.Load()), Restarts: int(g.restarts.Load())}
}

// Done is closed once the pool has stopped and all its workers have exited.
func (p *Pool) Done() <-chan struct{} { return p.done }

// Err is why the pool stopped by itself (workers failing to start:
// ErrRestartStorm); nil before Done and after a Close.
func (p *Pool) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Close stops taking jobs, lets the jobs queued and in flight finish within
// grace, then kills what is left (those jobs end with ErrPoolClosed), stops
// the workers and waits for them to exit. It returns the run's Stats and
// the pool's error, if it failed by itself.
func (p *Pool) Close(grace time.Duration) (Stats, error) {
	p.closeOnce.Do(func() {
		p.closeReq <- grace
	})
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.final, p.err
}

// accept queues a submitted job, or rejects it.
func (d *dispatcher) accept(t *task) {
	switch {
	case !d.accepting || d.stopping:
		t.err = ErrPoolClosed
	case d.opts.MaxQueue > 0 && len(d.queue) >= d.opts.MaxQueue:
		t.err = ErrQueueFull
	}
	if t.err != nil {
		t.finished = true
		t.outcome = Outcome{Result: engine.FailFile(engine.CodeCanceled, t.job.Input, "not run: %v", t.err)}
		close(t.reply)
		return
	}
	t.index = d.nextIndex
	d.nextIndex++
	d.live[t] = struct{}{}
	d.remaining++
	d.queue = append(d.queue, t)
}

// cancelTask ends a job its submitter gave up on: a queued one leaves the
// queue; a worker holding one is asked to cancel it and still answers it
// (its credit is returned then).
func (d *dispatcher) cancelTask(t *task) {
	if t.finished {
		return
	}
	if w := t.sentTo; w != nil {
		t.canceled = time.Now()
		if w.canCancel && !w.dead && !w.killed && !w.closing {
			if err := w.enc.Encode(&Message{Type: TypeCancel, ID: t.id}); err != nil {
				d.kill(w)
			}
		}
	} else {
		for i, q := range d.queue {
			if q == t {
				d.queue = append(d.queue[:i], d.queue[i+1:]...)
				break
			}
		}
	}
	t.err = context.Canceled
	d.finish(t, engine.FailFile(engine.CodeCanceled, t.job.Input, "canceled by its submitter"), t.attempts)
}

// publish updates a Pool's gauges.
func (d *dispatcher) publish() {
	g := d.gauges
	if g == nil {
		return
	}
	ready, restarts := 0, 0
	for i := range d.slots {
		restarts += d.slots[i].restarts
		if w := d.slots[i].cur; w != nil && !w.dead && !w.killed && !w.closing {
			ready++
		}
	}
	g.queued.Store(int64(len(d.queue)))
	g.inFlight.Store(int64(d.inflightN))
	g.ready.Store(int64(ready))
	g.restarts.Store(int64(restarts))
}
