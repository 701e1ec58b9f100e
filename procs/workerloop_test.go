package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// servePeer drives an in-process Serve through pipes, as a primary would.
type servePeer struct {
	t    *testing.T
	in   *io.PipeWriter // Serve's stdin
	enc  *Encoder
	dec  *Decoder
	done chan error // Serve's return value
}

func startServe(t *testing.T, exec ExecFunc) *servePeer {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &servePeer{t: t, in: inW, enc: NewEncoder(inW), dec: NewDecoder(outR), done: make(chan error, 1)}
	go func() {
		err := WorkerLoop(context.Background(), inR, outW, exec)
		outW.Close()
		p.done <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		// Unblock Serve if the test stopped reading its output.
		go io.Copy(io.Discard, outR)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after its input was closed")
		}
	})
	return p
}

func (p *servePeer) read() *Message {
	p.t.Helper()
	m, err := p.dec.Decode()
	if err != nil {
		p.t.Fatalf("read from worker: %v", err)
	}
	return m
}

func (p *servePeer) send(m *Message) {
	p.t.Helper()
	if err := p.enc.Encode(m); err != nil {
		p.t.Fatalf("send to worker: %v", err)
	}
}

// handshake reads the worker's hello and answers it.
func (p *servePeer) handshake(threads int) {
	p.t.Helper()
	h := p.read()
	if h.Type != TypeHello || h.Version != ProtocolVersion || h.PID != os.Getpid() {
		p.t.Fatalf("worker hello = %+v, want hello version %d pid %d", h, ProtocolVersion, os.Getpid())
	}
	p.send(&Message{Type: TypeHello, Version: ProtocolVersion, Threads: threads})
}

func (p *servePeer) wait() error {
	p.t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		p.t.Fatal("Serve did not return")
		return nil
	}
}

func okExec(ctx context.Context, job engine.Job, threads int) engine.Result {
	return engine.Result{OK: true, BytesIn: int64(len(job.Input))}
}

func TestWorkerLoopHandshake(t *testing.T) {
	tests := []struct {
		name    string
		hello   *Message // nil: close stdin instead
		wantErr bool
	}{
		{"primary hello", &Message{Type: TypeHello, Version: ProtocolVersion, Threads: 2}, false},
		{"zero threads means one", &Message{Type: TypeHello, Version: ProtocolVersion}, false},
		{"primary gone before hello", nil, false},
		{"version mismatch", &Message{Type: TypeHello, Version: ProtocolVersion + 1, Threads: 1}, true},
		{"no version", &Message{Type: TypeHello, Threads: 1}, true},
		{"job before hello", &Message{Type: TypeJob, Version: ProtocolVersion, ID: 1, Job: &engine.Job{Input: "a"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startServe(t, okExec)
			h := p.read()
			if h.Type != TypeHello || h.Version != ProtocolVersion || h.PID == 0 {
				t.Fatalf("worker hello = %+v", h)
			}
			if tc.hello == nil {
				p.in.Close()
				if err := p.wait(); err != nil {
					t.Fatalf("Serve = %v, want nil", err)
				}
				return
			}
			p.send(tc.hello)
			if tc.wantErr {
				err := p.wait()
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("Serve = %v, want an ErrProtocol error", err)
				}
				return
			}
			p.send(&Message{Type: TypeJob, ID: 7, Job: &engine.Job{Input: "abc"}})
			if m := p.read(); m.Type != TypeStart || m.ID != 7 {
				t.Fatalf("got %+v, want start 7", m)
			}
			if m := p.read(); m.Type != TypeResult || m.ID != 7 || m.Result == nil || !m.Result.OK || m.Result.BytesIn != 3 {
				t.Fatalf("got %+v, want an OK result for 7", m)
			}
			p.in.Close()
			if err := p.wait(); err != nil {
				t.Fatalf("Serve = %v, want nil", err)
			}
		})
	}
}

func TestWorkerLoopAnswersEveryJobOnce(t *testing.T) {
	for _, threads := range []int{1, 4} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			var running, peak atomic.Int32
			exec := func(ctx context.Context, job engine.Job, th int) engine.Result {
				if th != threads {
					return engine.Fail(engine.CodeInternal, "threads = %d, want %d", th, threads)
				}
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
				return okExec(ctx, job, th)
			}
			p := startServe(t, exec)
			p.handshake(threads)
			const jobs = 200
			go func() {
				for i := 1; i <= jobs; i++ {
					if err := p.enc.Encode(&Message{Type: TypeJob, ID: uint64(i), Job: &engine.Job{Input: strings.Repeat("j", i)}}); err != nil {
						return
					}
				}
				p.in.Close()
			}()
			started := map[uint64]bool{}
			answered := map[uint64]bool{}
			for len(answered) < jobs {
				m := p.read()
				switch m.Type {
				case TypeStart:
					if started[m.ID] {
						t.Fatalf("job %d started twice", m.ID)
					}
					started[m.ID] = true
				case TypeResult:
					if !started[m.ID] {
						t.Fatalf("job %d answered before its start", m.ID)
					}
					if answered[m.ID] {
						t.Fatalf("job %d answered twice", m.ID)
					}
					answered[m.ID] = true
					if m.Result == nil || !m.Result.OK || m.Result.BytesIn != int64(m.ID) {
						t.Fatalf("job %d: wrong result %+v", m.ID, m.Result)
					}
				default:
					t.Fatalf("unexpected message %+v", m)
				}
			}
			if m, err := p.dec.Decode(); err != io.EOF {
				t.Fatalf("after the last result: %+v, %v; want EOF", m, err)
			}
			if err := p.wait(); err != nil {
				t.Fatalf("Serve = %v", err)
			}
			if got := peak.Load(); got > int32(threads) {
				t.Errorf("%d jobs ran at once, want at most %d", got, threads)
			}
		})
	}
}

