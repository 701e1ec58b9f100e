//go:build unix

package procs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// runRec runs Run with real test workers and records what it reported.
type runRec struct {
	outcomes []Outcome
	stats    Stats
	err      error
	took     time.Duration

	mu      sync.Mutex
	done    map[int]int // job index -> EventJobDone count
	started []int       // worker pids from EventWorkerStarted
	died    []Event
}

func newRec() *runRec { return &runRec{done: map[int]int{}} }

func (r *runRec) onEvent(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Kind {
	case EventJobDone:
		r.done[e.Index]++
	case EventWorkerStarted:
		r.started = append(r.started, e.PID)
	case EventWorkerDied:
		r.died = append(r.died, e)
	}
}

// run calls Run with a generous deadline so that a hung dispatcher fails
// the test instead of the whole package.
func (r *runRec) run(t *testing.T, ctx, hard context.Context, jobs []engine.Job, o Options) {
	t.Helper()
	if o.Command == nil {
		o.Command = workerCommand("serve")
	}
	o.OnEvent = r.onEvent
	type ret struct {
		oc  []Outcome
		st  Stats
		err error
	}
	ch := make(chan ret, 1)
	start := time.Now()
	go func() {
		oc, st, err := Run(ctx, hard, jobs, o)
		ch <- ret{oc, st, err}
	}()
	select {
	case x := <-ch:
		r.outcomes, r.stats, r.err = x.oc, x.st, x.err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s")
	}
	r.took = time.Since(start)
	if len(r.outcomes) != len(jobs) {
		t.Fatalf("Run returned %d outcomes for %d jobs", len(r.outcomes), len(jobs))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range jobs {
		if n := r.done[i]; n != 1 {
			t.Errorf("job %d (%s) reported done %d times, want exactly once", i, jobs[i].Input, n)
		}
	}
	// After Run returns no worker process is left.
	pids := append([]int(nil), r.started...)
	for _, w := range r.stats.Workers {
		if w.PID != 0 {
			pids = append(pids, w.PID)
		}
	}
	waitGone(t, pids)
}

func (r *runRec) deaths() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.died)
}

func okJobs(n int) []engine.Job {
	jobs := make([]engine.Job, n)
	for i := range jobs {
		jobs[i] = engine.Job{Kind: engine.KindImage, Input: fmt.Sprintf("ok/%d", i)}
	}
	return jobs
}

func code(r engine.Result) string {
	if r.OK {
		return "ok"
	}
	if r.Error == nil {
		return "failed without an error"
	}
	return r.Error.Code
}

// checkOK fails the test for each job except those in skip that did not
// succeed with its own answer.
func checkOK(t *testing.T, jobs []engine.Job, oc []Outcome, skip ...int) {
	t.Helper()
	for i, o := range oc {
		if contains(skip, i) {
			continue
		}
		if !o.Result.OK {
			t.Errorf("job %d (%s): %s: %v", i, jobs[i].Input, code(o.Result), o.Result.Error)
			continue
		}
		var n int64
		if _, err := fmt.Sscanf(jobs[i].Input, "ok/%d", &n); err == nil && o.Result.BytesIn != n {
			t.Errorf("job %d got the answer for job %d", i, o.Result.BytesIn)
		}
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestRunManyJobs(t *testing.T) {
	tests := []struct {
		name                  string
		procs, threads, count int
	}{
		{"3 procs x 2 threads", 3, 2, 300},
		{"a long queue", 2, 2, 5000},
		{"1 proc x 1 thread", 1, 1, 50},
		{"more procs than jobs", 4, 1, 2},
		{"no jobs", 2, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jobs := okJobs(tc.count)
			r := newRec()
			r.run(t, t.Context(), t.Context(), jobs, Options{Procs: tc.procs, Threads: tc.threads})
			if r.err != nil {
				t.Fatal(r.err)
			}
			checkOK(t, jobs, r.outcomes)
			if r.stats.Restarts != 0 || r.stats.Interrupted {
				t.Errorf("stats = %+v, want no restarts, not interrupted", r.stats)
			}
			if len(r.stats.Workers) != tc.procs {
				t.Errorf("%d worker stats, want %d", len(r.stats.Workers), tc.procs)
			}
			jobsDone := 0
			for _, w := range r.stats.Workers {
				jobsDone += w.Jobs
			}
			if jobsDone != tc.count {
				t.Errorf("workers did %d jobs in all, want %d", jobsDone, tc.count)
			}
			if tc.count > 0 {
				// Every job ran in a worker process, not in the test.
				for i, o := range r.outcomes {
					if o.Result.Count == int64(os.Getpid()) || o.Result.Count == 0 {
						t.Fatalf("job %d ran in pid %d", i, o.Result.Count)
					}
				}
			}
		})
	}
}

func TestRunStrayStdout(t *testing.T) {
	jobs := make([]engine.Job, 30)
	for i := range jobs {
		jobs[i] = engine.Job{Input: fmt.Sprintf("stray/%d", i)}
	}
	r := newRec()
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 2, Threads: 2})
	if r.err != nil {
		t.Fatal(r.err)
	}
	for i, o := range r.outcomes {
		if !o.Result.OK || o.Result.BytesIn != int64(i) {
			t.Errorf("job %d: %+v", i, o.Result)
		}
	}
	if r.stats.Restarts != 0 {
		t.Errorf("%d restarts: stray output broke a worker", r.stats.Restarts)
	}
}

