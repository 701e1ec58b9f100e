package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// CommandFunc builds the command that runs one worker process. The default
// re-executes the running binary with the hidden worker subcommand.
type CommandFunc func(ctx context.Context) (*exec.Cmd, error)

// SelfCommand re-executes os.Executable() as a worker.
func SelfCommand(ctx context.Context) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	return exec.Command(exe, WorkerCommand), nil
}

// workerProc is the primary's handle on one running worker process.
type workerProc struct {
	slot    int
	cmd     *exec.Cmd
	pid     int
	stdin   io.WriteCloser
	enc     *Encoder
	dec     *Decoder // its stdout, after the hello
	stderr  *tailBuffer
	started time.Time
	// canCancel: the worker's hello announced FeatureCancel.
	canCancel bool

	// owned by the dispatcher loop
	inflight map[uint64]*task
	jobsDone int
	dead     bool // exit seen
	killed   bool // being killed: no new jobs, no more timeouts
	timedOut bool // killed because a job ran past the job timeout
	// abandoned: killed because a job canceled by its submitter ran on
	// past Options.CancelGrace; nobody is to blame.
	abandoned  bool
	closing    bool        // stdin closed for shutdown
	solo       *task       // a suspect job running alone on this worker
	closeTimer *time.Timer // kills a closed worker that does not exit
}

// startWorker starts one worker and completes the handshake. The caller
// then starts w.readLoop, once it has announced the worker: every message
// and the exit event of a worker come after its start event.
func startWorker(ctx context.Context, slot int, threads int, command CommandFunc, env []string) (*workerProc, error) {
	cmd, err := command(ctx)
	if err != nil {
		return nil, err
	}
	// Keep an environment the command set for itself; add the cookie and
	// the run's variables to it.
	base := cmd.Env
	if base == nil {
		base = os.Environ()
	}
	cmd.Env = append(append(base[:len(base):len(base)], CookieEnv+"="+CookieValue), env...)
	setPdeathsig(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	tail := newTailBuffer(20)
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	dec := NewDecoder(stdout)
	w := &workerProc{slot: slot, cmd: cmd, pid: cmd.Process.Pid, stdin: stdin, enc: NewEncoder(stdin), dec: dec,
		stderr: tail, started: time.Now(), inflight: map[uint64]*task{}}

	type helloResult struct {
		m   *Message
		err error
	}
	hc := make(chan helloResult, 1)
	go func() { m, err := dec.Decode(); hc <- helloResult{m, err} }()
	fail := func(err error) (*workerProc, error) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t := tail.String(); t != "" {
			err = fmt.Errorf("%w; its stderr: %s", err, t)
		}
		return nil, err
	}
	select {
	case h := <-hc:
		if h.err != nil {
			if errors.Is(h.err, io.EOF) {
				return fail(fmt.Errorf("worker %d exited before its hello", w.pid))
			}
			return fail(fmt.Errorf("worker %d: %w", w.pid, h.err))
		}
		if h.m.Type != TypeHello || h.m.Version != ProtocolVersion {
			return fail(fmt.Errorf("worker %d speaks %q version %d, want hello version %d", w.pid, h.m.Type, h.m.Version, ProtocolVersion))
		}
		w.canCancel = slices.Contains(h.m.Features, FeatureCancel)
	case <-time.After(15 * time.Second):
		return fail(fmt.Errorf("worker %d sent no hello within 15s", w.pid))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if err := w.enc.Encode(&Message{Type: TypeHello, Version: ProtocolVersion, Threads: threads}); err != nil {
		return fail(fmt.Errorf("worker %d: send hello: %w", w.pid, err))
	}
	return w, nil
}

// readLoop delivers the worker's messages on events, then reaps the process
// and sends its exit event.
func (w *workerProc) readLoop(events chan<- event) {
	var readErr error
	for {
		m, err := w.dec.Decode()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
				// A faulty worker: stop it so that Wait returns.
				_ = w.cmd.Process.Kill()
			}
			break
		}
		events <- event{w: w, msg: m}
	}
	waitErr := w.cmd.Wait()
	events <- event{w: w, exited: true, err: firstErr(readErr, waitErr)}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// tailBuffer keeps the last n lines written to it (a worker's stderr).
type tailBuffer struct {
	mu    sync.Mutex
	n     int
	lines []string
	part  strings.Builder
}

func newTailBuffer(n int) *tailBuffer { return &tailBuffer{n: n} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range p {
		if c == '\n' {
			t.push(t.part.String())
			t.part.Reset()
			continue
		}
		if t.part.Len() < 4096 {
			t.part.WriteByte(c)
		}
	}
	return len(p), nil
}

// Note adds a line of the primary's own (why it killed the worker).
func (t *tailBuffer) Note(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.push(s)
}

// push adds a line; t.mu is held.
func (t *tailBuffer) push(s string) {
	t.lines = append(t.lines, s)
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

// String returns the kept lines joined with " | ", for one-line reports.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string(nil), t.lines...)
	if t.part.Len() > 0 {
		lines = append(lines, t.part.String())
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " | ")
}

// Lines returns the kept lines.
func (t *tailBuffer) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}
