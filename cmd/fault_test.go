//go:build linux

package cmd

// The fault-injection suite (issue 6): real imgpar processes, real signals,
// real SIGKILLs, real hostile files. The testscript scripts
// testdata/script/fault-*.txtar cover what a script can say; these tests
// cover what needs a loop, a clock or a look at /proc. docs/reliability.md
// lists the guarantees and which test proves each; .ci/faults runs them all.
// The harness (start imgpar, watch its process tree, check what a run left)
// is in fault_harness_test.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFaultKillWorkers SIGKILLs workers again and again, each in the middle
// of writing an output (its temp file is open), during a run over real
// photos (64; 320 under .ci/faults): every input still ends with exactly one
// complete output, each answered once, and the report counts every kill as
// a restart.
//
// The test never kills a worker writing a job it killed before. A job that
// was running on a worker that died is retried alone, and after 3 such
// deaths it fails as poison (procs/run.go): killing whichever worker is
// writing could kill that retry too, three times, and the run would then
// rightly fail the job. Each input is alone in its own directory, so the
// directory of the temp file a worker has open names the job it writes.
func TestFaultKillWorkers(t *testing.T) {
	skipShort(t)
	t.Parallel()
	copies, wantKills, maxKills := soakSize(8, 40), soakSize(3, 5), soakSize(5, 8)
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	flat := filepath.Join(dir, "flat")
	var names []string // relative to in: JOB/PHOTO
	for _, n := range copyPhotos(t, flat, copies) {
		job := strings.TrimSuffix(n, filepath.Ext(n))
		if err := os.MkdirAll(filepath.Join(in, job), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(flat, n), filepath.Join(in, job, n)); err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Join(job, n))
	}
	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--events", "--report", rep, "--quiet")

	// Kill a worker the moment it is seen writing: that proves it finished
	// its handshake, so the kill is a crash of a running worker, and it
	// leaves a half-written file for the primary to clean up. The kills
	// are spread over the first three quarters of the run (by files done,
	// not by the clock, so that a slow machine changes nothing); the test
	// stops before the end of the run, when workers are being shut down
	// anyway, unless too few kills have landed yet.
	var killed []int
	killedJobs := map[string]bool{}
	gap := len(names) * 3 / 4 / (maxKills + 1)
	for !p.exited() && len(killed) < maxKills {
		done := bytes.Count(p.stdout.Bytes(), []byte(`{"event":"file",`))
		if done > len(names)*3/4 && len(killed) >= wantKills {
			break
		}
		if done >= len(killed)*gap {
			for w, tmp := range p.writing() {
				job := filepath.Base(filepath.Dir(tmp))
				if killedJobs[job] {
					continue // its retry: never the same job twice
				}
				if err := syscall.Kill(w, syscall.SIGKILL); err == nil {
					killed = append(killed, w)
					killedJobs[job] = true
					t.Logf("killed worker %d writing %s (%d files done)", w, job, done)
				}
				break
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

// TestFaultJobTimeout: a job that hangs (its worker blocks opening the
// input) is killed by --job-timeout, retried on a fresh worker, and after
// three timeouts fails with code timeout and a one-line error; every other
// file is done. Each worker death is a timeout, named on stderr.
//
// The other files are copies of a small photo (320x240), milliseconds of
// work each: photos of 1-2 megapixels, tens of milliseconds each, ran past
// a 3 s timeout three times in a row on the shared machine at load 60. A
// file that does run past it is killed and retried like the hung one, which
// is right, so the test counts the deaths by the job they name.
func TestFaultJobTimeout(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	const jobTimeout = "3s"
	var names []string
	small := mustRead(t, smallestPhoto)
	for k := range 48 {
		names = append(names, fmt.Sprintf("leaf-%02d.jpg", k))
		writeFile(small)(t, filepath.Join(in, names[k]))
	}
	// Smaller still: the dispatcher hands out the largest jobs first, so
	// this one goes last.
	hang := filepath.Join(in, "zz-hangs.jpg")
	writeFile(tinyJPEG(t))(t, hang)
	p := startImgpar(t, startOpts{dir: dir}, "process", in, "-o", out, "--procs", "2", "--threads", "1",
		"--width", "320", "--job-timeout", jobTimeout, "--events", "--report", rep)
	// Workers start once the plan is made: swap the last input for a FIFO
	// while they start and work through the others.
	p.waitWorkers()
	hangOnRead(t, hang)
	p.waitCode(1)
	took := time.Since(p.start)
	stderr := p.stderr.String()
	checkNoPanic(t, stderr)
	r := readReport(t, rep)
	if r.OK != len(names) || r.Failed != 1 {
		t.Errorf("report: %d ok, %d failed; want %d ok, 1 failed", r.OK, r.Failed, len(names))
	}
	deaths := strings.Count(stderr, "; restarting it")
	timeouts := strings.Count(stderr, " ran past the "+jobTimeout+" job timeout; restarting it")
	hangTimeouts := strings.Count(stderr, hang+" ran past the "+jobTimeout+" job timeout; restarting it")
	if r.Restarts != deaths || deaths != timeouts || hangTimeouts != 3 {
		t.Errorf("report: %d restarts; stderr: %d worker deaths, %d for a job timeout, %d of them the hung job's; want one restart per death, every death a timeout, 3 the hung job's\n%s",
			r.Restarts, deaths, timeouts, hangTimeouts, clipText(stderr, 3000))
	}
	if timeouts > hangTimeouts {
		t.Logf("%d ordinary jobs ran past the %s timeout on this busy machine and were retried", timeouts-hangTimeouts, jobTimeout)
	}
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	e := evs[hang]
	if e.Status != "failed" || !strings.Contains(e.Error, "job timeout") || !strings.Contains(e.Error, "3 timeouts") ||
		!strings.HasPrefix(e.Error, hang) || strings.ContainsAny(e.Error, "\r\n") {
		t.Errorf("hung job: %s %q; want one line naming it, with the job timeout, 3 timeouts", e.Status, e.Error)
	}
	if n := strings.Count(stderr, "failed: "+hang); n != 1 {
		t.Errorf("stderr names the hung job's failure %d times, want once:\n%s", n, stderr)
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
	logFigure(t, "timeout", "hung job failed after 3 timeouts of %s, %d others ok, %d retried after a timeout, in %s",
		jobTimeout, r.OK, timeouts-hangTimeouts, took.Round(100*time.Millisecond))
}

// tinyJPEG is a 32x24 JPEG.
func tinyJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFaultSignals: SIGINT or SIGTERM stops handing out jobs and lets the
// jobs in flight finish (within --grace); the report says interrupted; exit
// 130. Sent to the whole process group, as a terminal's Ctrl-C is, the
// workers get it too and must still finish their jobs. Either way: no temp
// file in the output tree, no worker left, the manifest consistent.
func TestFaultSignals(t *testing.T) {
	skipShort(t)
	t.Parallel()
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
			t.Parallel()
			dir := t.TempDir()
			in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
			names := copyPhotos(t, in, soakSize(4, 10))
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
			// Jobs in flight finished: none failed or was cut short; the
			// rest never started and are counted so, not as failures.
			if r.Failed != 0 {
				t.Errorf("report: %d failed, want 0 (%v)", r.Failed, r.Failures)
			}
			if r.OK+r.NotStarted != len(names) {
				t.Errorf("report: %d ok + %d not started for %d inputs", r.OK, r.NotStarted, len(names))
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
	t.Parallel()
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
			t.Parallel()
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
				"--width", "320", "--grace", tc.grace, "--events", "--report", rep, "--quiet")
			p.waitOutputs(out, 1)
			hangOnRead(t, hang)
			// All done but the stuck job: answered, not merely written (a
			// second signal aborts at once, cutting short any job whose
			// answer is still on its way).
			p.waitFileEvents(len(names))
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
	t.Parallel()
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, 4)
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
	// Every worker dies, so that every replacement runs the new binary:
	// no old worker can finish the run while the new ones fail (on a fast
	// machine it could).
	ws := p.workers()
	if len(ws) == 0 {
		t.Fatal("no worker to kill")
	}
	for _, w := range ws {
		if err := syscall.Kill(w, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
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
	if r.OK+r.Failed+r.NotStarted != len(names) || r.OK == len(names) {
		t.Errorf("report: %d ok + %d failed + %d not started for %d inputs", r.OK, r.Failed, r.NotStarted, len(names))
	}
	if r.Restarts < 5 {
		t.Errorf("report: %d restarts; the kills and the failed starts make at least 5", r.Restarts)
	}
	// A worker SIGKILLed just after renaming its output into place, before
	// its answer reached the primary, leaves a complete output that the
	// report does not count (the run gave up before a retry): at most one
	// per killed worker, each with one thread. Never a partial file.
	tr := scanOutput(t, out)
	if len(tr.files) < r.OK || len(tr.files) > r.OK+len(ws) || len(tr.temps) > 0 {
		t.Errorf("%d outputs for %d ok (%d workers killed); temps %v", len(tr.files), r.OK, len(ws), tr.temps)
	}
	checkDecodes(t, out, tr.files, 320)
	checkManifest(t, out)
	p.checkNoWorkers()
	logFigure(t, "storm", "gave up %v after the binary was replaced: %s", took.Round(100*time.Millisecond), lines[0])
}

// TestFaultPrimaryKilled: the primary SIGKILLed mid-run takes every worker
// with it at once (stdin EOF, PR_SET_PDEATHSIG; milliseconds on an idle
// machine, 411 ms at load 60, so the test allows 10 s, which only a worker
// left running reaches), and running the same
// command again finishes the work without redoing what was recorded done.
func TestFaultPrimaryKilled(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	names := copyPhotos(t, in, soakSize(8, 20))
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
	alive := waitGone(ws, 10*time.Second)
	gone := time.Since(killed)
	if len(alive) > 0 {
		t.Fatalf("workers %v still running 10s after their primary was SIGKILLed", alive)
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

// TestFaultHostileInput runs the committed hostile corpus (testdata/bad)
// together with inputs only a test can make (odd names, a directory named
// like an image, symlink loops, an unreadable file): every file gets what
// testdata/bad/EXPECTED says, every failure is one line naming its file,
// never a panic or a hang, every good file beside them is processed, exit 1,
// and the peak memory of the whole process tree stays bounded.
func TestFaultHostileInput(t *testing.T) {
	skipShort(t)
	t.Parallel()
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

// TestFaultStdinPaths: a path list on stdin naming files that do not exist
// (relative, absolute, CRLF line ends, blank lines, duplicates): each
// missing one fails with a one-line error naming it, the rest are done,
// exit 1. A file whose name starts with a dash works after "--".
func TestFaultStdinPaths(t *testing.T) {
	skipShort(t)
	t.Parallel()
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

// TestFaultOutputSafety: outputs stay inside --out whatever the paths say,
// and a full or read-only output directory is a per-file error that leaves
// no temp file and does not stop the run.
func TestFaultOutputSafety(t *testing.T) {
	skipShort(t)
	t.Parallel()
	photos := photoFiles(t)
	photo := mustRead(t, photos[0])

	t.Run("paths with .. and absolute paths from stdin", func(t *testing.T) {
		t.Parallel()
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
		t.Parallel()
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
		t.Parallel()
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
		t.Parallel()
		dir := t.TempDir()
		full := filepath.Join(dir, "out", "big")
		mountTmpfs(t, full, "size=256k")
		names := copyPhotos(t, filepath.Join(dir, "in", "big"), 1)
		copyPhotos(t, filepath.Join(dir, "in", "small"), 1)
		// 8 photos at 800 px (25-270 KB each, 970 KB in all) into 256 KiB:
		// most fail.
		p := startImgpar(t, startOpts{dir: dir}, "process", "in", "-o", "out",
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
		if r.OK+r.Failed != 2*len(names) {
			t.Errorf("report: %d ok + %d failed, want every file answered", r.OK, r.Failed)
		}
		checkNoTemps(t, filepath.Join(dir, "out"))
		checkDecodes(t, filepath.Join(dir, "out"), scanOutput(t, filepath.Join(dir, "out")).files, 0)
		p.checkNoWorkers()
		t.Logf("1 MiB tmpfs: %d written, %d failed with ENOSPC", okBig, full1)
	})

	t.Run("read-only output directory", func(t *testing.T) {
		t.Parallel()
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

// TestFaultKillDuringStart kills a running worker, then its replacements the
// moment they appear, before their handshake, three times in a row (under
// the restart-storm cap of five): the run recovers, every input is done
// once, and the report counts every kill as a restart.
func TestFaultKillDuringStart(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := copyPhotos(t, in, soakSize(8, 20))
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
