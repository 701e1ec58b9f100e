//go:build linux

package cmd

// The fault-injection suite (issue 6): real imgpar processes, real signals,
// real SIGKILLs, real hostile files. The testscript scripts
// testdata/script/fault-*.txtar cover what a script can say; these tests
// cover what needs a loop, a clock or a look at /proc. docs/reliability.md
// lists the guarantees and which test proves each; .ci/faults runs them all.
//
// The imgpar under test is the copy of this test binary that
// testscript.Main installs on $PATH under the name "imgpar" (see TestMain):
// run as "imgpar" it is the real command, and its workers re-execute it.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// runLimit bounds one imgpar run in these tests: far above what any of them
// needs, so that only a hang reaches it.
const runLimit = 4 * time.Minute

// faultProc is one imgpar primary started by a fault test, watched from the
// outside: its workers (children) and the resident memory of the whole tree.
type faultProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	start  time.Time
	done   chan struct{}
	err    error

	mu      sync.Mutex
	seen    map[int]bool // every worker pid seen
	peakRSS int64        // peak of the summed VmRSS of primary + workers, bytes
}

type startOpts struct {
	dir     string    // working directory
	stdin   io.Reader // nil: no input
	exe     string    // the binary; default the imgpar on $PATH
	setpgid bool      // own process group (to signal it as a terminal does)
}