func TestRunWorkerEnv(t *testing.T) {
	jobs := []engine.Job{{Input: "env/IMGPAR_PROCS_TEST_X"}, {Input: "env/" + CookieEnv}}
	r := newRec()
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 1, Threads: 1, Env: []string{"IMGPAR_PROCS_TEST_X=hello"}})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if n := r.outcomes[0].Result.BytesIn; n != 5 {
		t.Errorf("Options.Env did not reach the worker (len %d)", n)
	}
	if n := r.outcomes[1].Result.BytesIn; n != int64(len(CookieValue)) {
		t.Errorf("the cookie did not reach the worker (len %d)", n)
	}
}

// TestRunFaultyWorker: a worker that answers a job twice breaks the
// protocol: it is killed and replaced, and each job still counts once.
func TestRunFaultyWorker(t *testing.T) {
	jobs := okJobs(12)
	r := newRec()
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 2, Threads: 1, Credit: 1, MaxStartFailures: 100, Command: workerCommand("dup-results")})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes)
	if r.stats.Restarts == 0 || r.deaths() == 0 {
		t.Fatal("no worker was killed for answering twice")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.died[0].Detail; !strings.Contains(d, "protocol fault") || !strings.Contains(d, "unknown job id") {
		t.Errorf("death detail %q should say why", d)
	}
}

// TestRunPoisonJob: a job that kills every worker it runs on fails as
// poison after exactly three attempts; every other job succeeds.
func TestRunPoisonJob(t *testing.T) {
	jobs := okJobs(60)
	const bad = 7
	jobs[bad].Input = "crash/x"
	r := newRec()
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 3, Threads: 2})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes, bad)
	o := r.outcomes[bad]
	if code(o.Result) != engine.CodePoison || o.Attempts != 3 {
		t.Fatalf("crashing job: %s after %d attempts (%v), want poison after 3", code(o.Result), o.Attempts, o.Result.Error)
	}
	if msg := o.Result.Error.Message; !strings.Contains(msg, "crash/x") || strings.Contains(msg, "\n") {
		t.Errorf("poison message %q should name the input on one line", msg)
	}
	if r.stats.Restarts != 3 || r.deaths() != 3 {
		t.Errorf("restarts = %d, died events = %d; want 3 worker deaths", r.stats.Restarts, r.deaths())
	}
}

