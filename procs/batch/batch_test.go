package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// TestMain lets the test binary act as a worker: Run starts workers with
// procs.SelfCommand, which re-executes this binary with the worker
// subcommand, and they run the real engine.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == procs.WorkerCommand {
		os.Exit(procs.WorkerMain(context.Background(), nil))
	}
	os.Exit(m.Run())
}

// inputs makes a folder with two photos and a number file large enough to
// be split into parts.
func inputs(t *testing.T) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"boats-lake-landscape-420.jpg", "cups-portrait-420.jpg"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "photos", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var nums bytes.Buffer
	for i := 0; nums.Len() < 3<<20/2; i++ {
		fmt.Fprintf(&nums, "%d.%d\n", i%977-400, i%13)
	}
	if err := os.WriteFile(filepath.Join(in, "big.txt"), nums.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

func plan(t *testing.T, in, out string, parts int, m *engine.Manifest) *engine.Plan {
	t.Helper()
	c, err := engine.CollectInputs([]string{in}, nil, engine.CollectOptions{OutDir: out, Numbers: true})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := engine.NewImageSpec(engine.ImageOptions{Width: new(200)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Plan(c, engine.PlanOptions{OutDir: out, Image: spec, Numbers: engine.NumbersSpec{Op: "heavy", Rounds: 3},
		SplitParts: parts, Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every input file is answered once through OnFile and recorded in the
// manifest there: a split number file too, as soon as its parts are
// assembled (no ordering contract with the plan), and its output is the
// one an unsplit run writes.
func TestRunRecordsEveryFile(t *testing.T) {
	in := inputs(t)
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// Temp files of a dead writer are swept; those of a live one (this
	// process) are left alone.
	dead := filepath.Join(out, engine.TempPrefix+"999999999-x.jpg")
	live := filepath.Join(out, engine.TempPrefix+strconv.Itoa(os.Getpid())+"-y.jpg")
	for _, f := range []string{dead, live} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	m := engine.LoadManifest(out, "")
	p := plan(t, in, out, 2, m)
	if len(p.Groups) != 1 || len(p.Groups[0].Jobs) != 2 || len(p.Jobs) != 4 {
		t.Fatalf("plan: %d jobs, groups %+v; want 2 images and a file in 2 parts", len(p.Jobs), p.Groups)
	}
	var mu sync.Mutex
	var files []File
	var progress int
	r, err := Run(context.Background(), context.Background(), p, Options{OutDir: out, Procs: 2, Threads: 1, Manifest: m,
		OnProgress: func(e procs.Event) {
			if e.Kind == procs.EventJobDone {
				progress++
			}
		},
		OnFile: func(f File) {
			mu.Lock()
			defer mu.Unlock()
			files = append(files, f)
			// Recorded before it is reported: the journal names it already.
			if j, _ := os.ReadFile(filepath.Join(out, ".imgpar-manifest.journal")); f.Result.OK && !bytes.Contains(j, []byte(filepath.Base(f.Job.Output))) {
				t.Errorf("%s reported before the manifest recorded it", f.Job.Output)
			}
		},
		Warn: func(s string) { t.Errorf("warning: %s", s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 3 || r.Failed != 0 || r.Numbers == 0 || progress != 4 {
		t.Fatalf("report %+v, %d job events; want 3 files ok from 4 jobs", r, progress)
	}
	var names []string
	for _, f := range files {
		if f.Job.IsPart() {
			t.Errorf("a part reached OnFile: %s", f.Job.Output)
		}
		names = append(names, filepath.Base(f.Job.Output))
	}
	if len(files) != 3 || !strings.Contains(strings.Join(names, " "), "big.json") {
		t.Fatalf("OnFile got %v, want each input once, big.json included", names)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead writer's temp file survived the sweep")
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live writer's temp file was swept: %v", err)
	}
	os.Remove(live)
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), engine.TempPrefix) {
			t.Errorf("left behind: %s", e.Name())
		}
	}

	// The assembled file is byte for byte what one job over the whole
	// file writes.
	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := Run(context.Background(), context.Background(), plan(t, in, whole, 0, nil), Options{OutDir: whole, Procs: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	split, _ := os.ReadFile(filepath.Join(out, "big.json"))
	one, _ := os.ReadFile(filepath.Join(whole, "big.json"))
	if len(one) == 0 || !bytes.Equal(split, one) {
		t.Errorf("split output (%d bytes) differs from the unsplit one (%d bytes)", len(split), len(one))
	}

	// The saved manifest knows all three: the next plan has nothing to do.
	again := plan(t, in, out, 2, engine.LoadManifest(out, ""))
	if len(again.Jobs) != 0 || again.UpToDate != 3 {
		t.Errorf("second plan: %d jobs, %d up to date; want 0 and 3", len(again.Jobs), again.UpToDate)
	}
}

func TestWorkerSplit(t *testing.T) {
	for _, tc := range []struct{ procs, threads int }{{-1, 0}, {0, -2}, {-3, -3}} {
		_, _, err := WorkerSplit(tc.procs, tc.threads)
		var oe *engine.OptionError
		if err == nil || !errors.As(err, &oe) {
			t.Errorf("WorkerSplit(%d, %d): %v, want an OptionError", tc.procs, tc.threads, err)
		}
	}
	for _, tc := range []struct{ procs, threads, wantP, wantT int }{{3, 2, 3, 2}, {1, 1, 1, 1}} {
		p, th, err := WorkerSplit(tc.procs, tc.threads)
		if err != nil || p != tc.wantP || th != tc.wantT {
			t.Errorf("WorkerSplit(%d, %d) = %d, %d, %v", tc.procs, tc.threads, p, th, err)
		}
	}
	if p, th, err := WorkerSplit(0, 0); err != nil || p < 1 || th < 1 {
		t.Errorf("WorkerSplit(0, 0) = %d, %d, %v", p, th, err)
	}
	if got := defaultSplitTable(); got != "1x1 1x2 1x2 2x2 4x2" {
		t.Errorf("default splits for 1, 2, 3, 4, 8 CPUs: %s", got)
	}
}

func defaultSplitTable() string {
	var s []string
	for _, cpus := range []int{1, 2, 3, 4, 8} {
		p, t := defaultSplit(cpus)
		s = append(s, fmt.Sprintf("%dx%d", p, t))
	}
	return strings.Join(s, " ")
}
