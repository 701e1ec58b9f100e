//go:build linux

package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Image sets under SIGKILL (issue 15). A set job writes several renditions,
// each atomically (temp file, rename); its answer, which the manifest
// records, comes once all are written. So a worker killed mid-set leaves
// whole renditions and temp files only, its job is requeued and writes the
// whole set again, and a run killed outright leaves the set unrecorded, to
// be made whole by the next run: no partial rendition, and no rendition
// written but uncounted once a run finishes.

// setArgs make 3 widths x 2 formats = 6 renditions per photo (every test
// photo is at least 640 wide, so none is skipped). PNG and JPEG are the Go
// encoders: no WebAssembly start-up in a test that waits for writes.
var setArgs = []string{"--widths", "120,240,480", "--format", "jpeg,png", "--procs", "1", "--threads", "1"}

const setRenditions = 6

// setInputs copies n photos, each into a directory of its own, so that the
// directory of the temp file a worker has open names the job it writes.
func setInputs(t *testing.T, in string, n int) []string {
	t.Helper()
	var names []string
	for _, src := range photoFiles(t)[:n] {
		dir := filepath.Join(in, strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(mustRead(t, src))(t, filepath.Join(dir, filepath.Base(src)))
		names = append(names, filepath.Join(filepath.Base(dir), filepath.Base(src)))
	}
	return names
}

// midSet waits until a worker writes a rendition of a job that already has
// one in place (a set half made) and returns that worker and job directory;
// skip lists jobs not to pick. It gives up when the run ends.
func midSet(p *faultProc, out string, skip map[string]bool) (int, string) {
	for !p.exited() {
		for w, tmp := range p.writing() {
			dir := filepath.Dir(tmp)
			job := filepath.Base(dir)
			if skip[job] {
				continue
			}
			if done, _ := filepath.Glob(filepath.Join(dir, job+"-*")); len(done) > 0 {
				return w, job
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, ""
}

// setReport is the part of the report about sets.
type setReport struct {
	report
	Renditions         int `json:"renditions"`
	RenditionsUpToDate int `json:"renditions_up_to_date"`
}

func readSetReport(t *testing.T, path string) setReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	var r setReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return r
}

// checkWholeSets: every input has all its renditions, each a complete
// image, no temp file is left, and the manifest lists every rendition.
func checkWholeSets(t *testing.T, out string, names []string) {
	t.Helper()
	tr := scanOutput(t, out)
	if len(tr.temps) > 0 {
		t.Errorf("temp files left: %v", tr.temps)
	}
	if len(tr.files) != len(names)*setRenditions {
		t.Errorf("%d renditions for %d inputs, want %d: %v", len(tr.files), len(names), len(names)*setRenditions, tr.files)
	}
	checkDecodes(t, out, tr.files, 0)
	if m := checkManifest(t, out); m != len(names)*setRenditions {
		t.Errorf("manifest has %d entries, want %d", m, len(names)*setRenditions)
	}
}

// TestFaultKillWorkerMidSet SIGKILLs the worker while it writes a set whose
// first renditions are already in place, twice (two jobs): the run still
// ends with every set whole, each rendition complete and recorded, the
// killed jobs' sets made again in full and counted.
func TestFaultKillWorkerMidSet(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := setInputs(t, in, 4)
	args := append([]string{"process", in, "-o", out, "--events", "--report", rep, "--quiet"}, setArgs...)
	p := startImgpar(t, startOpts{dir: dir}, args...)
	killedJobs := map[string]bool{}
	for len(killedJobs) < 2 {
		w, job := midSet(p, out, killedJobs)
		if w == 0 {
			break
		}
		if err := syscall.Kill(w, syscall.SIGKILL); err == nil {
			killedJobs[job] = true // never its retry: three deaths make a job poison
			t.Logf("killed worker %d mid-set in %s", w, job)
		}
	}
	p.waitCode(0)
	if len(killedJobs) < 2 {
		t.Fatalf("only %d kills landed mid-set before the run ended; want 2", len(killedJobs))
	}
	r := readSetReport(t, rep)
	if r.OK != len(names) || r.Failed != 0 || r.Restarts != len(killedJobs) {
		t.Errorf("report: %d ok, %d failed, %d restarts; want %d ok, %d restarts", r.OK, r.Failed, r.Restarts, len(names), len(killedJobs))
	}
	if r.Renditions != len(names)*setRenditions {
		t.Errorf("report counts %d renditions, want %d", r.Renditions, len(names)*setRenditions)
	}
	evs := eventsByPath(t, parseEvents(t, p.stdout.Bytes()))
	for _, n := range names {
		if e := evs[filepath.Join(in, n)]; e.Status != "ok" {
			t.Errorf("%s: %q %s", n, e.Status, e.Error)
		}
	}
	checkWholeSets(t, out, names)
	p.checkNoWorkers()
}

// TestFaultKillRunMidSet SIGKILLs the whole run (primary and worker) while a
// set is half made: what it leaves is whole renditions and temp files, and
// the next run sweeps the temps and makes every set whole and recorded,
// remaking the half set it did not record.
func TestFaultKillRunMidSet(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	in, out, rep := filepath.Join(dir, "in"), filepath.Join(dir, "out"), filepath.Join(dir, "report.json")
	names := setInputs(t, in, 3)
	args := append([]string{"process", in, "-o", out, "--quiet"}, setArgs...)
	p := startImgpar(t, startOpts{dir: dir}, args...)
	w, job := midSet(p, out, nil)
	if w == 0 {
		t.Fatal("the run ended before a set was seen half made")
	}
	workers := p.workers()
	p.signal(syscall.SIGKILL)
	for _, k := range workers {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	if code := p.wait(runLimit); code != -1 {
		t.Fatalf("exit code %d after SIGKILL", code)
	}
	if left := waitGone(workers, 10*time.Second); len(left) > 0 {
		t.Fatalf("workers %v outlived the kill", left)
	}
	tr := scanOutput(t, out)
	checkDecodes(t, out, tr.files, 0) // whole renditions only; temps may be left
	half, _ := filepath.Glob(filepath.Join(out, job, job+"-*"))
	t.Logf("killed mid-set in %s with %d of its renditions in place, %d in all, %d temps", job, len(half), len(tr.files), len(tr.temps))

	args = append([]string{"process", in, "-o", out, "--report", rep, "--quiet"}, setArgs...)
	p2 := startImgpar(t, startOpts{dir: dir}, args...)
	p2.waitCode(0)
	r := readSetReport(t, rep)
	if r.Renditions+r.RenditionsUpToDate != len(names)*setRenditions {
		t.Errorf("re-run: %d renditions made + %d up to date, want %d", r.Renditions, r.RenditionsUpToDate, len(names)*setRenditions)
	}
	if r.Renditions < len(half) {
		t.Errorf("re-run made %d renditions; the half set alone had %d unrecorded", r.Renditions, len(half))
	}
	checkWholeSets(t, out, names)
}