func startImgpar(t *testing.T, o startOpts, args ...string) *faultProc {
	t.Helper()
	exe := o.exe
	if exe == "" {
		var err error
		if exe, err = exec.LookPath("imgpar"); err != nil {
			t.Fatalf("imgpar is not on $PATH (TestMain installs it): %v", err)
		}
	}
	p := &faultProc{t: t, done: make(chan struct{}), seen: map[int]bool{}}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Dir = o.dir
	p.cmd.Stdin = o.stdin
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.Env = append(os.Environ(), "CI=", "NO_COLOR=1")
	if o.setpgid {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	go p.watch()
	t.Cleanup(func() {
		// A test that failed half-way leaves nothing running.
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		for _, pid := range p.workersSeen() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return p
}

// watch samples the process tree every 10ms until the primary exits.
func (p *faultProc) watch() {
	pid := p.cmd.Process.Pid
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		kids := childrenOf(pid)
		rss := vmRSS(pid)
		for _, k := range kids {
			rss += vmRSS(k)
		}
		p.mu.Lock()
		for _, k := range kids {
			p.seen[k] = true
		}
		p.peakRSS = max(p.peakRSS, rss)
		p.mu.Unlock()
		select {
		case <-p.done:
			return
		case <-tick.C:
		}
	}
}

func (p *faultProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// workers lists the live worker processes of the primary now.
func (p *faultProc) workers() []int {
	kids := childrenOf(p.cmd.Process.Pid)
	p.mu.Lock()
	for _, k := range kids {
		p.seen[k] = true
	}
	p.mu.Unlock()
	return kids
}

func (p *faultProc) workersSeen() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for pid := range p.seen {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

func (p *faultProc) peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakRSS
}

func (p *faultProc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the primary to exit and returns its exit code (-1 for a
// death by signal). A run that outlives limit is a hang: the test fails.
func (p *faultProc) wait(limit time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("imgpar still running after %v: a hang\nstderr:\n%s", limit, p.stderr.String())
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		p.t.Fatal(p.err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitCode waits and checks the exit code.
func (p *faultProc) waitCode(want int) {
	p.t.Helper()
	if got := p.wait(runLimit); got != want {
		p.t.Fatalf("exit code %d, want %d\nstderr:\n%s", got, want, clipText(p.stderr.String(), 3000))
	}
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n/2] + "\n...\n" + s[len(s)-n/2:]
	}
	return s
}

// childrenOf lists the live children of pid, from /proc/PID/task/*/children
// (each thread's children; Go forks from any thread).
func childrenOf(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range strings.Fields(string(b)) {
			if k, err := strconv.Atoi(s); err == nil && processAlive(k) {
				kids = append(kids, k)
			}
		}
	}
	return kids
}

// vmRSS is a process's resident memory in bytes (0 once it is gone).
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// waitGone waits up to limit for every pid to be gone (zombies count as
// gone) and returns those still running.
func waitGone(pids []int, limit time.Duration) []int {
	deadline := time.Now().Add(limit)
	for {
		var alive []int
		for _, pid := range pids {
			if processAlive(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkNoWorkers fails if a worker the test saw is still running.
func (p *faultProc) checkNoWorkers() {
	p.t.Helper()
	seen := p.workersSeen()
	if len(seen) == 0 {
		p.t.Errorf("no worker process was ever seen")
	}
	if alive := waitGone(seen, 5*time.Second); len(alive) > 0 {
		p.t.Errorf("workers still running after their primary exited: %v", alive)
	}
}

// photoFiles are the photos of testdata/photos.
func photoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.jpg", "*.png"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", "photos", pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no photos in ../testdata/photos")
	}
	slices.Sort(files)
	return files
}

// copyPhotos copies every photo n times into dir and returns the names.
func copyPhotos(t *testing.T, dir string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, src := range photoFiles(t) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		ext := filepath.Ext(src)
		base := strings.TrimSuffix(filepath.Base(src), ext)
		for k := range n {
			name := fmt.Sprintf("%s_%03d%s", base, k, ext)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
	}
	return names
}

// report is the part of the run report the tests read.
type report struct {
	Total           int              `json:"total"`
	OK              int              `json:"ok"`
	Failed          int              `json:"failed"`
	Skipped         int              `json:"skipped"`
	SkippedUpToDate int              `json:"skipped_up_to_date"`
	Restarts        int              `json:"restarts"`
	Interrupted     bool             `json:"interrupted"`
	Failures        []engine.Failure `json:"failures"`
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return r
}

// fileEvent is one --events line.
type faultEvent struct {
	Event  string `json:"event"`
	Path   string `json:"path"`
	Status string `json:"status"`
	Output string `json:"output"`
	Error  string `json:"error"`
}

// events parses --events output: every line must be a JSON object.
func parseEvents(t *testing.T, stdout []byte) []faultEvent {
	t.Helper()
	var evs []faultEvent
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e faultEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("stdout line %q is not an event: %v", sc.Text(), err)
		}
		if e.Event == "file" {
			evs = append(evs, e)
		}
	}
	return evs
}

// eventsByPath indexes events by path and fails on a file answered twice.
func eventsByPath(t *testing.T, evs []faultEvent) map[string]faultEvent {
	t.Helper()
	m := map[string]faultEvent{}
	for _, e := range evs {
		if prev, dup := m[e.Path]; dup {
			t.Errorf("%q answered twice: %s then %s", e.Path, prev.Status, e.Status)
		}
		m[e.Path] = e
	}
	return m
}

// checkNoPanic fails on a Go panic or stack trace in stderr.
func checkNoPanic(t *testing.T, stderr string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", "runtime error", "[signal "} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr has %q:\n%s", bad, clipText(stderr, 3000))
			return
		}
	}
}

// outputTree is what a run left under its output directory.
type outputTree struct {
	files []string // regular files, relative, not starting with "."
	temps []string // leftover temp files, relative
}

func scanOutput(t *testing.T, out string) outputTree {
	t.Helper()
	var tr outputTree
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		switch {
		case strings.HasPrefix(d.Name(), engine.TempPrefix):
			tr.temps = append(tr.temps, rel)
		case d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "."):
			tr.files = append(tr.files, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return tr
}

// checkNoTemps fails if a temp file is left anywhere under dir.
func checkNoTemps(t *testing.T, dir string) {
	t.Helper()
	if tr := scanOutput(t, dir); len(tr.temps) > 0 {
		t.Errorf("temp files left in the output tree: %v", tr.temps)
	}
}

// checkDecodes fully decodes every output: a half-written file fails.
// width > 0 also checks each image's width.
func checkDecodes(t *testing.T, out string, files []string, width int) {
	t.Helper()
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err == nil {
			var img image.Image
			if img, _, err = image.Decode(bytes.NewReader(data)); err == nil && width > 0 && img.Bounds().Dx() != width {
				err = fmt.Errorf("width %d, want %d", img.Bounds().Dx(), width)
			}
		}
		if err != nil {
			if bad++; bad <= 5 {
				t.Errorf("output %s is not a complete image: %v", f, err)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d incomplete outputs in all", bad)
	}
}

// manifestFile mirrors engine's .imgpar-manifest.json.
type manifestFile struct {
	Version int                    `json:"version"`
	Entries []engine.ManifestEntry `json:"entries"`
}

// checkManifest: the manifest parses and every entry's output exists with
// the size recorded. It returns the number of entries.
func checkManifest(t *testing.T, out string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, engine.ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var mf manifestFile
	if err := json.Unmarshal(b, &mf); err != nil {
		t.Fatalf("manifest does not parse: %v", err)
	}
	for _, e := range mf.Entries {
		st, err := os.Stat(filepath.Join(out, filepath.FromSlash(e.Output)))
		switch {
		case err != nil:
			t.Errorf("manifest lists %s, which does not exist: %v", e.Output, err)
		case st.Size() != e.OutBytes:
			t.Errorf("manifest says %s has %d bytes; it has %d", e.Output, e.OutBytes, st.Size())
		}
	}
	return len(mf.Entries)
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("fault-injection test: skipped with -short (.ci/faults runs it)")
	}
}

// logFigure prints a figure for docs/reliability.md in a greppable form.
func logFigure(t *testing.T, name string, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURE %s: %s", name, fmt.Sprintf(format, args...))
}

// TestFaultKillWorkers SIGKILLs workers again and again, each in the middle
// of writing an output (its temp file is there), during a run over 320 real
// photos: every input still ends with exactly one complete output, each
// answered once, and the report counts every kill as a restart.
func TestFaultKillWorkers(t *testing.T) {
	skipShort(t)
	const wantKills, maxKills = 5, 8
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, 40)
	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--events", "--report", rep, "--quiet")
	pid := p.cmd.Process.Pid

	// Kill a worker the moment it is seen writing (its pid is in the temp
	// file's name): that proves it finished its handshake, so the kill is
	// a crash of a running worker, and it leaves a half-written file for
	// the primary to clean up. Stop before the end of the run, when workers
	// are being shut down anyway.
	var killed []int
	var lastKill time.Time
	midWrite := 0
	for !p.exited() && len(killed) < maxKills {
		ents, _ := os.ReadDir(out)
		outputs := 0
		var writing []int
		for _, e := range ents {
			name := e.Name()
			if rest, ok := strings.CutPrefix(name, engine.TempPrefix); ok {
				wp, _ := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
				if wp != pid && parentOf(wp) == pid && !slices.Contains(killed, wp) {
					writing = append(writing, wp)
				}
			} else if !strings.HasPrefix(name, ".") {
				outputs++
			}
		}
		if outputs > len(names)*3/4 {
			break
		}
		if len(writing) > 0 && time.Since(lastKill) > 250*time.Millisecond {
			w := writing[rand.IntN(len(writing))]
			if err := syscall.Kill(w, syscall.SIGKILL); err == nil {
				killed = append(killed, w)
				midWrite++
				lastKill = time.Now()
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	p.waitCode(0)
	t.Logf("killed %d workers mid-write: %v", len(killed), killed)
	if len(killed) < wantKills {
		t.Fatalf("only %d kills landed before the run ended; want %d", len(killed), wantKills)
	}
	r := readReport(t, rep)
	if r.OK != len(names) || r.Failed != 0 {
		t.Errorf("report: %d ok, %d failed; want %d ok", r.OK, r.Failed, len(names))
	}
	if r.Restarts != len(killed) {
		t.Errorf("report: %d restarts; %d workers were killed", r.Restarts, len(killed))
	}
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	if len(evs) != len(names) {
		t.Errorf("%d file events for %d inputs", len(evs), len(names))
	}
	for _, n := range names {
		if e := evs[filepath.Join(in, n)]; e.Status != "ok" {
			t.Errorf("%s: %q %s", n, e.Status, e.Error)
		}
	}
	tr := scanOutput(t, out)
	if len(tr.temps) > 0 {
		t.Errorf("temp files left: %v", tr.temps)
	}
	if len(tr.files) != len(names) {
		t.Errorf("%d outputs for %d inputs", len(tr.files), len(names))
	}
	for _, n := range names {
		if !slices.Contains(tr.files, n) {
			t.Errorf("no output for %s", n)
		}
	}
	checkDecodes(t, out, tr.files, 320)
	if m := checkManifest(t, out); m != len(names) {
		t.Errorf("manifest has %d entries, want %d", m, len(names))
	}
	p.checkNoWorkers()
	logFigure(t, "kills", "%d workers SIGKILLed mid-write over %d photos, %d restarts, %d outputs complete, %s",
		len(killed), len(names), r.Restarts, len(tr.files), time.Since(p.start).Round(time.Second))
}

// hangOnRead turns path, a file the plan has already classified, into a
// FIFO with no writer: the worker that opens it blocks for ever, like a
// decoder stuck on a crafted file (a real hang, in a system call).
func hangOnRead(t *testing.T, path string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(filepath.Dir(path)), ".fifo-"+filepath.Base(path))
	if err := syscall.Mkfifo(tmp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// waitOutputs waits until dir holds at least n outputs, or the run ended.
func (p *faultProc) waitOutputs(dir string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(runLimit)
	for time.Now().Before(deadline) {
		if len(scanOutput(p.t, dir).files) >= n {
			return
		}
		if p.exited() {
			p.t.Fatalf("imgpar exited before %s held %d outputs\nstderr:\n%s", dir, n, clipText(p.stderr.String(), 3000))
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("%s never held %d outputs", dir, n)
}

// TestFaultJobTimeout: a job that hangs (its worker blocks opening the
// input) is killed by --job-timeout, retried on a fresh worker, and after
// three timeouts fails with code timeout and a one-line error; every other
// file is done.
// smallestPhoto is a 320x240 JPEG: with the dispatcher's largest-first
// order, a copy of it among the test photos is the last job handed out.
var smallestPhoto = filepath.Join("..", "testdata", "formats", "leaf-baseline.jpg")

func TestFaultJobTimeout(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, 6)
	hang := filepath.Join(in, "zz-hangs.jpg")
	// The smallest photo: the dispatcher hands out the largest jobs first,
	// so this one goes last.
	if err := os.WriteFile(hang, mustRead(t, smallestPhoto), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--job-timeout", "2s", "--events", "--report", rep)
	p.waitOutputs(out, 1) // the plan is made: swap the last input for a FIFO
	hangOnRead(t, hang)
	p.waitCode(1)
	took := time.Since(p.start)
	checkNoPanic(t, p.stderr.String())
	r := readReport(t, rep)
	if r.OK != len(names) || r.Failed != 1 {
		t.Errorf("report: %d ok, %d failed; want %d ok, 1 failed", r.OK, r.Failed, len(names))
	}
	if r.Restarts != 3 {
		t.Errorf("report: %d restarts, want 3 (one per timeout)", r.Restarts)
	}
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	e := evs[hang]
	if e.Status != "failed" || !strings.Contains(e.Error, "job timeout") || !strings.Contains(e.Error, "3 timeouts") ||
		!strings.HasPrefix(e.Error, hang) || strings.ContainsAny(e.Error, "\r\n") {
		t.Errorf("hung job: %s %q; want one line naming it, with the job timeout, 3 timeouts", e.Status, e.Error)
	}
	if n := strings.Count(p.stderr.String(), "failed: "+hang); n != 1 {
		t.Errorf("stderr names the hung job's failure %d times, want once:\n%s", n, p.stderr.String())
	}
	for _, n := range names {
		if e := evs[filepath.Join(in, n)]; e.Status != "ok" {
			t.Errorf("%s: %q %s", n, e.Status, e.Error)
		}
	}
	tr := scanOutput(t, out)
	if len(tr.files) != len(names) || len(tr.temps) > 0 {
		t.Errorf("%d outputs, temps %v; want %d outputs, no temps", len(tr.files), tr.temps, len(names))
	}
	checkDecodes(t, out, tr.files, 320)
	p.checkNoWorkers()
	logFigure(t, "timeout", "hung job failed after 3 timeouts of 2s, %d others ok, in %s", r.OK, took.Round(100*time.Millisecond))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFaultSignals: SIGINT or SIGTERM stops handing out jobs and lets the
// jobs in flight finish (within --grace); the report says interrupted; exit
// 130. Sent to the whole process group, as a terminal's Ctrl-C is, the
// workers get it too and must still finish their jobs. Either way: no temp
// file in the output tree, no worker left, the manifest consistent.
func TestFaultSignals(t *testing.T) {
	skipShort(t)
	tests := []struct {
		name  string
		sig   syscall.Signal
		group bool
	}{
		{"SIGINT", syscall.SIGINT, false},
		{"SIGTERM", syscall.SIGTERM, false},
		{"Ctrl-C to the process group", syscall.SIGINT, true},
		{"SIGTERM to the process group", syscall.SIGTERM, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
			names := copyPhotos(t, in, 10)
			p := startImgpar(t, startOpts{dir: dir, setpgid: tc.group}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
				"--width", "320", "--grace", "2m", "--events", "--report", rep)
			p.waitOutputs(out, 8)
			sent := time.Now()
			if tc.group {
				if err := syscall.Kill(-p.cmd.Process.Pid, tc.sig); err != nil {
					t.Fatal(err)
				}
			} else {
				p.signal(tc.sig)
			}
			p.waitCode(130)
			t.Logf("exited %v after the signal", time.Since(sent).Round(time.Millisecond))
			checkNoPanic(t, p.stderr.String())
			if !strings.Contains(p.stderr.String(), "interrupted: finishing jobs in flight") {
				t.Errorf("stderr does not say the run is finishing jobs in flight:\n%s", clipText(p.stderr.String(), 2000))
			}
			r := readReport(t, rep)
			if !r.Interrupted {
				t.Error(`report: "interrupted": false`)
			}
			if r.OK == 0 || r.OK == len(names) {
				t.Errorf("report: %d ok of %d; want some but not all", r.OK, len(names))
			}
			// Jobs in flight finished: every failure is a job that never
			// started, none was cut short.
			for _, f := range r.Failures {
				if !strings.HasSuffix(f.Error, "interrupted before it started") {
					t.Errorf("failure %q: want only jobs that had not started", f.Error)
				}
			}
			if r.OK+r.Failed != len(names) {
				t.Errorf("report: %d ok + %d failed for %d inputs", r.OK, r.Failed, len(names))
			}
			evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
			if len(evs) != len(names) {
				t.Errorf("%d file events for %d inputs", len(evs), len(names))
			}
			tr := scanOutput(t, out)
			if len(tr.temps) > 0 {
				t.Errorf("temp files left: %v", tr.temps)
			}
			if len(tr.files) != r.OK {
				t.Errorf("%d outputs for %d ok", len(tr.files), r.OK)
			}
			checkDecodes(t, out, tr.files, 320)
			if m := checkManifest(t, out); m != r.OK {
				t.Errorf("manifest has %d entries for %d ok", m, r.OK)
			}
			if _, err := os.Stat(filepath.Join(out, ".imgpar-manifest.journal")); err == nil {
				t.Error("the manifest journal was left behind after a clean interrupt")
			}
			p.checkNoWorkers()
		})
	}
}

// TestFaultSignalAbort: with a job that will never finish in flight, the
// first signal waits for it (up to --grace) and a second one aborts at once;
// or the grace period runs out. Exit 130 either way, the stuck job reported
// as cut short, nothing left behind.
func TestFaultSignalAbort(t *testing.T) {
	skipShort(t)
	tests := []struct {
		name    string
		grace   string
		signals []syscall.Signal
		group   bool // to the process group, as a terminal does
	}{
		{"second signal", "2m", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, false},
		{"second Ctrl-C to the process group", "2m", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, true},
		{"grace runs out", "1s", []syscall.Signal{syscall.SIGTERM}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
			// The stuck job is the last of 25: it cannot have started by
			// the time the first output appears and the test swaps it.
			names := copyPhotos(t, in, 3)
			hang := filepath.Join(in, "zz-hangs.jpg")
			// The smallest photo: the dispatcher hands out the largest jobs first,
			// so this one goes last.
			if err := os.WriteFile(hang, mustRead(t, smallestPhoto), 0o644); err != nil {
				t.Fatal(err)
			}
			p := startImgpar(t, startOpts{dir: dir, setpgid: tc.group}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
				"--width", "320", "--grace", tc.grace, "--report", rep, "--quiet")
			p.waitOutputs(out, 1)
			hangOnRead(t, hang)
			p.waitOutputs(out, len(names)) // all done but the stuck job
			send := func(sig syscall.Signal) {
				if tc.group {
					if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
						t.Fatal(err)
					}
					return
				}
				p.signal(sig)
			}
			send(tc.signals[0])
			if len(tc.signals) > 1 {
				// Still waiting for the stuck job, well within its grace.
				time.Sleep(300 * time.Millisecond)
				if p.exited() {
					t.Fatalf("exited on the first signal with a job in flight and %s of grace", tc.grace)
				}
				send(tc.signals[1])
			}
			sent := time.Now()
			code := p.wait(runLimit)
			took := time.Since(sent)
			if code != 130 {
				t.Fatalf("exit code %d, want 130\nstderr:\n%s", code, p.stderr.String())
			}
			// "At once": far less than the 2 minutes of grace (generous
			// for a loaded machine).
			if took > 30*time.Second {
				t.Errorf("took %v to stop after the last signal", took)
			}
			t.Logf("stopped %v after the last signal", took.Round(time.Millisecond))
			r := readReport(t, rep)
			if !r.Interrupted || r.OK != len(names) || r.Failed != 1 {
				t.Errorf("report: interrupted %v, %d ok, %d failed; want true, %d, 1", r.Interrupted, r.OK, r.Failed, len(names))
			}
			if len(r.Failures) == 1 && (r.Failures[0].Path != hang || !strings.HasSuffix(r.Failures[0].Error, "interrupted before it finished")) {
				t.Errorf("failure %+v: want the stuck job, interrupted before it finished", r.Failures[0])
			}
			checkNoTemps(t, out)
			if m := checkManifest(t, out); m != len(names) {
				t.Errorf("manifest has %d entries, want %d", m, len(names))
			}
			p.checkNoWorkers()
		})
	}
}

// TestFaultRestartStorm: workers that die at start-up (here: the binary was
// replaced by one that exits at once, as an upgrade in the middle of a run
// would do) stop the run with a clear one-line error after a capped number
// of attempts with backoff, exit 2, instead of looping.
func TestFaultRestartStorm(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, 30)
	orig, err := exec.LookPath("imgpar")
	if err != nil {
		t.Fatal(err)
	}
	// The primary re-executes os.Executable(), which on Linux is the path
	// it was started from: a copy that the test can replace.
	exe := filepath.Join(dir, "bin", "imgpar")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, mustRead(t, orig), 0o755); err != nil {
		t.Fatal(err)
	}
	p := startImgpar(t, startOpts{dir: dir, exe: exe}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--report", rep, "--quiet")
	p.waitOutputs(out, 4)
	broken := filepath.Join(dir, "bin", "broken")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'imgpar: cannot start: this binary was replaced' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(broken, exe); err != nil {
		t.Fatal(err)
	}
	ws := p.workers()
	if len(ws) == 0 {
		t.Fatal("no worker to kill")
	}
	if err := syscall.Kill(ws[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	p.waitCode(2)
	took := time.Since(killed)
	stderr := p.stderr.String()
	checkNoPanic(t, stderr)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "workers keep failing to start") || !strings.Contains(lines[0], "this binary was replaced") {
		t.Errorf("stderr: want one line saying workers keep failing to start, quoting the worker; got:\n%s", stderr)
	}
	// Five attempts with backoff 0.2+0.4+0.8+1.6 s: seconds, not minutes.
	if took > time.Minute {
		t.Errorf("took %v to give up", took)
	}
	r := readReport(t, rep)
	if r.OK+r.Failed != len(names) || r.OK == len(names) {
		t.Errorf("report: %d ok + %d failed for %d inputs", r.OK, r.Failed, len(names))
	}
	if r.Restarts < 5 {
		t.Errorf("report: %d restarts; the kill and the failed starts make at least 5", r.Restarts)
	}
	tr := scanOutput(t, out)
	if len(tr.files) != r.OK || len(tr.temps) > 0 {
		t.Errorf("%d outputs for %d ok; temps %v", len(tr.files), r.OK, tr.temps)
	}
	checkDecodes(t, out, tr.files, 320)
	checkManifest(t, out)
	p.checkNoWorkers()
	logFigure(t, "storm", "gave up %v after the binary was replaced: %s", took.Round(100*time.Millisecond), lines[0])
}

// journalEntries reads the outputs recorded in the manifest journal (a torn
// last line is ignored, as the engine does).
func journalEntries(t *testing.T, out string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(out, ".imgpar-manifest.journal"))
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		var e engine.ManifestEntry
		if json.Unmarshal([]byte(line), &e) == nil && e.Output != "" {
			m[e.Output] = true
		}
	}
	return m
}

// TestFaultPrimaryKilled: the primary SIGKILLed mid-run takes every worker
// with it within 2 s (stdin EOF, PR_SET_PDEATHSIG), and running the same
// command again finishes the work without redoing what was recorded done.
func TestFaultPrimaryKilled(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	names := copyPhotos(t, in, 20)
	args := []string{"process", in, "-o", out, "--procs", "2", "--threads", "1", "--width", "320", "--json", "--quiet"}
	p := startImgpar(t, startOpts{dir: dir}, args...)
	p.waitOutputs(out, len(names)/4)
	// Kill it while a worker is writing, if the test can see one doing so
	// within a few seconds: the worker then dies leaving a temp file.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if tr := scanOutput(t, out); len(tr.temps) > 0 {
			break
		}
	}
	ws := p.workers()
	if len(ws) == 0 {
		t.Fatal("no workers seen")
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-p.done
	alive := waitGone(ws, 2*time.Second)
	gone := time.Since(killed)
	if len(alive) > 0 {
		t.Fatalf("workers %v still running 2s after their primary was SIGKILLed", alive)
	}
	t.Logf("%d workers gone %v after the primary's SIGKILL", len(ws), gone.Round(time.Millisecond))
	done := journalEntries(t, out)
	mtimes := map[string]time.Time{}
	for o := range done {
		st, err := os.Stat(filepath.Join(out, filepath.FromSlash(o)))
		if err != nil {
			t.Fatalf("journal records %s, which does not exist", o)
		}
		mtimes[o] = st.ModTime()
	}
	left := scanOutput(t, out)
	t.Logf("after the kill: %d outputs, %d recorded in the journal, %d temp files", len(left.files), len(done), len(left.temps))

	p2 := startImgpar(t, startOpts{dir: dir}, args...)
	p2.waitCode(0)
	var r report
	if err := json.Unmarshal(p2.stdout.Bytes(), &r); err != nil {
		t.Fatalf("report: %v", err)
	}
	if r.SkippedUpToDate != len(done) || r.OK+r.SkippedUpToDate != len(names) || r.Failed != 0 {
		t.Errorf("second run: %d ok, %d up to date, %d failed; want %d up to date (the journal) and %d in all",
			r.OK, r.SkippedUpToDate, r.Failed, len(done), len(names))
	}
	for o, mt := range mtimes {
		if st, err := os.Stat(filepath.Join(out, filepath.FromSlash(o))); err != nil || !st.ModTime().Equal(mt) {
			t.Errorf("%s was redone by the second run", o)
		}
	}
	tr := scanOutput(t, out)
	if len(tr.files) != len(names) {
		t.Errorf("%d outputs for %d inputs", len(tr.files), len(names))
	}
	if len(tr.temps) > 0 {
		t.Errorf("temp files of the killed run still in the output tree after the second run: %v", tr.temps)
	}
	checkDecodes(t, out, tr.files, 320)
	if m := checkManifest(t, out); m != len(names) {
		t.Errorf("manifest has %d entries, want %d", m, len(names))
	}
	p2.checkNoWorkers()
	logFigure(t, "primary-kill", "workers gone %v after the primary's SIGKILL; re-run: %d up to date + %d done",
		gone.Round(time.Millisecond), r.SkippedUpToDate, r.OK)
}

// expectations reads testdata/bad/EXPECTED: file name -> fail|ok|skip|any.
func expectations(t *testing.T, path string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(string(mustRead(t, path)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			t.Fatalf("EXPECTED line %q: want file<TAB>expect<TAB>why", line)
		}
		m[f[0]] = f[1]
	}
	return m
}

// hostileCase is one input made at run time, beside the committed corpus.
type hostileCase struct {
	name   string // relative to in/
	expect string // fail, ok, skip
	make   func(t *testing.T, path string)
}

func writeFile(data []byte) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(target string) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFaultHostileInput runs the committed hostile corpus (testdata/bad)
// together with inputs only a test can make (odd names, a directory named
// like an image, symlink loops, an unreadable file): every file gets what
// testdata/bad/EXPECTED says, every failure is one line naming its file,
// never a panic or a hang, every good file beside them is processed, exit 1,
// and the peak memory of the whole process tree stays bounded.
func TestFaultHostileInput(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	bad := filepath.Join("..", "testdata", "bad")
	expect := expectations(t, filepath.Join(bad, "EXPECTED"))
	for name := range expect {
		writeFile(mustRead(t, filepath.Join(bad, name)))(t, filepath.Join(in, name))
	}
	photo := mustRead(t, photoFiles(t)[1])
	text := []byte("this is not a picture\n")
	cases := []hostileCase{
		{"with spaces and (parens).jpg", "ok", writeFile(photo)},
		{"ünïcödé 写真 🌄.jpg", "ok", writeFile(photo)},
		{"new\nline.jpg", "ok", writeFile(photo)},
		{"-leading-dash.jpg", "ok", writeFile(photo)},
		{"tab\tand\rcr.jpg", "ok", writeFile(photo)},
		{"x.jpg/inside.jpg", "ok", writeFile(photo)}, // a directory named x.jpg
		{"bad\nnewline.png", "fail", writeFile(text)},
		{"-dash-bad.jpg", "fail", writeFile(text)},
		{"loop.jpg", "fail", symlink("loop.jpg")},
		{"cycle-a.png", "fail", symlink("cycle-b.png")},
		{"cycle-b.png", "fail", symlink("cycle-a.png")},
		{"dangling.jpg", "fail", symlink("does-not-exist.jpg")},
		{"loopdir", "skip", symlink(".")}, // a symlinked directory back to in/
	}
	if os.Geteuid() != 0 {
		cases = append(cases, hostileCase{"unreadable.jpg", "fail", func(t *testing.T, path string) {
			writeFile(photo)(t, path)
			if err := os.Chmod(path, 0); err != nil {
				t.Fatal(err)
			}
		}})
	} else {
		t.Log("running as root, who can read any file: the unreadable-file case is skipped")
	}
	for _, c := range cases {
		c.make(t, filepath.Join(in, c.name))
		expect[c.name] = c.expect
	}

	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1", "--events", "--json")
	p.waitCode(1)
	took := time.Since(p.start)
	stderr := p.stderr.String()
	checkNoPanic(t, stderr)
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	nFail, nOK := 0, 0
	for name, want := range expect {
		path := filepath.Join(in, name)
		e, ok := evs[path]
		if !ok {
			t.Errorf("%q: no event", name)
			continue
		}
		if e.Status == "failed" {
			nFail++
			if !strings.HasPrefix(e.Error, oneLinePath(path)) || strings.ContainsAny(e.Error, "\r\n") {
				t.Errorf("%q: error %q: want one line that starts with the file's path", name, e.Error)
			}
		}
		switch {
		case want == "fail" && e.Status != "failed",
			want == "ok" && e.Status != "ok",
			want == "skip" && e.Status != "skipped",
			want == "any" && e.Status != "ok" && e.Status != "failed":
			t.Errorf("%q: %s %s; EXPECTED says %s", name, e.Status, e.Error, want)
		}
		if e.Status == "ok" {
			nOK++
			if rel, err := filepath.Rel(out, e.Output); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%q: output %q is outside the output directory", name, e.Output)
			}
			checkDecodes(t, out, []string{mustRel(t, out, e.Output)}, 0)
		}
	}
	// The summary: one line per failure, whatever the file names hold.
	var failedLines int
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "  failed: "):
			failedLines++
		case strings.HasPrefix(line, "imgpar: "), strings.HasPrefix(line, "        "):
		default:
			t.Errorf("stderr line %q is not part of a one-line message; stderr:\n%s", line, stderr)
		}
	}
	if failedLines != nFail {
		t.Errorf("stderr has %d failure lines for %d failed files", failedLines, nFail)
	}
	checkNoTemps(t, out)
	p.checkNoWorkers()
	peak := p.peak()
	const limit = 400 << 20
	if peak > limit {
		t.Errorf("peak RSS of the process tree %d MiB, over %d MiB", peak>>20, limit>>20)
	}
	logFigure(t, "hostile", "%d inputs (%d committed + %d made by the test): %d failed, %d ok, rest skipped; peak RSS of primary+workers %.0f MiB; %s",
		len(expect), len(expect)-len(cases), len(cases), nFail, nOK, float64(peak)/(1<<20), took.Round(100*time.Millisecond))
}

