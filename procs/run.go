package procs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/imgpar/imgpar/engine"
	"github.com/shirou/gopsutil/v4/process"
)

// Options configure a run of the primary.
type Options struct {
	Procs   int // worker processes
	Threads int // goroutines (and GOMAXPROCS) per worker
	// Credit is how many jobs may be in flight per worker; default Threads+1.
	Credit int
	// MaxAttempts is how many worker deaths a job may be in flight for before
	// it fails as poison; default 3.
	MaxAttempts int
	// JobTimeout kills the worker running a job for longer than this and
	// counts as one death of the job; 0 means no timeout.
	JobTimeout time.Duration
	// CancelGrace is how long a worker may go on running a job that its
	// submitter canceled (a Pool's Do whose context ended) before it is
	// killed and replaced: for codecs that cannot be interrupted (the
	// WebAssembly encoders). The kill counts against no job. 0: never.
	CancelGrace time.Duration
	// MemBudget bounds the sum of the EstBytes of jobs in flight over all
	// workers (a job larger than the budget runs alone); 0 means no bound.
	MemBudget int64
	// Grace is how long in-flight jobs may run after the run is interrupted.
	Grace time.Duration
	// MaxStartFailures stops the run when this many worker starts in a row
	// fail (a restart storm); default 5.
	MaxStartFailures int
	// Command starts a worker; default SelfCommand.
	Command CommandFunc
	// Env is added to each worker's environment (e.g. GOMEMLIMIT).
	Env []string
	// MaxQueue bounds how many jobs a Pool holds that wait for a worker;
	// a job submitted beyond it fails with ErrQueueFull. 0 means no bound.
	// Run ignores it.
	MaxQueue int
	// OnEvent, if set, is called from the dispatcher goroutine as files
	// finish and workers come and go. It must not block for long.
	OnEvent func(Event)
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	EventJobDone EventKind = iota
	EventWorkerStarted
	EventWorkerDied
)

// Event is a progress notification.
type Event struct {
	Kind   EventKind
	Index  int           // job index for EventJobDone
	Job    *engine.Job   // the job for EventJobDone
	Result engine.Result // for EventJobDone
	PID    int           // worker pid for worker events
	Detail string        // why a worker died, with its last stderr lines
}

// Outcome is the final answer for one job.
type Outcome struct {
	Result   engine.Result
	Attempts int // worker deaths while the job was running
}

// Stats are the run-level figures the dispatcher collects.
type Stats struct {
	Restarts    int
	Interrupted bool
	Workers     []WorkerStats
	// Elapsed is Run's wall time: from starting the workers to the last
	// answer (the time spent processing, without planning).
	Elapsed time.Duration
}

// WorkerStats describe one worker slot over the run (its processes, if it
// was restarted).
type WorkerStats struct {
	PID          int   `json:"pid"`
	Jobs         int   `json:"jobs"`
	Restarts     int   `json:"restarts"`
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
}

// ErrRestartStorm ends a run whose workers keep dying at start-up.
var ErrRestartStorm = errors.New("workers keep failing to start")

type task struct {
	index    int // job index (Run) or submission number (Pool)
	job      *engine.Job
	attempts int
	id       uint64    // protocol id while sent to a worker
	started  time.Time // when the worker began running it (zero while queued there)
	timeouts int       // how many of those deaths were job timeouts
	timedOut bool      // its worker is being killed because it ran too long
	canceled time.Time // when its submitter gave up on it while a worker held it
	sentTo   *workerProc

	finished bool
	outcome  Outcome
	reply    chan struct{} // Pool: closed once the task is finished or rejected
	err      error         // Pool: why it was rejected or not run
}

type event struct {
	w        *workerProc
	msg      *Message
	exited   bool
	err      error
	slot     int
	startOK  *workerProc // result of an asynchronous start
	startErr error
	isStart  bool
}

type slotState struct {
	cur      *workerProc
	starting bool
	restarts int
	jobs     int
	peakRSS  int64
	lastPID  int
	failures int // consecutive start failures
}

