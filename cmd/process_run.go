package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/numbers"
	"github.com/imgpar/imgpar/procs/batch"
)

// processSettings are the checked values of process's flags.
type processSettings struct {
	spec             engine.ImageSpec
	numbers          engine.NumbersSpec
	memLimit         int64
	nprocs, nthreads int
}

// checkProcessFlags turns the flags into settings, or a usage error,
// before anything is created.
func checkProcessFlags(c *cobra.Command, o *processOptions) (processSettings, error) {
	var s processSettings
	var err error
	if s.spec, err = imageSpec(c.Flags(), o); err != nil {
		return s, err
	}
	op, err := numbers.ParseOp(o.op)
	if err != nil {
		return s, usageError{fmt.Errorf("--op %q: want double, square, heavy or stats", o.op)}
	}
	if o.rounds < 1 {
		return s, usageError{fmt.Errorf("--rounds %d: must be at least 1", o.rounds)}
	}
	s.numbers = engine.NumbersSpec{Op: string(op), Rounds: o.rounds}
	if o.onConflict != "error" && o.onConflict != "suffix" {
		return s, usageError{fmt.Errorf("--on-conflict %q: want error or suffix", o.onConflict)}
	}
	if s.memLimit, err = memLimitFlag(o.memLimit); err != nil {
		return s, err
	}
	if s.nprocs, s.nthreads, err = batch.WorkerSplit(o.procs, o.threads); err != nil {
		return s, optionError(err)
	}
	if s.spec.IsSet() && !c.Flags().Changed("name") {
		o.name = engine.DefaultSetName
	}
	if _, err := engine.NameTemplate(o.name, o.suffix); err != nil {
		return s, optionError(err)
	}
	if o.srcset != "" && !s.spec.IsSet() {
		return s, usageError{fmt.Errorf("--srcset %q: indexes a set; give --widths, --heights, or a list in --resize or --format", o.srcset)}
	}
	return s, nil
}

func runProcess(c *cobra.Command, o *processOptions, args []string) (int, error) {
	stderr, stdout := c.ErrOrStderr(), c.OutOrStdout()
	start := time.Now()
	// The primary's heap is mostly long-lived (the inputs, the plan, the
	// manifest: ~600 bytes per input) with little garbage, so collecting at
	// 50% growth instead of Go's 100% cuts its peak by about a fifth on a
	// large library (docs/scaling.md) for little CPU. GOGC set by the user
	// wins; the workers are not affected.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	set, err := checkProcessFlags(c, o)
	if err != nil {
		return 0, err
	}
	shard, err := resolveShard(o.shard)
	if err != nil {
		return 0, optionError(err)
	}
	// Loaded before the walk, which does not take the outputs it records.
	manifest := engine.LoadManifest(o.out, shard.String())
	collected, err := engine.CollectInputs(args, c.InOrStdin(), engine.CollectOptions{
		OutDir:  o.out,
		Numbers: c.Flags().Changed("op"), // on the command line or as IMGPAR_OP
		NullSep: o.null,
		Own:     manifest.Wrote,
	})
	if err != nil {
		return 0, err
	}
	popts := engine.PlanOptions{
		OutDir:     o.out,
		Image:      set.spec,
		Numbers:    set.numbers,
		Name:       o.name,
		Suffix:     o.suffix,
		OnConflict: o.onConflict,
		InPlace:    o.inPlace,
		Manifest:   manifest,
		SplitParts: set.nprocs,
		Shard:      shard,
	}
	if o.force {
		popts.Manifest = nil // redo everything; the manifest still records
	}
	plan, err := batch.Plan(collected, popts)
	if err != nil {
		return 0, optionError(err)
	}
	// An empty run (nothing to do, fail or find up to date) creates
	// nothing: no output directory, no manifest.
	empty := plan.Found == 0
	if empty {
		warnEmpty(stderr, args, plan)
		manifest = nil
	}
	if o.dryRun {
		if o.json {
			return dryRunJSON(stdout, plan, emptyCode(empty, o.failOnEmpty)), nil
		}
		return max(dryRun(stdout, plan), emptyCode(empty, o.failOnEmpty)), nil
	}
	// A re-run with nothing to do does not probe the output directory
	// with a temp file: it leaves the directory as it found it, mtime and
	// all.
	if !empty && (len(plan.Jobs) > 0 || !isDir(o.out)) {
		if err := checkOutDir(o.out); err != nil {
			return 0, usageError{err}
		}
	}

	prog := newProgress(o.progress, o.quiet, stderr, len(plan.Jobs))
	soft, hard, stop := twoStageSignals(c.Context(), prog.interrupted)
	defer stop()
	events := newEventWriter(stdout, o.events)
	events.planned(plan)
	report, runErr := batch.Run(soft, hard, plan, batch.Options{
		Start:      start,
		OutDir:     o.out,
		Procs:      set.nprocs,
		Threads:    set.nthreads,
		JobTimeout: o.jobTimeout,
		Grace:      o.grace,
		MemLimit:   set.memLimit,
		Manifest:   manifest,
		OnProgress: prog.event,
		OnFile:     events.file,
		Warn:       prog.warn,
		Srcset:     o.srcset,
		Shard:      shard.String(),
	})
	prog.finish()
	return renderReport(stdout, stderr, o, report, runErr, emptyCode(empty, o.failOnEmpty))
}