// TestRunPoisonSparesBystanders: a job that ran beside the poison job on
// the same worker, every time, is not failed with it.
func TestRunPoisonSparesBystanders(t *testing.T) {
	jobs := []engine.Job{{Input: "crash/100ms"}}
	for range 5 {
		jobs = append(jobs, engine.Job{Input: "slow/200ms"})
	}
	r := newRec()
	// One worker with two threads and credit for two: the crashing job and
	// a slow one start together on it, and are requeued together.
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 1, Threads: 2, Credit: 2})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if o := r.outcomes[0]; code(o.Result) != engine.CodePoison || o.Attempts != 3 {
		t.Fatalf("crashing job: %s after %d attempts, want poison after 3", code(o.Result), o.Attempts)
	}
	checkOK(t, jobs, r.outcomes, 0)
	for i, o := range r.outcomes {
		t.Logf("job %d: %s after %d attempts", i, code(o.Result), o.Attempts)
	}
	if r.stats.Restarts != 3 {
		t.Errorf("restarts = %d, want 3", r.stats.Restarts)
	}
}

func TestRunCrashOnceSucceedsOnRetry(t *testing.T) {
	dir := t.TempDir()
	jobs := okJobs(20)
	jobs[3].Input = "crash-once/" + filepath.Join(dir, "a")
	jobs[11].Input = "crash-once/" + filepath.Join(dir, "b")
	r := newRec()
	// One thread a worker, so that each crash is its own worker's death
	// (with two, jobs 3 and 11 could run side by side in one worker, and
	// one kill would end both: one restart, under load 1 run in 20).
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 2, Threads: 1})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes)
	for _, i := range []int{3, 11} {
		if a := r.outcomes[i].Attempts; a != 1 {
			t.Errorf("job %d: %d attempts, want 1", i, a)
		}
	}
	if r.stats.Restarts != 2 {
		t.Errorf("restarts = %d, want 2", r.stats.Restarts)
	}
}

// TestRunRequeuesUnstartedJobsFree: jobs sent to a worker that had not
// started them when it died are not charged an attempt.
func TestRunRequeuesUnstartedJobsFree(t *testing.T) {
	jobs := okJobs(6)
	jobs[0].Input = "crash-once/" + filepath.Join(t.TempDir(), "m")
	r := newRec()
	// One thread and credit for four: three jobs wait inside the worker
	// behind the one that crashes it.
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 1, Threads: 1, Credit: 4})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes)
	if a := r.outcomes[0].Attempts; a != 1 {
		t.Errorf("crashing job: %d attempts, want 1", a)
	}
	for i := 1; i < len(jobs); i++ {
		if a := r.outcomes[i].Attempts; a != 0 {
			t.Errorf("job %d was queued, not running, when its worker died: charged %d attempts", i, a)
		}
	}
	if r.stats.Restarts != 1 {
		t.Errorf("restarts = %d, want 1", r.stats.Restarts)
	}
}

func TestRunPanicIsAJobError(t *testing.T) {
	jobs := okJobs(10)
	jobs[4].Input = "panic/x"
	r := newRec()
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 2, Threads: 2})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes, 4)
	if c := code(r.outcomes[4].Result); c != engine.CodeInternal {
		t.Errorf("panicking job: %s, want internal", c)
	}
	if r.stats.Restarts != 0 {
		t.Errorf("restarts = %d: a panic in a job must not kill its worker", r.stats.Restarts)
	}
}

func TestRunJobTimeout(t *testing.T) {
	jobs := okJobs(40)
	const hang = 5
	jobs[hang].Input = "hang/x"
	for i := 0; i < 30; i += 2 {
		jobs[i].Input = "slow/50ms"
	}
	r := newRec()
	// The timeout is far above what the other jobs take (50 ms at most) so
	// that on a busy machine none of them runs past it.
	r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 2, Threads: 2, JobTimeout: 2 * time.Second})
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkOK(t, jobs, r.outcomes, hang)
	for i, o := range r.outcomes {
		if i != hang && o.Attempts != 0 {
			t.Errorf("job %d was charged %d attempts for another job's timeout", i, o.Attempts)
		}
	}
	o := r.outcomes[hang]
	if code(o.Result) != engine.CodeTimeout || o.Attempts != 3 {
		t.Fatalf("hanging job: %s after %d attempts (%v), want timeout after 3", code(o.Result), o.Attempts, o.Result.Error)
	}
	if r.stats.Restarts != 3 {
		t.Errorf("restarts = %d, want 3 (one per timeout)", r.stats.Restarts)
	}
	// The worker's last stderr lines and the reason come with its death.
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.died {
		if !strings.Contains(e.Detail, "hang/x hangs") || !strings.Contains(e.Detail, "ran past the 2s job timeout") {
			t.Errorf("death detail %q lacks the worker's stderr or the reason", e.Detail)
		}
	}
}