// Run runs jobs on a pool of worker processes and returns one Outcome per job
// (in the jobs' order). Cancelling ctx interrupts the run: no new jobs are
// handed out, jobs in flight get opts.Grace to finish, the rest are reported
// as canceled. Cancelling hard aborts at once. The returned error is set only
// when the run could not go on (workers failing to start).
func Run(ctx, hard context.Context, jobs []engine.Job, opts Options) ([]Outcome, Stats, error) {
	opts = withDefaults(opts)
	if hard == nil {
		hard = context.Background()
	}
	d := newDispatcher(opts, hard)
	d.outcomes = make([]Outcome, len(jobs))
	for i := range jobs {
		t := &task{index: i, job: &jobs[i]}
		d.queue = append(d.queue, t)
		d.live[t] = struct{}{}
	}
	if opts.MemBudget > 0 {
		// Largest first: the biggest jobs (by their memory estimate, which
		// tracks decode cost) start early instead of becoming the long
		// pole at the end, and the small ones fill the other threads while
		// the budget keeps two giants from running at once.
		sort.SliceStable(d.queue, func(a, b int) bool { return d.queue[a].job.EstBytes > d.queue[b].job.EstBytes })
	}
	d.remaining = len(jobs)
	start := time.Now()
	err := d.loop(ctx)
	st := d.stats()
	st.Elapsed = time.Since(start)
	return d.outcomes, st, err
}

func newDispatcher(opts Options, hard context.Context) *dispatcher {
	return &dispatcher{opts: opts, events: make(chan event, 64), slots: make([]slotState, opts.Procs),
		hard: hard, live: map[*task]struct{}{}}
}

// stats sums up the run so far.
func (d *dispatcher) stats() Stats {
	st := Stats{Interrupted: d.interrupted}
	for _, s := range d.slots {
		st.Restarts += s.restarts
		st.Workers = append(st.Workers, WorkerStats{PID: s.lastPID, Jobs: s.jobs, Restarts: s.restarts, PeakRSSBytes: s.peakRSS})
	}
	return st
}

