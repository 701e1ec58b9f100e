package engine

import (
	"context"
	"runtime/debug"
	"time"
)

// Execute runs one job to completion on the calling goroutine and always
// returns a Result: a panic in a decoder becomes an internal error for that
// job rather than the end of the process. threads is how many goroutines the
// job itself may use (number jobs split their arrays).
func Execute(ctx context.Context, job Job, threads int) (res Result) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			res = FailFile(CodeInternal, job.Input, "internal error: %v (please report: %s)", r, firstFrame(debug.Stack()))
		}
		res.Millis = time.Since(start).Milliseconds()
	}()
	if err := ctx.Err(); err != nil {
		return FailFile(CodeCanceled, job.Input, "canceled")
	}
	switch job.Kind {
	case KindImage:
		if job.Image == nil {
			return FailFile(CodeInternal, job.Input, "image job without settings")
		}
		return runImage(ctx, job)
	case KindNumbers:
		if job.Numbers == nil {
			return FailFile(CodeInternal, job.Input, "numbers job without settings")
		}
		if job.Values != nil {
			return runValues(ctx, job, threads)
		}
		return runNumbers(ctx, job, threads)
	default:
		return FailFile(CodeInternal, job.Input, "unknown job kind %q", job.Kind)
	}
}

func firstFrame(stack []byte) string {
	// The frame after the panic call is where it happened; keep it short.
	lines := 0
	for i, c := range stack {
		if c == '\n' {
			lines++
			if lines == 8 {
				return OneLine(string(stack[:i]))
			}
		}
	}
	return OneLine(string(stack))
}
