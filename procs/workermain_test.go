//go:build unix

package procs

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// directWorker is a worker process started by the test itself, the way Run
// starts one (cookie in the environment, stdin and stdout pipes), with its
// stderr kept whole.
type directWorker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *Encoder
	dec    *Decoder
	stderr *os.File // a temp file: no copying goroutine, readable any time
}

func startDirect(t *testing.T, mode string, cookie bool) *directWorker {
	t.Helper()
	cmd, err := workerCommand(mode)(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cookie {
		cmd.Env = append(cmd.Env, CookieEnv+"="+CookieValue)
	}
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stderr.Close() })
	w := &directWorker{cmd: cmd, stderr: stderr}
	cmd.Stderr = stderr
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	w.enc, w.dec = NewEncoder(w.stdin), NewDecoder(stdout)
	return w
}

func (w *directWorker) read(t *testing.T) *Message {
	t.Helper()
	m, err := w.dec.Decode()
	if err != nil {
		t.Fatalf("read from worker: %v", err)
	}
	return m
}

func (w *directWorker) handshake(t *testing.T, threads int) {
	t.Helper()
	if h := w.read(t); h.Type != TypeHello || h.Version != ProtocolVersion || h.PID != w.cmd.Process.Pid {
		t.Fatalf("hello = %+v, want version %d from pid %d", h, ProtocolVersion, w.cmd.Process.Pid)
	}
	if err := w.enc.Encode(&Message{Type: TypeHello, Version: ProtocolVersion, Threads: threads}); err != nil {
		t.Fatal(err)
	}
}

// exitCode closes the worker's stdin (unless already closed) and waits for
// its exit, at most a generous 10 s.
func (w *directWorker) exitCode(t *testing.T) int {
	t.Helper()
	_ = w.stdin.Close()
	// Drain stdout so that the worker cannot block on it.
	go io.Copy(io.Discard, readerOf(w.dec))
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("worker %d did not exit after its stdin was closed", w.cmd.Process.Pid)
	}
	return w.cmd.ProcessState.ExitCode()
}

func readerOf(d *Decoder) io.Reader { return d.r }

// stderrText is what the worker wrote to its stderr so far.
func (w *directWorker) stderrText() string {
	b, _ := os.ReadFile(w.stderr.Name())
	return string(b)
}

// TestWorkerStrayStdout: a job that prints to stdout, through fmt and
// straight to fd 1, cannot corrupt the protocol; the text lands on stderr.
func TestWorkerStrayStdout(t *testing.T) {
	w := startDirect(t, "serve", true)
	w.handshake(t, 2)
	const jobs = 20
	for i := 1; i <= jobs; i++ {
		if err := w.enc.Encode(&Message{Type: TypeJob, ID: uint64(i), Job: &engine.Job{Input: "stray/" + strconv.Itoa(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for results := 0; results < jobs; {
		m, err := w.dec.Decode()
		if err != nil {
			t.Fatalf("after %d results: %v (stderr: %s)", results, err, w.stderrText())
		}
		if m.Type != TypeResult {
			continue
		}
		results++
		if m.Result == nil || !m.Result.OK || m.Result.BytesIn != int64(m.ID) {
			t.Fatalf("job %d: result %+v", m.ID, m.Result)
		}
	}
	if code := w.exitCode(t); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, w.stderrText())
	}
	for _, s := range []string{"stray: fmt.Println", "stray: fd 1 via os.NewFile", "stray: fd 1 via syscall.Write"} {
		if n := strings.Count(w.stderrText(), s); n != jobs {
			t.Errorf("stderr has %q %d times, want %d", s, n, jobs)
		}
	}
}

func TestWorkerExitsWhenStdinCloses(t *testing.T) {
	t.Run("before the handshake", func(t *testing.T) {
		w := startDirect(t, "serve", true)
		if code := w.exitCode(t); code != 0 {
			t.Fatalf("exit code %d, want 0; stderr: %s", code, w.stderrText())
		}
	})
	t.Run("after a job", func(t *testing.T) {
		w := startDirect(t, "serve", true)
		w.handshake(t, 1)
		if err := w.enc.Encode(&Message{Type: TypeJob, ID: 1, Job: &engine.Job{Input: "slow/200ms"}}); err != nil {
			t.Fatal(err)
		}
		_ = w.stdin.Close() // at once, with the job running or about to
		var got []string
		for {
			m, err := w.dec.Decode()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Type)
		}
		if strings.Join(got, ",") != "start,result" {
			t.Fatalf("worker sent %v before exiting, want start,result", got)
		}
		if code := w.exitCode(t); code != 0 {
			t.Fatalf("exit code %d, want 0; stderr: %s", code, w.stderrText())
		}
	})
}

func TestWorkerRefusesWithoutCookie(t *testing.T) {
	w := startDirect(t, "serve", false)
	if code := w.exitCode(t); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(w.stderrText(), "internal") {
		t.Errorf("stderr %q should explain that the subcommand is internal", w.stderrText())
	}
}

// TestWorkerExitsWhenPrimaryDies kills a primary with SIGKILL (a fake one
// that does not set PR_SET_PDEATHSIG): the worker's stdin reaches EOF and it
// exits by itself.
func TestWorkerExitsWhenPrimaryDies(t *testing.T) {
	cmd, err := workerCommand("fake-primary")(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b, _ := os.ReadFile(stderr.Name())
		t.Fatalf("fake primary: %v; stderr: %s", err, b)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("fake primary printed %q", line)
	}
	if processGone(pid) {
		t.Fatalf("worker %d is not running before its primary dies", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("worker %d still runs 10 s after its primary died", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
