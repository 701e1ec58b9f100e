//go:build unix

package procs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// workerEnv makes the test binary act as a worker process: its value is the
// worker's mode. The tests start workers by re-executing the test binary
// with it set (the standard re-exec pattern), so every worker here is a real
// process that really crashes, hangs and exits.
const workerEnv = "IMGPAR_PROCS_TEST_WORKER"

// startLogEnv names a file where an exit-at-start worker appends its pid.
const startLogEnv = "IMGPAR_PROCS_TEST_START_LOG"

func TestMain(m *testing.M) {
	if mode := os.Getenv(workerEnv); mode != "" {
		os.Exit(testWorker(mode))
	}
	os.Exit(m.Run())
}

// testWorker runs the test binary as a worker in the given mode.
func testWorker(mode string) int {
	switch mode {
	case "serve":
		return WorkerMain(context.Background(), fakeExec)
	case "exit-at-start":
		// The binary is broken: it dies before its hello.
		if log := os.Getenv(startLogEnv); log != "" {
			f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				fmt.Fprintln(f, os.Getpid())
				f.Close()
			}
		}
		fmt.Fprintln(os.Stderr, "test worker: cannot start")
		return 3
	case "exit-after-hello":
		// Dies right after a valid hello, before running anything.
		fmt.Printf("{\"type\":%q,\"version\":%d,\"pid\":%d}\n", TypeHello, ProtocolVersion, os.Getpid())
		fmt.Fprintln(os.Stderr, "test worker: dying after hello")
		return 3
	case "garbage-hello":
		fmt.Println("this is not json")
		return 0
	case "dup-results":
		return dupResults()
	case "fake-primary":
		return fakePrimary()
	case "touch-64mib":
		// Holds 64 MiB of touched memory at its peak, then exits.
		b := make([]byte, 64<<20)
		for i := range b {
			b[i] = byte(i)
		}
		fmt.Fprintln(os.Stderr, b[len(b)-1])
		return 0
	}
	fmt.Fprintf(os.Stderr, "test worker: unknown mode %q\n", mode)
	return 2
}

// dupResults is a faulty worker: it answers every job twice.
func dupResults() int {
	enc, dec := NewEncoder(os.Stdout), NewDecoder(os.Stdin)
	_ = enc.Encode(&Message{Type: TypeHello, Version: ProtocolVersion, PID: os.Getpid()})
	if _, err := dec.Decode(); err != nil {
		return 0
	}
	for {
		m, err := dec.Decode()
		if err != nil {
			return 0
		}
		res := fakeExec(context.Background(), *m.Job, 1)
		_ = enc.Encode(&Message{Type: TypeStart, ID: m.ID})
		_ = enc.Encode(&Message{Type: TypeResult, ID: m.ID, Result: &res})
		_ = enc.Encode(&Message{Type: TypeResult, ID: m.ID, Result: &res})
	}
}

// fakePrimary stands for an imgpar primary that dies: it starts one worker
// (without PR_SET_PDEATHSIG, so that only the stdin EOF can stop it), prints
// the worker's pid on stdout and waits to be killed.
func fakePrimary() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"=serve", CookieEnv+"="+CookieValue)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	dec := NewDecoder(stdout)
	if _, err := dec.Decode(); err != nil {
		fmt.Fprintln(os.Stderr, "fake primary: worker hello:", err)
		return 2
	}
	if err := NewEncoder(stdin).Encode(&Message{Type: TypeHello, Version: ProtocolVersion, Threads: 1}); err != nil {
		fmt.Fprintln(os.Stderr, "fake primary: send hello:", err)
		return 2
	}
	fmt.Println(cmd.Process.Pid)
	select {} // until killed; stdin stays open as long as we live
}