// renderReport prints the report as asked (--json, --report, the summary)
// and returns the exit code (okCode when nothing failed).
func renderReport(stdout, stderr io.Writer, o *processOptions, report *batch.Report, runErr error, okCode int) (int, error) {
	if o.json {
		if err := json.NewEncoder(stdout).Encode(report); err != nil {
			return 0, err
		}
	}
	if o.report != "" {
		if _, err := engine.WriteAtomic(o.report, func(w io.Writer) error { return json.NewEncoder(w).Encode(report) }); err != nil {
			fmt.Fprintf(stderr, "imgpar: --report %s: %v\n", o.report, unwrapPath(err))
		}
	}
	if !o.quiet {
		report.WriteSummary(stderr)
	} else if runErr == nil {
		// A red CI step names its files (a run error below says why
		// the whole run stopped instead).
		report.WriteFailures(stderr)
	}
	switch {
	case runErr != nil:
		fmt.Fprintf(stderr, "imgpar: %v\n", runErr)
		return ExitUsage, nil
	case report.Interrupted:
		return ExitInterrupted, nil
	case report.Failed > 0:
		return ExitFailed, nil
	}
	return okCode, nil
}

// dryRun prints what a run would write and returns the exit code.
func dryRun(out io.Writer, plan *engine.Plan) int {
	w := bufio.NewWriter(out) // a line per input: one write per 4 KiB, not per line
	defer w.Flush()
	for i, j := range plan.Jobs {
		if j.IsPart() {
			continue
		}
		for _, r := range j.Renditions {
			fmt.Fprintf(w, "%s -> %s (%dx%d %s)\n", j.Input, r.Output, r.Width, r.Height, r.Format)
		}
		if len(j.Renditions) > 0 {
			continue
		}
		if j.Kind == engine.KindImage {
			fmt.Fprintf(w, "%s -> %s (%dx%d %s)\n", j.Input, j.Output, plan.Dims[i][0], plan.Dims[i][1], j.Image.Format)
			continue
		}
		fmt.Fprintf(w, "%s -> %s (%s of numbers, %s)\n", j.Input, j.Output, batch.FormatBytes(plan.Sizes[i]), j.Numbers.Op)
	}
	for _, g := range plan.Groups {
		fmt.Fprintf(w, "%s -> %s (%s, in %d parts)\n", g.Input, g.Output, batch.FormatBytes(g.Size), len(g.Jobs))
	}
	for _, f := range plan.Failures {
		fmt.Fprintf(w, "would fail: %s\n", f.Error)
	}
	for _, s := range plan.Sets {
		if s.Skipped != "" {
			fmt.Fprintf(w, "sizes skipped: %s: %s\n", s.Input, s.Skipped)
		}
	}
	if plan.UpToDate > 0 {
		fmt.Fprintf(w, "%d up to date\n", plan.UpToDate)
	}
	if plan.RenditionsUpToDate > 0 {
		fmt.Fprintf(w, "%d renditions up to date\n", plan.RenditionsUpToDate)
	}
	if len(plan.Failures) > 0 {
		return ExitFailed
	}
	return ExitOK
}

func resolveShard(flag string) (engine.Shard, error) {
	if flag != "" {
		return engine.ParseShard(flag)
	}
	return engine.ShardFromEnv(os.Getenv)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// checkOutDir makes the output directory and proves it writable.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory %s: %v", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, engine.TempPrefix+"probe-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %v", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
