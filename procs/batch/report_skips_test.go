package batch

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// TestReportSkipsAndNotStarted: skips are counted by reason and the
// directories not read are listed; jobs an interrupt never started are
// neither ok nor failed; the summary says so in plain words and grammar.
func TestReportSkipsAndNotStarted(t *testing.T) {
	plan := &engine.Plan{
		Jobs: []engine.Job{{Input: "a.jpg"}, {Input: "b.jpg"}, {Input: "c.jpg"}},
		Skipped: []engine.Skip{
			{Path: "a.xmp", Reason: engine.ReasonSidecar}, {Path: "a.jpg.json", Reason: engine.ReasonSidecar},
			{Path: ".DS_Store", Reason: engine.ReasonSystemFile},
		},
		SkippedDirs: []engine.Skip{{Path: "processed", Reason: engine.ReasonOutputDir}},
	}
	files := []File{
		{Job: plan.Jobs[0], Result: engine.Result{OK: true, BytesIn: 10, BytesOut: 5}},
		{Job: plan.Jobs[1], Result: engine.FailFile(engine.CodeNotStarted, "b.jpg", "interrupted before it started")},
		{Job: plan.Jobs[2], Result: engine.FailFile(engine.CodeCanceled, "c.jpg", "interrupted before it finished")},
	}
	r := BuildReport(plan, files, procs.Stats{Interrupted: true}, time.Second, 1, 1)
	if r.OK != 1 || r.Failed != 1 || r.NotStarted != 1 || r.Skipped != 3 || r.Total != 6 {
		t.Errorf("ok %d failed %d not started %d skipped %d total %d; want 1 1 1 3 6", r.OK, r.Failed, r.NotStarted, r.Skipped, r.Total)
	}
	if r.SkippedReasons[engine.ReasonSidecar] != 2 || r.SkippedReasons[engine.ReasonSystemFile] != 1 || len(r.SkippedReasons) != 2 {
		t.Errorf("skipped_reasons %v", r.SkippedReasons)
	}
	if len(r.Failures) != 1 || r.Failures[0].Path != "c.jpg" {
		t.Errorf("failures %v: want c.jpg only", r.Failures)
	}
	var b bytes.Buffer
	r.WriteSummary(&b)
	for _, want := range []string{
		"imgpar: interrupted: 1 ok, 1 failed, 1 not started, 3 skipped of 6",
		"1 proc x 1 thread, 0 worker restarts\n",
		"        skipped: 2 sidecar, 1 system file\n",
		"        not read: processed: the output directory\n",
		"  failed: c.jpg: interrupted before it finished\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	r.WriteFailures(&b)
	if b.String() != "imgpar: failed: c.jpg: interrupted before it finished\n" {
		t.Errorf("failure lines %q", b.String())
	}

	b.Reset()
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"imgpar: interrupted, 1 ok, 1 failed, 1 not started, 3 skipped\n", "| not started (interrupted) | 1 |\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := r.WriteCounts(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nnot-started=1\n") {
		t.Errorf("counts lack not-started=1:\n%s", b.String())
	}

	m := MergeReports([]*Report{r, r})
	if m.NotStarted != 2 || m.SkippedReasons[engine.ReasonSidecar] != 4 || len(m.SkippedDirs) != 2 {
		t.Errorf("merged: not started %d, reasons %v, dirs %v", m.NotStarted, m.SkippedReasons, m.SkippedDirs)
	}
}