// TestServeRunsThreadsAtOnce shows that threads jobs really run together:
// each job waits until all of them have started.
func TestWorkerLoopRunsThreadsAtOnce(t *testing.T) {
	const threads = 4
	var wg sync.WaitGroup
	wg.Add(threads)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	exec := func(ctx context.Context, job engine.Job, th int) engine.Result {
		wg.Done()
		select {
		case <-all:
			return engine.Result{OK: true}
		case <-time.After(10 * time.Second):
			return engine.Fail(engine.CodeInternal, "only some of %d jobs ran at once", threads)
		}
	}
	p := startServe(t, exec)
	p.handshake(threads)
	for i := 1; i <= threads; i++ {
		p.send(&Message{Type: TypeJob, ID: uint64(i), Job: &engine.Job{Input: "x"}})
	}
	for results := 0; results < threads; {
		if m := p.read(); m.Type == TypeResult {
			results++
			if !m.Result.OK {
				t.Fatal(m.Result.Error.Message)
			}
		}
	}
}

func TestWorkerLoopDrainsOnEOF(t *testing.T) {
	release := make(chan struct{})
	exec := func(ctx context.Context, job engine.Job, th int) engine.Result {
		<-release
		return engine.Result{OK: true}
	}
	p := startServe(t, exec)
	p.handshake(2)
	p.send(&Message{Type: TypeJob, ID: 1, Job: &engine.Job{Input: "a"}})
	p.send(&Message{Type: TypeJob, ID: 2, Job: &engine.Job{Input: "b"}})
	for range 2 {
		if m := p.read(); m.Type != TypeStart {
			t.Fatalf("got %+v, want a start", m)
		}
	}
	p.in.Close()
	select {
	case err := <-p.done:
		p.done <- err
		t.Fatalf("Serve returned (%v) with two jobs still running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	got := map[uint64]bool{}
	for range 2 {
		m := p.read()
		if m.Type != TypeResult || !m.Result.OK {
			t.Fatalf("got %+v, want a result", m)
		}
		got[m.ID] = true
	}
	if !got[1] || !got[2] {
		t.Fatalf("results for %v, want 1 and 2", got)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
}

func TestWorkerLoopPanicBecomesInternalError(t *testing.T) {
	exec := func(ctx context.Context, job engine.Job, th int) engine.Result {
		if job.Input == "bad.jpg" {
			var m map[string]int
			m["x"] = 1 // a real runtime panic
		}
		return engine.Result{OK: true}
	}
	p := startServe(t, exec)
	p.handshake(1)
	p.send(&Message{Type: TypeJob, ID: 1, Job: &engine.Job{Input: "bad.jpg"}})
	p.send(&Message{Type: TypeJob, ID: 2, Job: &engine.Job{Input: "good.jpg"}})
	results := map[uint64]*engine.Result{}
	for len(results) < 2 {
		if m := p.read(); m.Type == TypeResult {
			results[m.ID] = m.Result
		}
	}
	bad := results[1]
	if bad.OK || bad.Error == nil || bad.Error.Code != engine.CodeInternal {
		t.Fatalf("panicking job: %+v, want an internal error", bad)
	}
	if msg := bad.Error.Message; !strings.Contains(msg, "bad.jpg") || strings.Contains(msg, "\n") {
		t.Errorf("message %q should name the input on one line", msg)
	}
	if !results[2].OK {
		t.Fatalf("the job after the panic failed: %+v", results[2])
	}
	p.in.Close()
	if err := p.wait(); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
}

func TestWorkerLoopGarbageFromPrimary(t *testing.T) {
	p := startServe(t, okExec)
	p.handshake(1)
	if _, err := io.WriteString(p.in, "not json\n"); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Serve = %v, want ErrProtocol", err)
	}
}

func TestWorkerLoopRestoresGOMAXPROCS(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	p := startServe(t, okExec)
	p.handshake(before + 3)
	p.in.Close()
	if err := p.wait(); err != nil {
		t.Fatal(err)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS is %d after Serve, was %d", after, before)
	}
}
