package engine

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// Pool runs jobs on a fixed number of goroutines. It is the thread pool
// inside one worker process.
type Pool struct {
	threads int
	jobs    chan poolTask
	wg      sync.WaitGroup
}

type poolTask struct {
	ctx  context.Context
	job  Job
	done func(Result)
}

// NewPool starts threads goroutines (at least one).
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = 1
	}
	p := &Pool{threads: threads, jobs: make(chan poolTask)}
	for i := 0; i < threads; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for t := range p.jobs {
				t.done(Execute(t.ctx, t.job, p.threads))
			}
		}()
	}
	return p
}

// Submit queues a job; done is called from a pool goroutine with its result.
// Submit blocks while every goroutine is busy.
func (p *Pool) Submit(ctx context.Context, job Job, done func(Result)) {
	p.jobs <- poolTask{ctx: ctx, job: job, done: done}
}

// Close waits for the queued jobs to finish and stops the goroutines.
func (p *Pool) Close() {
	close(p.jobs)
	p.wg.Wait()
}

// Execute runs one job to completion on the calling goroutine and always
// returns a Result: a panic in a decoder becomes an internal error for that
// job rather than the end of the process. threads is how many goroutines the
// job itself may use (number jobs split their arrays).
func Execute(ctx context.Context, job Job, threads int) (res Result) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			res = Fail(CodeInternal, "%s: internal error: %v (please report: %s)", job.Input, r, firstFrame(debug.Stack()))
		}
		res.Millis = time.Since(start).Milliseconds()
	}()
	if err := ctx.Err(); err != nil {
		return Fail(CodeCanceled, "%s: canceled", job.Input)
	}
	switch job.Kind {
	case KindImage:
		if job.Image == nil {
			return Fail(CodeInternal, "%s: image job without settings", job.Input)
		}
		return runImage(ctx, job)
	case KindNumbers:
		if job.Numbers == nil {
			return Fail(CodeInternal, "%s: numbers job without settings", job.Input)
		}
		if job.Values != nil {
			return runValues(ctx, job, threads)
		}
		return runNumbers(ctx, job, threads)
	default:
		return Fail(CodeInternal, "%s: unknown job kind %q", job.Input, job.Kind)
	}
}

func firstFrame(stack []byte) string {
	// The frame after the panic call is where it happened; keep it short.
	lines := 0
	for i, c := range stack {
		if c == '\n' {
			lines++
			if lines == 8 {
				return oneLine(string(stack[:i]))
			}
		}
	}
	return oneLine(string(stack))
}