// oneLinePath is how a one-line message spells a path: line breaks become
// spaces (engine.Fail does the same to the whole message).
func oneLinePath(p string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(p) }

func mustRel(t *testing.T, base, path string) string {
	t.Helper()
	rel, err := filepath.Rel(base, path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// TestFaultStdinPaths: a path list on stdin naming files that do not exist
// (relative, absolute, CRLF line ends, blank lines, duplicates): each
// missing one fails with a one-line error naming it, the rest are done,
// exit 1. A file whose name starts with a dash works after "--".
func TestFaultStdinPaths(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	photos := photoFiles(t)
	writeFile(mustRead(t, photos[0]))(t, filepath.Join(dir, "in", "a.jpg"))
	png, _ := filepath.Glob(filepath.Join("..", "testdata", "photos", "*.png"))
	if len(png) == 0 {
		t.Fatal("no PNG photo")
	}
	writeFile(mustRead(t, png[0]))(t, filepath.Join(dir, "in", "b.png"))
	writeFile(mustRead(t, photos[1]))(t, filepath.Join(dir, "-dash.jpg"))
	list := strings.Join([]string{
		"in/a.jpg",
		"in/missing.jpg",
		"/nonexistent/dir/c.png",
		"",
		"in/b.png\r",
		"in/../in/a.jpg",
		"-dash.jpg",
		"in/gone\\ with\\ spaces.jpg",
	}, "\n")
	p := startImgpar(t, startOpts{dir: dir, stdin: strings.NewReader(list)}, "process", "-", "-o", "out", "--procs", "2", "--threads", "1", "--events", "--json")
	p.waitCode(1)
	checkNoPanic(t, p.stderr.String())
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	for path, want := range map[string]string{
		"in/a.jpg": "ok", "in/b.png": "ok", "-dash.jpg": "ok",
		"in/missing.jpg": "failed", "/nonexistent/dir/c.png": "failed", `in/gone\ with\ spaces.jpg`: "failed",
	} {
		e, ok := evs[path]
		switch {
		case !ok:
			t.Errorf("%s: no event", path)
		case e.Status != want:
			t.Errorf("%s: %s %s, want %s", path, e.Status, e.Error, want)
		case want == "failed" && (!strings.HasPrefix(e.Error, path+": ") || !strings.Contains(e.Error, "no such file") || strings.ContainsAny(e.Error, "\r\n")):
			t.Errorf("%s: error %q: want one line naming the file and saying it does not exist", path, e.Error)
		}
	}
	if len(evs) != 6 {
		t.Errorf("%d events, want 6 (in/../in/a.jpg is in/a.jpg): %v", len(evs), evs)
	}
	for _, f := range []string{"in/a.jpg", "in/b.png", "-dash.jpg"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Errorf("no output for %s: %v", f, err)
		}
	}
	p.checkNoWorkers()

	// On the command line, after "--".
	p = startImgpar(t, startOpts{dir: dir}, "process", "-o", "dash-out", "--quiet", "--", "-dash.jpg")
	p.waitCode(0)
	if _, err := os.Stat(filepath.Join(dir, "dash-out", "-dash.jpg")); err != nil {
		t.Error(err)
	}
}

// snapshot lists every file and symlink under root, except under skip.
func snapshot(t *testing.T, root string, skip ...string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, s := range skip {
			if p == s {
				return fs.SkipDir
			}
		}
		if !d.IsDir() {
			m[p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkNothingNew fails for a file under root that was not in before
// (outside the directories skipped).
func checkNothingNew(t *testing.T, before map[string]bool, root string, skip ...string) {
	t.Helper()
	for p := range snapshot(t, root, skip...) {
		if !before[p] {
			t.Errorf("written outside the output directory: %s", p)
		}
	}
}

// TestFaultOutputSafety: outputs stay inside --out whatever the paths say,
// and a full or read-only output directory is a per-file error that leaves
// no temp file and does not stop the run.
func TestFaultOutputSafety(t *testing.T) {
	skipShort(t)
	photos := photoFiles(t)
	photo := mustRead(t, photos[0])

	t.Run("paths with .. and absolute paths from stdin", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
			writeFile(photo)(t, filepath.Join(dir, "photos", n))
		}
		work := filepath.Join(dir, "work", "deep")
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(work, "out")
		before := snapshot(t, dir)
		list := "../../photos/a.jpg\n" + filepath.Join(dir, "photos", "b.jpg") + "\n../../photos/../photos/c.jpg\n"
		p := startImgpar(t, startOpts{dir: work, stdin: strings.NewReader(list)}, "process", "-", "-o", "out", "--events", "--quiet")
		p.waitCode(0)
		for _, e := range parseEvents(t, p.stdout.Bytes()) {
			if rel, err := filepath.Rel(out, e.Output); e.Status != "ok" || err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: %s, output %q", e.Path, e.Status, e.Output)
			}
		}
		if tr := scanOutput(t, out); len(tr.files) != 3 {
			t.Errorf("outputs %v, want 3", tr.files)
		}
		checkNothingNew(t, before, dir, out)
	})

	t.Run("--name templates that leave --out are refused", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(photo)(t, filepath.Join(dir, "in", "sub", "a.jpg"))
		before := snapshot(t, dir)
		for _, tmpl := range []string{"../{name}.{ext}", "{dir}/../../{name}.{ext}", "{name}/../../x.{ext}", "/tmp/{name}.{ext}"} {
			p := startImgpar(t, startOpts{dir: dir}, "process", "in", "-o", "out", "--name", tmpl)
			p.waitCode(2)
			if s := p.stderr.String(); !strings.Contains(s, "--name") || !strings.Contains(s, "under the output directory") {
				t.Errorf("--name %q: stderr %q: want it refused as a path under the output directory", tmpl, s)
			}
		}
		checkNothingNew(t, before, dir, filepath.Join(dir, "out"))
		if tr := scanOutput(t, filepath.Join(dir, "out")); len(tr.files) > 0 {
			t.Errorf("outputs written: %v", tr.files)
		}
	})

	t.Run("symlinks: the output dir is followed, links inside it are not", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(photo)(t, filepath.Join(dir, "in", "a.jpg"))
		writeFile(photo)(t, filepath.Join(dir, "in", "victim.jpg"))
		writeFile(photo)(t, filepath.Join(dir, "in", "escape", "b.jpg"))
		real := filepath.Join(dir, "elsewhere", "real")
		writeFile([]byte("do not touch\n"))(t, filepath.Join(dir, "outside", "victim.jpg"))
		if err := os.MkdirAll(real, 0o755); err != nil {
			t.Fatal(err)
		}
		// out -> elsewhere/real (followed); real/escape -> outside (a
		// symlinked subdirectory: not followed); real/victim.jpg ->
		// outside/victim.jpg (replaced, not written through).
		symlink(real)(t, filepath.Join(dir, "out"))
		symlink(filepath.Join(dir, "outside"))(t, filepath.Join(real, "escape"))
		symlink(filepath.Join(dir, "outside", "victim.jpg"))(t, filepath.Join(real, "victim.jpg"))
		before := snapshot(t, dir)
		p := startImgpar(t, startOpts{dir: dir}, "process", "in", "-o", "out", "--events")
		p.waitCode(1)
		evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
		if e := evs["in/a.jpg"]; e.Status != "ok" {
			t.Errorf("in/a.jpg: %s %s", e.Status, e.Error)
		}
		if e := evs["in/escape/b.jpg"]; e.Status != "failed" || !strings.Contains(e.Error, "symlink") || !strings.HasPrefix(e.Error, "in/escape/b.jpg: ") {
			t.Errorf("in/escape/b.jpg: %s %q; want a failure: a symlink leads outside the output directory", e.Status, e.Error)
		}
		if b := mustRead(t, filepath.Join(dir, "outside", "victim.jpg")); string(b) != "do not touch\n" {
			t.Error("outside/victim.jpg was written through a symlink in the output directory")
		}
		if st, err := os.Lstat(filepath.Join(real, "victim.jpg")); err != nil || !st.Mode().IsRegular() {
			t.Errorf("out/victim.jpg: want a regular file in place of the symlink: %v", err)
		}
		if _, err := os.Stat(filepath.Join(real, "a.jpg")); err != nil {
			t.Errorf("the output went elsewhere than the resolved output dir: %v", err)
		}
		checkNothingNew(t, before, dir, real)
		checkNoTemps(t, real)
	})

	t.Run("disk full", func(t *testing.T) {
		dir := t.TempDir()
		full := filepath.Join(dir, "out", "big")
		mountTmpfs(t, full, "size=1m")
		names := copyPhotos(t, filepath.Join(dir, "in", "big"), 2)
		copyPhotos(t, filepath.Join(dir, "in", "small"), 1)
		// 16 photos at 1600 px (~300 KB each) into 1 MiB: most fail.
		p := startImgpar(t, startOpts{dir: dir}, "process", "in", "-o", "out", "--width", "1600", "--enlarge",
			"--procs", "2", "--threads", "1", "--events", "--report", filepath.Join(dir, "report.json"))
		p.waitCode(1)
		checkNoPanic(t, p.stderr.String())
		full1, okBig := 0, 0
		for _, e := range parseEvents(t, p.stdout.Bytes()) {
			switch {
			case strings.HasPrefix(e.Path, "in/small/") && e.Status != "ok":
				t.Errorf("%s: %s %s: a file beside the full disk failed", e.Path, e.Status, e.Error)
			case strings.HasPrefix(e.Path, "in/big/") && e.Status == "ok":
				okBig++
			case strings.HasPrefix(e.Path, "in/big/"):
				if !strings.HasPrefix(e.Error, e.Path+": ") || !strings.Contains(e.Error, "no space left") || strings.ContainsAny(e.Error, "\r\n") {
					t.Errorf("%s: error %q: want one line naming it: no space left on device", e.Path, e.Error)
				}
				full1++
			}
		}
		if full1 == 0 {
			t.Errorf("no file failed for the full disk (%d ok)", okBig)
		}
		r := readReport(t, filepath.Join(dir, "report.json"))
		if r.OK+r.Failed != len(names)+len(names)/2 {
			t.Errorf("report: %d ok + %d failed, want every file answered", r.OK, r.Failed)
		}
		checkNoTemps(t, filepath.Join(dir, "out"))
		checkDecodes(t, filepath.Join(dir, "out"), scanOutput(t, filepath.Join(dir, "out")).files, 0)
		p.checkNoWorkers()
		t.Logf("1 MiB tmpfs: %d written, %d failed with ENOSPC", okBig, full1)
	})

	t.Run("read-only output directory", func(t *testing.T) {
		dir := t.TempDir()
		ro := filepath.Join(dir, "out", "ro")
		if os.Geteuid() == 0 {
			mountTmpfs(t, ro, "ro,size=1m")
		} else {
			if err := os.MkdirAll(ro, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(ro, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(ro, 0o755) })
		}
		names := copyPhotos(t, filepath.Join(dir, "in", "ro"), 1)
		copyPhotos(t, filepath.Join(dir, "in", "rw"), 1)
		p := startImgpar(t, startOpts{dir: dir}, "process", "in", "-o", "out", "--events", "--quiet")
		p.waitCode(1)
		checkNoPanic(t, p.stderr.String())
		evs := parseEvents(t, p.stdout.Bytes())
		if len(evs) != 2*len(names) {
			t.Errorf("%d events for %d files", len(evs), 2*len(names))
		}
		for _, e := range evs {
			switch {
			case strings.HasPrefix(e.Path, "in/rw/") && e.Status != "ok":
				t.Errorf("%s: %s %s", e.Path, e.Status, e.Error)
			case strings.HasPrefix(e.Path, "in/ro/") && (e.Status != "failed" || !strings.HasPrefix(e.Error, e.Path+": ") ||
				!(strings.Contains(e.Error, "read-only") || strings.Contains(e.Error, "permission denied"))):
				t.Errorf("%s: %s %q; want a one-line failure naming it: read-only / permission denied", e.Path, e.Status, e.Error)
			}
		}
		checkNoTemps(t, filepath.Join(dir, "out"))
		p.checkNoWorkers()
	})
}