// fakeExec runs a job according to its Input, "kind/arg":
//
//	ok/N              succeeds at once; BytesIn = N
//	slow/DUR[,FILE]   creates FILE (if given) when it starts, sleeps DUR, succeeds
//	wait/DUR          runs until its job is canceled (then says canceled), or
//	                  succeeds after DUR
//	gate/FILE         runs until FILE exists, then succeeds (or until its job
//	                  is canceled): a job that ends when the test says so
//	crash/X           SIGKILLs its own worker process (after X, if a duration)
//	crash-once/FILE   crashes its worker unless FILE exists (it creates it first)
//	hang/X            says so on stderr, then blocks forever
//	flaky/FILE,N,DUR  crashes its worker the first N times (counted in
//	                  FILE.1, FILE.2, ...), then creates FILE and sleeps DUR
//	panic/X           panics
//	stray/N           writes to stdout three ways, then succeeds; BytesIn = N
//	env/NAME          succeeds; BytesIn = the length of $NAME
//	excl/DIR          runs 40ms holding DIR/running; notes a concurrent run in DIR
//
// Every OK result carries the worker's pid in Count.
func fakeExec(ctx context.Context, job engine.Job, threads int) engine.Result {
	kind, arg, _ := strings.Cut(job.Input, "/")
	ok := func(n int64) engine.Result {
		return engine.Result{OK: true, BytesIn: n, Count: int64(os.Getpid())}
	}
	switch kind {
	case "ok":
		n, _ := strconv.ParseInt(arg, 10, 64)
		return ok(n)
	case "slow":
		durs, file, _ := strings.Cut(arg, ",")
		d, err := time.ParseDuration(durs)
		if err != nil {
			return engine.Fail(engine.CodeBadInput, "%s: %v", job.Input, err)
		}
		if file != "" {
			if err := os.WriteFile(file, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
				return engine.Fail(engine.CodeIO, "%v", err)
			}
		}
		time.Sleep(d)
		return ok(0)
	case "wait":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return engine.Fail(engine.CodeBadInput, "%s: %v", job.Input, err)
		}
		select {
		case <-ctx.Done():
			return engine.Fail(engine.CodeCanceled, "%s: canceled", job.Input)
		case <-time.After(d):
			return ok(0)
		}
	case "gate":
		for {
			if _, err := os.Stat(arg); err == nil {
				return ok(0)
			}
			select {
			case <-ctx.Done():
				return engine.Fail(engine.CodeCanceled, "%s: canceled", job.Input)
			case <-time.After(5 * time.Millisecond):
			}
		}
	case "crash":
		if d, err := time.ParseDuration(arg); err == nil {
			time.Sleep(d)
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case "crash-once":
		f, err := os.OpenFile(arg, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_ = f.Close()
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		if !errors.Is(err, os.ErrExist) {
			return engine.Fail(engine.CodeIO, "%v", err)
		}
		return ok(0)
	case "hang":
		fmt.Fprintf(os.Stderr, "test worker: %s hangs\n", job.Input)
		select {}
	case "flaky":
		parts := strings.Split(arg, ",")
		if len(parts) != 3 {
			return engine.Fail(engine.CodeBadInput, "%s: want flaky/FILE,N,DUR", job.Input)
		}
		n, _ := strconv.Atoi(parts[1])
		d, _ := time.ParseDuration(parts[2])
		for k := 1; k <= n; k++ {
			f, err := os.OpenFile(fmt.Sprintf("%s.%d", parts[0], k), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err == nil {
				_ = f.Close()
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		if err := os.WriteFile(parts[0], nil, 0o644); err != nil {
			return engine.Fail(engine.CodeIO, "%v", err)
		}
		time.Sleep(d)
		return ok(0)
	case "panic":
		panic("boom: " + arg)
	case "stray":
		fmt.Println("stray: fmt.Println")
		_, _ = os.NewFile(1, "fd1").Write([]byte("stray: fd 1 via os.NewFile\n"))
		_, _ = syscall.Write(1, []byte("stray: fd 1 via syscall.Write\n"))
		n, _ := strconv.ParseInt(arg, 10, 64)
		return ok(n)
	case "env":
		return ok(int64(len(os.Getenv(arg))))
	case "excl":
		lock := arg + "/running"
		if err := os.Mkdir(lock, 0o755); err != nil {
			// Another job holds it: two ran at the same time.
			_ = os.WriteFile(fmt.Sprintf("%s/overlap-%d-%d", arg, os.Getpid(), time.Now().UnixNano()), nil, 0o644)
			time.Sleep(40 * time.Millisecond)
			return ok(0)
		}
		time.Sleep(40 * time.Millisecond)
		_ = os.Remove(lock)
		return ok(0)
	}
	return engine.Fail(engine.CodeInternal, "%s: unknown fake job", job.Input)
}

// workerCommand starts the test binary as a worker in mode, with extra
// environment variables. The cookie is not set here: Run adds it.
func workerCommand(mode string, env ...string) CommandFunc {
	return func(ctx context.Context) (*exec.Cmd, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(exe, "-test.run=^$")
		// Under -race a process sleeps 1 s at exit by default: not for
		// workers, which exit all the time here.
		cmd.Env = append(os.Environ(), workerEnv+"="+mode, "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
		cmd.Env = append(cmd.Env, env...)
		return cmd, nil
	}
}

// processGone reports whether pid no longer runs (gone, or a zombie that
// nobody reaped yet, e.g. a grandchild reparented to a PID 1 that does not
// reap).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z'
	}
	return false
}

// waitGone fails the test if any of pids still runs after a short grace for
// reaping.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Errorf("worker process %d is still running", pid)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
