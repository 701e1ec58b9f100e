//go:build linux

package cmd

// The fault harness: start a real imgpar, watch its process tree from
// /proc, and check what a run left behind (outputs, temp files, manifest,
// report, events). The fault tests (fault_test.go) and any other test that
// runs imgpar as a user would use it.
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
	stdout syncBuffer
	stderr syncBuffer
	start  time.Time
	done   chan struct{}
	err    error

	mu      sync.Mutex
	seen    map[int]bool // every worker pid seen
	peakRSS int64        // peak of the summed VmRSS of primary + workers, bytes
}

// syncBuffer collects a process's output; a test may read it while the
// process still writes (exec copies a pipe into it on its own goroutine).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

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

// writing maps each worker of the primary that has an output's temp file
// open, that is, is writing an output now, to that file's path (from
// /proc/PID/fd).
func (p *faultProc) writing() map[int]string {
	m := map[int]string{}
	for _, w := range p.workers() {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", w))
		for _, fd := range fds {
			target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", w, fd.Name()))
			if err == nil && strings.HasPrefix(filepath.Base(target), engine.TempPrefix) {
				m[w] = target
			}
		}
	}
	return m
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
	NotStarted      int              `json:"not_started"`
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

// soak reports whether the long form of the fault tests is wanted
// (IMGPAR_SOAK=1, set by .ci/faults): many more files, kills and repeats.
// Plain go test runs each fault test at a size that proves the same
// guarantee in seconds.
func soak() bool { return os.Getenv("IMGPAR_SOAK") != "" }

// soakSize is plain under plain go test, long under .ci/faults.
func soakSize(plain, long int) int {
	if soak() {
		return long
	}
	return plain
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

// waitWorkers waits until the primary has a worker process: its plan is
// made.
func (p *faultProc) waitWorkers() {
	p.t.Helper()
	deadline := time.Now().Add(runLimit)
	for len(p.workers()) == 0 {
		if p.exited() {
			p.t.Fatalf("imgpar exited before it started a worker\nstderr:\n%s", clipText(p.stderr.String(), 3000))
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no worker after %v", runLimit)
		}
		time.Sleep(time.Millisecond)
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

// waitFileEvents waits until the run has printed n --events file events,
// that is until the primary has recorded n answers. An output on disk is not
// enough: a worker renames its output into place before its answer reaches
// the primary, and on a loaded machine that can take a while.
func (p *faultProc) waitFileEvents(n int) {
	p.t.Helper()
	deadline := time.Now().Add(runLimit)
	for time.Now().Before(deadline) {
		if bytes.Count(p.stdout.Bytes(), []byte(`"event":"file"`)) >= n {
			return
		}
		if p.exited() {
			p.t.Fatalf("imgpar exited before it reported %d files\nstderr:\n%s", n, clipText(p.stderr.String(), 3000))
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("never reported %d files", n)
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

// smallestPhoto is a 320x240 JPEG: with the dispatcher's largest-first
// order, a copy of it among the test photos is the last job handed out.
var smallestPhoto = filepath.Join("..", "testdata", "formats", "leaf-baseline.jpg")

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
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