func TestRunRestartStorm(t *testing.T) {
	for _, mode := range []string{"exit-at-start", "exit-after-hello", "garbage-hello"} {
		t.Run(mode, func(t *testing.T) {
			jobs := okJobs(10)
			r := newRec()
			r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 3, Threads: 1, Command: workerCommand(mode)})
			if !errors.Is(r.err, ErrRestartStorm) {
				t.Fatalf("Run error = %v, want ErrRestartStorm", r.err)
			}
			for i, o := range r.outcomes {
				// Queued jobs never started; a job on a worker that died
				// when the run gave up was cut short.
				if c := code(o.Result); c != engine.CodeNotStarted && c != engine.CodeCanceled {
					t.Errorf("job %d: %s, want not_started or canceled", i, c)
				}
			}
			if mode == "exit-at-start" && !strings.Contains(r.err.Error(), "cannot start") {
				t.Errorf("error %q should quote the worker's stderr", r.err)
			}
			t.Logf("gave up after %v: %v", r.took.Round(time.Millisecond), r.err)
		})
	}
}

func TestRunMemBudget(t *testing.T) {
	tests := []struct {
		name     string
		budget   int64
		estBytes int64
	}{
		{"only one fits", 100, 60},
		{"each over the budget runs alone", 100, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			jobs := make([]engine.Job, 12)
			for i := range jobs {
				jobs[i] = engine.Job{Input: "excl/" + dir, EstBytes: tc.estBytes}
			}
			r := newRec()
			r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 3, Threads: 2, MemBudget: tc.budget})
			if r.err != nil {
				t.Fatal(r.err)
			}
			checkOK(t, jobs, r.outcomes)
			overlaps, _ := filepath.Glob(filepath.Join(dir, "overlap-*"))
			if len(overlaps) > 0 {
				t.Fatalf("%d jobs ran while another held the memory budget", len(overlaps))
			}
		})
	}
	t.Run("without a budget jobs overlap", func(t *testing.T) {
		// The check above can see overlaps: without a budget it does.
		dir := t.TempDir()
		jobs := make([]engine.Job, 12)
		for i := range jobs {
			jobs[i] = engine.Job{Input: "excl/" + dir, EstBytes: 60}
		}
		r := newRec()
		r.run(t, t.Context(), t.Context(), jobs, Options{Procs: 3, Threads: 2})
		checkOK(t, jobs, r.outcomes)
		if overlaps, _ := filepath.Glob(filepath.Join(dir, "overlap-*")); len(overlaps) == 0 {
			t.Skip("no overlap seen even without a budget (a very slow machine?)")
		}
	})
}