func withDefaults(o Options) Options {
	o.Procs = max(o.Procs, 1)
	o.Threads = max(o.Threads, 1)
	if o.Credit <= 0 {
		o.Credit = o.Threads + 1
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.MaxStartFailures <= 0 {
		o.MaxStartFailures = 5
	}
	if o.Command == nil {
		o.Command = SelfCommand
	}
	return o
}

type dispatcher struct {
	opts      Options
	events    chan event
	queue     []*task
	outcomes  []Outcome          // Run: by job index
	live      map[*task]struct{} // tasks not finished yet
	remaining int                // len(live)
	slots     []slotState
	nextID    uint64
	memUsed   int64
	inflightN int

	interrupted  bool
	stopping     bool // no more dispatching (interrupted or fatal)
	fatal        error
	hard         context.Context
	cancelStarts context.CancelFunc // calls off worker starts once stopping
	pending      int                // asynchronous starts not yet reported
	liveProcs    int

	// A Pool's dispatcher takes jobs while it runs (nil channels for Run).
	accepting bool // jobs may still be submitted: keep the workers up
	submit    <-chan *task
	cancels   <-chan *task
	closeReq  <-chan time.Duration
	nextIndex int
	gauges    *poolGauges
}

// wanted reports whether workers are still needed: jobs remain, or a Pool
// may still be given some.
func (d *dispatcher) wanted() bool { return d.remaining > 0 || d.accepting }

func (d *dispatcher) loop(ctx context.Context) error {
	startCtx, cancelStarts := context.WithCancel(context.Background())
	defer cancelStarts()
	d.cancelStarts = cancelStarts
	for i := range d.slots {
		if d.wanted() {
			d.start(startCtx, i, 0)
		}
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var graceTimer <-chan time.Time
	ctxDone := ctx.Done()
	hardDone := d.hard.Done()
	closeReq := d.closeReq
	for {
		if !d.stopping {
			d.dispatch()
		}
		if !d.wanted() || d.stopping {
			d.shutdownIdle()
			// For good: a Run's jobs are all done, or a closed Pool's.
			d.cancelStarts()
		}
		d.publish()
		if d.liveProcs == 0 && d.pending == 0 && (!d.wanted() || d.stopping) {
			break
		}
		select {
		case t := <-d.submit:
			d.accept(t)
		case t := <-d.cancels:
			d.cancelTask(t)
		case grace := <-closeReq:
			// A Pool closes: no new jobs; those it holds may finish
			// within grace.
			closeReq = nil
			d.accepting = false
			if graceTimer == nil {
				graceTimer = time.After(grace)
			}
		case ev := <-d.events:
			d.handle(startCtx, ev)
		case <-tick.C:
			d.sample()
			d.checkTimeouts()
		case <-ctxDone:
			ctxDone = nil
			d.interrupted = true
			d.accepting = false
			d.stop()
			d.cancelQueued("interrupted before it started")
			if d.opts.Grace > 0 {
				graceTimer = time.After(d.opts.Grace)
			} else {
				d.killAll()
			}
		case <-graceTimer:
			graceTimer = nil
			if d.remaining > 0 {
				d.interrupted = true
			}
			d.stop()
			d.cancelQueued("interrupted before it started")
			d.killAll()
		case <-hardDone:
			hardDone = nil
			d.interrupted = true
			d.accepting = false
			d.stop()
			d.cancelQueued("interrupted before it started")
			d.killAll()
		}
	}
	// Whatever did not finish (interrupted runs) is reported as canceled.
	left := make([]*task, 0, len(d.live))
	for t := range d.live {
		left = append(left, t)
	}
	sort.Slice(left, func(a, b int) bool { return left[a].index < left[b].index })
	for _, t := range left {
		if d.fatal != nil {
			t.err = d.fatal
			d.finish(t, engine.FailFile(engine.CodeCanceled, t.job.Input, "stopped before it finished: %s", engine.OneLine(d.fatal.Error())), 0)
			continue
		}
		t.err = ErrPoolClosed
		d.finish(t, engine.FailFile(engine.CodeCanceled, t.job.Input, "interrupted before it finished"), 0)
	}
	d.publish()
	return d.fatal
}

// stop ends dispatching for good and calls off worker starts in progress
// or waiting out their backoff.
func (d *dispatcher) stop() {
	d.stopping = true
	if d.cancelStarts != nil {
		d.cancelStarts()
	}
}

// storm ends a run whose workers keep failing to start.
func (d *dispatcher) storm(err error) {
	d.fatal = err
	d.stop()
	d.cancelQueued("not run: " + engine.OneLine(err.Error()))
	d.killAll()
}

// start launches a worker for slot i after delay, asynchronously.
func (d *dispatcher) start(ctx context.Context, i int, delay time.Duration) {
	d.slots[i].starting = true
	d.pending++
	go func() {
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
			}
		}
		if err := ctx.Err(); err != nil {
			d.events <- event{isStart: true, slot: i, startErr: err}
			return
		}
		w, err := startWorker(ctx, i, d.opts.Threads, d.opts.Command, d.opts.Env)
		d.events <- event{isStart: true, slot: i, startOK: w, startErr: err}
		if w != nil {
			// Only now: the dispatcher sees the start before anything
			// the worker says or its exit.
			w.readLoop(d.events)
		}
	}()
}

func (d *dispatcher) handle(ctx context.Context, ev event) {
	switch {
	case ev.isStart:
		d.pending--
		s := &d.slots[ev.slot]
		s.starting = false
		if ev.startErr != nil {
			if d.stopping || !d.wanted() {
				return // called off, or failing while nothing is wanted
			}
			s.failures++
			// A worker that died before its hello (killed, or broken) is a
			// restart too, as one that died after it: the report's count
			// is every worker death the run had to recover from.
			s.restarts++
			if d.consecutiveStartFailures() >= d.opts.MaxStartFailures {
				d.storm(fmt.Errorf("%w: %d attempts in a row failed; last: %v", ErrRestartStorm, d.consecutiveStartFailures(), ev.startErr))
				return
			}
			if d.wanted() {
				d.start(ctx, ev.slot, backoff(s.failures))
			}
			return
		}
		w := ev.startOK
		d.liveProcs++
		s.cur = w
		s.lastPID = w.pid
		d.emit(Event{Kind: EventWorkerStarted, PID: w.pid})
		if d.stopping || !d.wanted() {
			d.closeWorker(w)
		}
	case ev.exited:
		d.workerExited(ctx, ev.w, ev.err)
	case ev.msg != nil:
		d.message(ev.w, ev.msg)
	}
}

