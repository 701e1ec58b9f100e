package cmd

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
	"github.com/imgpar/imgpar/engine/raster"
	"github.com/imgpar/imgpar/procs"
)

// TestClosedOutputPipe: a run whose stdout and stderr lead into a pipe
// nobody reads any more (`imgpar … 2>&1 | head -1` once head has exited)
// is not killed by SIGPIPE half-way: it finishes its work, leaves its
// manifest and no journal, reaps its workers and exits 0.
func TestClosedOutputPipe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	exe, err := exec.LookPath("imgpar")
	if err != nil {
		t.Fatalf("imgpar is not on $PATH (TestMain installs it): %v", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	names := copyPhotos(t, in, 2)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the first line: every write finds EPIPE
	cmd := exec.Command(exe, "process", in, "-o", out, "--procs", "2", "--threads", "1", "--width", "200", "--events", "--progress", "plain")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var mu sync.Mutex
	seen := map[int]bool{}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var waitErr error
wait:
	for {
		select {
		case waitErr = <-done:
			break wait
		case <-tick.C:
			mu.Lock()
			for _, k := range childrenOf(cmd.Process.Pid) {
				seen[k] = true
			}
			mu.Unlock()
		}
	}
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			t.Fatalf("exit: %v (signal-killed exits show as -1; SIGPIPE is 141 in a shell)", ee.ProcessState)
		}
		t.Fatal(waitErr)
	}
	if len(seen) == 0 {
		t.Error("no worker was seen")
	}
	// The primary reaps its workers before it exits: none is left, not
	// even as a zombie.
	for pid := range seen {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("worker %d still exists after its primary exited", pid)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".imgpar-manifest.journal")); err == nil {
		t.Error("the manifest journal was left behind")
	}
	if n := checkManifest(t, out); n != len(names) {
		t.Errorf("manifest has %d entries for %d inputs", n, len(names))
	}
	if tr := scanOutput(t, out); len(tr.files) != len(names) {
		t.Errorf("%d outputs for %d inputs", len(tr.files), len(names))
	}
}

// TestServeAddressInUse: a listen error is one line and exit 2, without
// the usage text (nothing about the command line was wrong).
func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "--addr", ln.Addr().String(), "--procs", "1", "--threads", "1"}, nil, &stdout, &stderr)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "address already in use") || !strings.Contains(lines[0], ln.Addr().String()) {
		t.Errorf("stderr: want one line naming the address and the reason, got:\n%s", stderr.String())
	}
}

// TestProgressFirstRate: a forced bar shows no rate for a first file done
// milliseconds after the start (it showed "135612 files/s").
func TestProgressFirstRate(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress("bar", false, &buf, 100)
	for range 3 {
		p.done(procs.Event{Result: engine.Result{OK: true}})
	}
	p.finish()
	for _, m := range regexp.MustCompile(`(\d+) files/s`).FindAllStringSubmatch(buf.String(), -1) {
		if n, _ := strconv.Atoi(m[1]); n > 100 {
			t.Errorf("rate %s files/s after 3 files in a few milliseconds:\n%q", m[1], buf.String())
		}
	}
	if !strings.Contains(buf.String(), "/100)") {
		t.Errorf("the bar does not count: %q", buf.String())
	}
}

// TestInterruptMessage: the first signal's message starts on a line of its
// own (the bar is cleared first); the hint about a second Ctrl-C only
// after a Ctrl-C and not under --quiet.
func TestInterruptMessage(t *testing.T) {
	tests := []struct {
		sig   os.Signal
		quiet bool
		hint  bool
	}{
		{os.Interrupt, false, true},
		{syscall.SIGTERM, false, false},
		{os.Interrupt, true, false},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		mode := "bar"
		if tc.quiet {
			mode = "none"
		}
		p := newProgress(mode, tc.quiet, &buf, 10)
		p.done(procs.Event{Result: engine.Result{OK: true}})
		p.interrupted(tc.sig)
		out := buf.String()
		line := out[strings.LastIndex(out[:len(out)-1], "\n")+1:]
		line = line[strings.LastIndex(line, "\r")+1:] // what a terminal shows
		if !strings.HasPrefix(line, "imgpar: interrupted: finishing jobs in flight") {
			t.Errorf("%v quiet=%v: the message does not start its line: %q", tc.sig, tc.quiet, out)
		}
		if got := strings.Contains(line, "press Ctrl-C again"); got != tc.hint {
			t.Errorf("%v quiet=%v: hint shown %v, want %v: %q", tc.sig, tc.quiet, got, tc.hint, line)
		}
	}
}

// TestCompletionValuesAccepted: every completion offered for a flag value
// is a value the flag accepts.
func TestCompletionValuesAccepted(t *testing.T) {
	parsers := map[string]func(string) error{
		"fit":    func(s string) error { _, err := imgfmt.ParseFit(s); return err },
		"filter": func(s string) error { _, err := raster.ParseFilter(s); return err },
		"op":     func(s string) error { _, err := numbers.ParseOp(s); return err },
		"format": func(s string) error {
			if s == "same" {
				return nil
			}
			_, err := imgfmt.ParseFormat(s)
			return err
		},
		"progress":    func(s string) error { return oneOf(s, "auto", "bar", "plain", "none") },
		"on-conflict": func(s string) error { return oneOf(s, "error", "suffix") },
	}
	c := newProcessCmd()
	for flag, parse := range parsers {
		fn, ok := c.GetFlagCompletionFunc(flag)
		if !ok {
			t.Errorf("--%s has no completion", flag)
			continue
		}
		vals, dir := fn(c, nil, "")
		if len(vals) < 2 || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("--%s completes to %v (directive %d)", flag, vals, dir)
		}
		for _, v := range vals {
			if err := parse(string(v)); err != nil {
				t.Errorf("--%s completes to %q, which it refuses: %v", flag, v, err)
			}
		}
	}
}

func oneOf(s string, vals ...string) error {
	for _, v := range vals {
		if s == v {
			return nil
		}
	}
	return errors.New("not one of " + strings.Join(vals, ", "))
}