// mountTmpfs mounts a tmpfs with opts at dir for the test, or skips the
// test when it cannot (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skipf("needs root to mount a tmpfs (-o %s) at the output directory: skipped", opts)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (-o %s): %v %s: skipped", opts, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// TestFaultKillDuringStart kills a running worker, then its replacements the
// moment they appear, before their handshake, three times in a row (under
// the restart-storm cap of five): the run recovers, every input is done
// once, and the report counts every kill as a restart.
func TestFaultKillDuringStart(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, 20)
	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--events", "--report", rep, "--quiet")
	p.waitOutputs(out, 8)
	known := map[int]bool{}
	for _, w := range p.workers() {
		known[w] = true
	}
	if len(known) == 0 {
		t.Fatal("no workers")
	}
	var first int
	for w := range known {
		first = w
		break
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	kills, startKills := 1, 0
	deadline := time.Now().Add(time.Minute)
	for startKills < 3 && !p.exited() && time.Now().Before(deadline) {
		for _, w := range childrenOf(p.cmd.Process.Pid) {
			if known[w] {
				continue
			}
			known[w] = true
			if err := syscall.Kill(w, syscall.SIGKILL); err == nil {
				kills++
				startKills++
			}
		}
		time.Sleep(time.Millisecond)
	}
	if startKills < 3 {
		t.Fatalf("only %d replacements seen to kill", startKills)
	}
	p.waitCode(0)
	r := readReport(t, rep)
	if r.OK != len(names) || r.Failed != 0 {
		t.Errorf("report: %d ok, %d failed; want %d ok", r.OK, r.Failed, len(names))
	}
	if r.Restarts != kills {
		t.Errorf("report: %d restarts for %d kills (%d of them during start-up)", r.Restarts, kills, startKills)
	}
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	if len(evs) != len(names) {
		t.Errorf("%d answers for %d inputs", len(evs), len(names))
	}
	tr := scanOutput(t, out)
	if len(tr.files) != len(names) || len(tr.temps) > 0 {
		t.Errorf("%d outputs, temps %v; want %d, none", len(tr.files), tr.temps, len(names))
	}
	checkDecodes(t, out, tr.files, 320)
	p.checkNoWorkers()
	logFigure(t, "start-kills", "1 running worker and %d replacements killed at start-up: %d restarts, %d outputs", startKills, r.Restarts, len(tr.files))
}