func (d *dispatcher) consecutiveStartFailures() int {
	n := 0
	for _, s := range d.slots {
		n += s.failures
	}
	return n
}

func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures, 6)
	return min(d, 5*time.Second)
}

func (d *dispatcher) message(w *workerProc, m *Message) {
	switch m.Type {
	case TypeStart:
		if t := w.inflight[m.ID]; t != nil {
			t.started = time.Now()
		}
	case TypeResult:
		t := w.inflight[m.ID]
		if t == nil || m.Result == nil {
			d.faulty(w, fmt.Sprintf("answered unknown job id %d", m.ID))
			return
		}
		delete(w.inflight, m.ID)
		d.release(t)
		if w.solo == t {
			w.solo = nil
		}
		w.jobsDone++
		d.slots[w.slot].jobs++
		// A worker that finished a job has started fine.
		d.slots[w.slot].failures = 0
		d.finish(t, *m.Result, t.attempts)
	default:
		d.faulty(w, fmt.Sprintf("sent unexpected message type %q", m.Type))
	}
}

// faulty kills a worker that broke the protocol; its jobs are requeued when
// its exit arrives.
func (d *dispatcher) faulty(w *workerProc, why string) {
	w.stderr.Note("imgpar: protocol fault: " + why)
	d.kill(w)
}

func (d *dispatcher) release(t *task) {
	d.memUsed -= t.job.EstBytes
	d.inflightN--
	t.sentTo = nil
}

func (d *dispatcher) finish(t *task, r engine.Result, attempts int) {
	if t.finished {
		return
	}
	t.finished = true
	delete(d.live, t)
	d.remaining--
	t.outcome = Outcome{Result: r, Attempts: attempts}
	if d.outcomes != nil {
		d.outcomes[t.index] = t.outcome
	}
	if t.reply != nil {
		close(t.reply)
	}
	d.emit(Event{Kind: EventJobDone, Index: t.index, Job: t.job, Result: r})
}

func (d *dispatcher) workerExited(ctx context.Context, w *workerProc, err error) {
	d.liveProcs--
	w.dead = true
	if w.closeTimer != nil {
		w.closeTimer.Stop()
	}
	s := &d.slots[w.slot]
	if s.cur == w {
		s.cur = nil
	}
	if p := exitPeakRSS(w.cmd.ProcessState); p > s.peakRSS {
		s.peakRSS = p
	}
	reason := exitReason(w, err)
	dirs := map[string]bool{}
	var requeue []*task
	lost, startedLost := 0, 0
	for id, t := range w.inflight {
		delete(w.inflight, id)
		d.release(t)
		for _, out := range t.job.Outputs() {
			dirs[filepath.Dir(out)] = true
		}
		timedOut := t.timedOut
		t.timedOut = false
		if t.finished {
			continue
		}
		lost++
		started := !t.started.IsZero()
		t.started = time.Time{}
		if started {
			startedLost++
		}
		// Who is to blame: nobody when the run is stopping (we killed
		// it); the jobs that ran too long when it was killed for a
		// timeout; otherwise every job it had started, since any of them
		// may have crashed it. A suspect then runs alone, so that its
		// next death is its own.
		switch {
		case d.stopping, w.abandoned:
		case w.timedOut:
			if timedOut {
				t.attempts++
			}
		case started:
			t.attempts++
		}
		if t.attempts >= d.opts.MaxAttempts {
			if t.timeouts > 0 {
				d.finish(t, engine.FailFile(engine.CodeTimeout, t.job.Input, "gave up: ran past the %s job timeout or crashed its worker %d times (%d timeouts)", d.opts.JobTimeout, t.attempts, t.timeouts), t.attempts)
			} else {
				d.finish(t, engine.FailFile(engine.CodePoison, t.job.Input, "gave up after %d worker crashes while processing it (last: %s)", t.attempts, reason), t.attempts)
			}
			continue
		}
		requeue = append(requeue, t)
	}
	// Back to the front of the queue, in job order.
	sort.Slice(requeue, func(a, b int) bool { return requeue[a].index < requeue[b].index })
	d.queue = append(requeue, d.queue...)
	for dir := range dirs {
		RemoveTemps(dir, w.pid)
	}
	if d.stopping || (w.closing && lost == 0) {
		return // a shutdown, not a crash
	}
	s.restarts++
	if w.jobsDone == 0 && startedLost == 0 && !w.abandoned {
		s.failures++ // died before doing anything: a start-up failure
	}
	d.emit(Event{Kind: EventWorkerDied, PID: w.pid, Detail: reason})
	if d.consecutiveStartFailures() >= d.opts.MaxStartFailures {
		d.storm(fmt.Errorf("%w: %d workers in a row died before running a job; last: %s", ErrRestartStorm, d.consecutiveStartFailures(), reason))
		return
	}
	if d.wanted() && !s.starting {
		d.start(ctx, w.slot, backoff(s.failures)-100*time.Millisecond)
	}
}