// waitFile waits until path exists (a job started); false if it did not
// within a generous while.
func waitFile(path string) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestRunInterrupt(t *testing.T) {
	tests := []struct {
		name     string
		slow     string        // how long the in-flight job runs
		grace    time.Duration // Options.Grace
		hard     bool          // cancel the hard context too
		slowCode string        // the in-flight job's outcome
	}{
		{"grace lets the job finish", "800ms", 20 * time.Second, false, "ok"},
		{"grace runs out", "60s", 300 * time.Millisecond, false, engine.CodeCanceled},
		{"no grace", "60s", 0, false, engine.CodeCanceled},
		{"hard cancel", "60s", time.Minute, true, engine.CodeCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "started")
			jobs := okJobs(8)
			jobs[0].Input = "slow/" + tc.slow + "," + marker
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			hard, cancelHard := context.WithCancel(t.Context())
			defer cancelHard()
			go func() {
				if !waitFile(marker) {
					t.Error("the slow job never started")
				}
				cancel()
				if tc.hard {
					time.Sleep(50 * time.Millisecond)
					cancelHard()
				}
			}()
			r := newRec()
			// One worker with credit for one job: the slow job is the only
			// one in flight when the run is interrupted.
			r.run(t, ctx, hard, jobs, Options{Procs: 1, Threads: 1, Credit: 1, Grace: tc.grace})
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !r.stats.Interrupted {
				t.Error("Stats.Interrupted = false")
			}
			if c := code(r.outcomes[0].Result); c != tc.slowCode {
				t.Errorf("in-flight job: %s (%v), want %s", c, r.outcomes[0].Result.Error, tc.slowCode)
			}
			if a := r.outcomes[0].Attempts; a != 0 {
				t.Errorf("in-flight job charged %d attempts for an interrupt", a)
			}
			for i := 1; i < len(jobs); i++ {
				if c := code(r.outcomes[i].Result); c != engine.CodeNotStarted {
					t.Errorf("queued job %d: %s, want not_started", i, c)
				}
			}
			if r.stats.Restarts != 0 {
				t.Errorf("restarts = %d: killing workers on interrupt is not a crash", r.stats.Restarts)
			}
			if tc.slowCode != "ok" && r.took > 20*time.Second {
				t.Errorf("Run took %v to give up a 60 s job", r.took)
			}
		})
	}
}

// TestRunInterruptedBeforeStart: a run cancelled before it begins starts
// nothing it leaves behind and reports every job not started.
func TestRunInterruptedBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	jobs := okJobs(5)
	r := newRec()
	r.run(t, ctx, t.Context(), jobs, Options{Procs: 2, Threads: 1, Grace: time.Second})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !r.stats.Interrupted {
		t.Error("Stats.Interrupted = false")
	}
	for i, o := range r.outcomes {
		if c := code(o.Result); c != engine.CodeNotStarted {
			t.Errorf("job %d: %s, want not_started", i, c)
		}
	}
}

// TestRunInterruptDuringRestartBackoff: once the run is interrupted, a
// worker restart waiting out its backoff is called off, not started.
func TestRunInterruptDuringRestartBackoff(t *testing.T) {
	log := filepath.Join(t.TempDir(), "starts")
	count := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "\n")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var atCancel int
	go func() {
		// After four failed starts the next waits 1.6 s.
		deadline := time.Now().Add(15 * time.Second)
		for count() < 4 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		atCancel = count()
		cancel()
	}()
	r := newRec()
	r.run(t, ctx, t.Context(), okJobs(3), Options{Procs: 1, Threads: 1, Grace: time.Minute, MaxStartFailures: 100,
		Command: workerCommand("exit-at-start", startLogEnv+"="+log)})
	if r.err != nil {
		t.Fatal(r.err)
	}
	// From the fourth failed start on, each backoff is 1.6 s or more: the
	// cancel came during one.
	if atCancel < 4 {
		t.Fatalf("cancelled after %d starts, want 4 or more", atCancel)
	}
	if n := count(); n != atCancel {
		t.Errorf("%d workers started after the interrupt", n-atCancel)
	}
	if !r.stats.Interrupted {
		t.Error("Stats.Interrupted = false")
	}
}

// TestRunInterruptIsNotPoison: a job that crashed workers before, killed
// on interrupt the third time it runs, is canceled, not poison.
func TestRunInterruptIsNotPoison(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flaky")
	jobs := okJobs(3)
	jobs[0].Input = "flaky/" + file + ",2,60s"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		if !waitFile(file) {
			t.Error("the flaky job never ran a third time")
		}
		cancel()
	}()
	r := newRec()
	r.run(t, ctx, t.Context(), jobs, Options{Procs: 1, Threads: 1})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if c := code(r.outcomes[0].Result); c != engine.CodeCanceled {
		t.Errorf("job killed by the interrupt: %s (%v), want canceled", c, r.outcomes[0].Result.Error)
	}
	if r.stats.Restarts != 2 {
		t.Errorf("restarts = %d, want 2", r.stats.Restarts)
	}
}
