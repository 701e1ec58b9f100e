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

// Serve is the worker side of the protocol. It says hello, waits for the
// primary's hello, then runs every job it receives on a pool of goroutines
// and answers each exactly once. It returns nil when its input reaches EOF
// (the primary closed it, or died) after the jobs it holds have finished.
func Serve(ctx context.Context, in io.Reader, out io.Writer, exec ExecFunc) error {
	enc := NewEncoder(out)
	dec := NewDecoder(in)
	if err := enc.Encode(&Message{Type: TypeHello, Version: ProtocolVersion, PID: os.Getpid()}); err != nil {
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
	// run Serve inside a bigger process.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	if exec == nil {
		exec = engine.Execute
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, threads)
	var wg sync.WaitGroup
	for {
		m, err := dec.Decode()
		if err != nil {
			wg.Wait()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if m.Type != TypeJob || m.Job == nil {
			wg.Wait()
			return fmt.Errorf("%w: expected a job, got %q", ErrProtocol, m.Type)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(id uint64, job engine.Job) {
			defer func() { <-sem; wg.Done() }()
			_ = enc.Encode(&Message{Type: TypeStart, ID: id})
			res := runGuarded(ctx, exec, job, threads)
			if err := enc.Encode(&Message{Type: TypeResult, ID: id, Result: &res}); err != nil {
				cancel() // the primary is gone
			}
		}(m.ID, *m.Job)
	}
}

func runGuarded(ctx context.Context, exec ExecFunc, job engine.Job, threads int) (res engine.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = engine.Fail(engine.CodeInternal, "%s: internal error: %v", job.Input, r)
			debug.PrintStack()
		}
	}()
	return exec(ctx, job, threads)
}
