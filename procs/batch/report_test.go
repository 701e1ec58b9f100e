package batch

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

func TestBuildReport(t *testing.T) {
	plan := &engine.Plan{
		Jobs: []engine.Job{
			{Input: "b.jpg"}, {Input: "a.png"}, {Input: "d.gif"}, {Input: "c.jpg"}, {Input: "e.jpg"},
		},
		Failures: []engine.Failure{{Path: "bb.jpg", Error: "bb.jpg: permission denied"}},
		Skipped:  []engine.Skip{{Path: "notes.txt", Reason: "not an image"}, {Path: "x.doc", Reason: "not an image"}},
	}
	plan.UpToDate = 4
	results := []engine.Result{
		{OK: true, BytesIn: 1000, BytesOut: 300},
		{Error: &engine.JobError{Code: engine.CodeDecode, Message: "a.png: not a PNG:\nbad\r\nheader"}},
		{OK: true, BytesIn: 2000, BytesOut: 500, Count: 7},
		engine.Fail(engine.CodePoison, "c.jpg: gave up after 3 worker crashes"),
		{}, // failed without a reason
	}
	var files []File
	for i, r := range results {
		files = append(files, File{Job: plan.Jobs[i], Result: r})
	}
	st := procs.Stats{Restarts: 3, Elapsed: 500 * time.Millisecond, Workers: []procs.WorkerStats{{PID: 10, Jobs: 4, Restarts: 3, PeakRSSBytes: 1 << 20}}}
	r := BuildReport(plan, files, st, 2*time.Second, 2, 3)

	want := map[string]int{
		"Total": 2 + 4 + 4 + 2, "OK": 2, "Failed": 4, "Skipped": 6,
		"SkippedUpToDate": 4, "SkippedUnsupported": 2, "Restarts": 3, "Procs": 2, "Threads": 3,
	}
	got := map[string]int{
		"Total": r.Total, "OK": r.OK, "Failed": r.Failed, "Skipped": r.Skipped,
		"SkippedUpToDate": r.SkippedUpToDate, "SkippedUnsupported": r.SkippedUnsupported,
		"Restarts": r.Restarts, "Procs": r.Procs, "Threads": r.Threads,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d, want %d", k, got[k], w)
		}
	}
	if r.BytesIn != 3000 || r.BytesOut != 800 || r.Numbers != 7 {
		t.Errorf("bytes in/out, numbers = %d/%d/%d, want 3000/800/7", r.BytesIn, r.BytesOut, r.Numbers)
	}
	// (2 ok + 4 failed) over the 2 s run, and over the 0.5 s of processing.
	if r.DurationMs != 2000 || r.ProcessingMs != 500 || r.RunFilesPerSec != 3 || r.ProcessingFilesPerSec != 12 {
		t.Errorf("duration %d ms, processing %d ms, %.2f files/s over the run, %.2f processing; want 2000, 500, 3, 12",
			r.DurationMs, r.ProcessingMs, r.RunFilesPerSec, r.ProcessingFilesPerSec)
	}
	var paths []string
	for _, f := range r.Failures {
		paths = append(paths, f.Path)
		if strings.ContainsAny(f.Error, "\r\n") {
			t.Errorf("failure for %s is not one line: %q", f.Path, f.Error)
		}
		if !strings.Contains(f.Error, f.Path) {
			t.Errorf("failure %q does not name %s", f.Error, f.Path)
		}
	}
	if strings.Join(paths, " ") != "a.png bb.jpg c.jpg e.jpg" {
		t.Errorf("failures in order %v, want sorted by path", paths)
	}
	if len(r.Workers) != 1 || r.Workers[0].PID != 10 {
		t.Errorf("workers = %+v", r.Workers)
	}
}

func TestBuildReportEmpty(t *testing.T) {
	r := BuildReport(&engine.Plan{}, nil, procs.Stats{Interrupted: true}, 0, 0, 0)
	if r.Total != 0 || r.RunFilesPerSec != 0 || r.ProcessingFilesPerSec != 0 || !r.Interrupted || r.Procs != 1 || r.Threads != 1 {
		t.Errorf("report = %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	// Lists are [] in JSON, never null, so that scripts can iterate them.
	for _, k := range []string{`"failures":[]`, `"workers":[]`, `"interrupted":true`} {
		if !bytes.Contains(b, []byte(k)) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	r := &Report{Total: 5, OK: 3, Failed: 1, Skipped: 1, SkippedUpToDate: 1, Restarts: 2, Procs: 2, Threads: 2,
		DurationMs: 1500, ProcessingMs: 500, RunFilesPerSec: 2.7, ProcessingFilesPerSec: 8, BytesIn: 3 << 20, BytesOut: 512 << 10, Interrupted: true,
		Failures: []engine.Failure{{Path: "x.jpg", Error: "x.jpg: not a JPEG"}}}
	var b bytes.Buffer
	r.WriteSummary(&b)
	out := b.String()
	for _, s := range []string{"interrupted: 3 ok, 1 failed, 1 skipped (1 up to date) of 5 in 1.50s (2.7 files/s over the run, 8.0 files/s processing)", "3.0 MiB in -> 512.0 KiB out",
		"2 procs x 2 threads, 2 worker restarts", "failed: x.jpg: not a JPEG"} {
		if !strings.Contains(out, s) {
			t.Errorf("summary lacks %q:\n%s", s, out)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{5 << 20, "5.0 MiB"}, {3 << 30, "3.0 GiB"}, {1 << 40, "1.0 TiB"},
	}
	for _, tc := range tests {
		if got := FormatBytes(tc.n); got != tc.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestMergeReports(t *testing.T) {
	a := &Report{Total: 3, OK: 2, Failed: 1, Restarts: 1, DurationMs: 1000, ProcessingMs: 700, BytesIn: 10, Procs: 2, Threads: 2, Shard: "2/2",
		Failures: []engine.Failure{{Path: "z.jpg", Error: "z.jpg: bad"}}, Workers: []procs.WorkerStats{{PID: 1}}}
	b := &Report{Total: 5, OK: 4, Skipped: 1, SkippedUpToDate: 1, DurationMs: 3000, ProcessingMs: 2000, BytesIn: 5, Procs: 1, Threads: 4, Shard: "1/2",
		Interrupted: true, Failures: []engine.Failure{{Path: "a.jpg", Error: "a.jpg: bad"}}, Workers: []procs.WorkerStats{{PID: 2}}}
	m := MergeReports([]*Report{a, b})
	if m.Total != 8 || m.OK != 6 || m.Failed != 1 || m.Skipped != 1 || m.SkippedUpToDate != 1 || m.Restarts != 1 || m.BytesIn != 15 {
		t.Errorf("counts: %+v", m)
	}
	if m.DurationMs != 3000 || m.ProcessingMs != 2000 || m.RunFilesPerSec != 7.0/3 || m.ProcessingFilesPerSec != 3.5 || m.Procs != 3 || m.Threads != 4 || !m.Interrupted {
		t.Errorf("run figures: %+v", m)
	}
	if m.Shard != "1/2,2/2" || len(m.Workers) != 2 || len(m.Failures) != 2 || m.Failures[0].Path != "a.jpg" {
		t.Errorf("shards %q, workers %v, failures %v", m.Shard, m.Workers, m.Failures)
	}
	if e := MergeReports(nil); e.Failures == nil || e.Workers == nil || e.Total != 0 {
		t.Errorf("empty merge: %+v", e)
	}
}