func exitReason(w *workerProc, err error) string {
	var b strings.Builder
	if err != nil {
		b.WriteString(err.Error())
	} else {
		b.WriteString("exited")
	}
	if t := w.stderr.String(); t != "" {
		b.WriteString("; last stderr: ")
		b.WriteString(clipString(t, 400))
	}
	return fmt.Sprintf("worker %d %s", w.pid, b.String())
}

func clipString(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// dispatchLookahead bounds how many queued jobs dispatch passes over (that
// do not fit the memory budget or wait for an idle worker), so that a long
// queue costs little per event.
const dispatchLookahead = 256

// dispatch hands queued jobs to workers with free credit, within the memory
// budget. A suspect job (one that was running on a worker that died) runs
// alone on a worker, so that if it kills that worker too, nothing else is
// blamed; while it waits for an idle worker, the least loaded one gets no
// new jobs, so that it drains.
func (d *dispatcher) dispatch() {
	var reserved *workerProc
	for i := 0; i < len(d.queue) && i < dispatchLookahead; {
		if d.pickWorker(false, nil) == nil {
			return // every worker is full
		}
		t := d.queue[i]
		if !d.fits(t) {
			i++
			continue
		}
		suspect := t.attempts > 0
		w := d.pickWorker(suspect, reserved)
		if w == nil {
			if suspect && reserved == nil {
				reserved = d.leastLoaded()
			}
			i++
			continue
		}
		if i == 0 {
			d.queue[0] = nil
			d.queue = d.queue[1:]
		} else {
			d.queue = append(d.queue[:i], d.queue[i+1:]...)
		}
		d.send(w, t, suspect)
	}
}

func (d *dispatcher) send(w *workerProc, t *task, solo bool) {
	d.nextID++
	id := d.nextID
	t.id = id
	w.inflight[id] = t
	if solo {
		w.solo = t
	}
	t.sentTo = w
	d.memUsed += t.job.EstBytes
	d.inflightN++
	if err := w.enc.Encode(&Message{Type: TypeJob, ID: id, Job: t.job}); err != nil {
		// The worker is gone; its exit event requeues the job.
		d.kill(w)
	}
}

// usable reports whether w may be given jobs at all.
func usable(w *workerProc) bool {
	return w != nil && !w.dead && !w.killed && !w.closing && w.solo == nil
}

// pickWorker returns the least loaded worker with free credit, other than
// exclude; with alone, only an idle one.
func (d *dispatcher) pickWorker(alone bool, exclude *workerProc) *workerProc {
	var best *workerProc
	for i := range d.slots {
		w := d.slots[i].cur
		if !usable(w) || w == exclude || len(w.inflight) >= d.opts.Credit || (alone && len(w.inflight) > 0) {
			continue
		}
		if best == nil || len(w.inflight) < len(best.inflight) {
			best = w
		}
	}
	return best
}

// leastLoaded returns the usable worker with the fewest jobs in flight.
func (d *dispatcher) leastLoaded() *workerProc {
	var best *workerProc
	for i := range d.slots {
		w := d.slots[i].cur
		if usable(w) && (best == nil || len(w.inflight) < len(best.inflight)) {
			best = w
		}
	}
	return best
}

// fits reports whether t fits in the memory budget now; a job bigger than
// the whole budget runs when nothing else is in flight.
func (d *dispatcher) fits(t *task) bool {
	return d.opts.MemBudget <= 0 || d.memUsed+t.job.EstBytes <= d.opts.MemBudget || d.inflightN == 0
}

func (d *dispatcher) cancelQueued(why string) {
	for _, t := range d.queue {
		if !t.finished {
			t.err = ErrPoolClosed
			if d.fatal != nil {
				t.err = d.fatal
			}
			// A job back in the queue after its worker died had started.
			code := engine.CodeNotStarted
			if t.attempts > 0 {
				code = engine.CodeCanceled
			}
			d.finish(t, engine.FailFile(code, t.job.Input, "%s", why), t.attempts)
		}
	}
	d.queue = nil
}

// shutdownIdle closes the stdin of workers with nothing in flight once no
// more work will be handed out.
func (d *dispatcher) shutdownIdle() {
	for i := range d.slots {
		w := d.slots[i].cur
		if w != nil && !w.closing && len(w.inflight) == 0 {
			d.closeWorker(w)
		}
	}
}

func (d *dispatcher) closeWorker(w *workerProc) {
	if w.closing {
		return
	}
	w.closing = true
	_ = w.stdin.Close()
	// A worker that ignores EOF is killed after a while.
	proc := w.cmd.Process
	w.closeTimer = time.AfterFunc(10*time.Second, func() { _ = proc.Kill() })
}

func (d *dispatcher) kill(w *workerProc) {
	if w.dead {
		return
	}
	w.killed = true
	_ = w.cmd.Process.Kill()
}

func (d *dispatcher) killAll() {
	for i := range d.slots {
		if w := d.slots[i].cur; w != nil {
			d.kill(w)
		}
	}
}

func (d *dispatcher) checkTimeouts() {
	if d.opts.JobTimeout <= 0 && d.opts.CancelGrace <= 0 {
		return
	}
	now := time.Now()
	for i := range d.slots {
		w := d.slots[i].cur
		if w == nil || w.dead || w.killed {
			continue
		}
		for _, t := range w.inflight {
			if d.opts.CancelGrace > 0 && !t.canceled.IsZero() && now.Sub(t.canceled) > d.opts.CancelGrace {
				w.abandoned = true
				w.stderr.Note(fmt.Sprintf("imgpar: killed: a canceled job did not stop within %s", d.opts.CancelGrace))
			}
			if d.opts.JobTimeout > 0 && !t.started.IsZero() && now.Sub(t.started) > d.opts.JobTimeout {
				t.timeouts++
				t.timedOut = true
				w.timedOut = true
				w.stderr.Note(fmt.Sprintf("imgpar: %s ran past the %s job timeout", t.job.Input, d.opts.JobTimeout))
			}
		}
		if w.timedOut || w.abandoned {
			d.kill(w)
		}
	}
}

// sample records each worker's resident memory (gopsutil).
func (d *dispatcher) sample() {
	for i := range d.slots {
		s := &d.slots[i]
		if s.cur == nil || s.cur.dead {
			continue
		}
		p, err := process.NewProcess(int32(s.cur.pid))
		if err != nil {
			continue
		}
		if mi, err := p.MemoryInfo(); err == nil && int64(mi.RSS) > s.peakRSS {
			s.peakRSS = int64(mi.RSS)
		}
	}
}

func (d *dispatcher) emit(e Event) {
	if d.opts.OnEvent != nil {
		d.opts.OnEvent(e)
	}
}
