package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// processOptions are the flags of `imgpar process`.
type processOptions struct {
	out      string
	procs    int
	threads  int
	quiet    bool
	json     bool
	progress string

	width, height int
	resize        string
	fit           string
	enlarge       bool
	filter        string
	format        string
	quality       int
	maxPixels     int64

	op     string
	rounds int

	jobTimeout time.Duration
	grace      time.Duration
}

func newProcessCmd() *cobra.Command {
	o := &processOptions{}
	c := &cobra.Command{
		Use:   "process [flags] PATH...",
		Short: "Process image and number files with worker processes",
		Long: `Process every supported file under each PATH (a file, a directory walked
recursively in lexical order without following symlinked directories, or "-"
to read paths from stdin, one per line) and write the results under --out,
mirroring each input's path relative to the PATH it was found under.

Images (JPEG, PNG, GIF) are resized to fit --width/--height keeping their
aspect ratio (never enlarged) and written in their own format. Files named
like an image that do not decode as one fail; files neither named nor shaped
like a supported input are skipped.

Workers: --procs N processes x --threads M goroutines each (every worker sets
GOMAXPROCS to M). By default procs x threads equals the logical CPU count, so
the machine is used fully and never oversubscribed; give one of the two and
the other is derived from it.

` + exitCodesHelp,
		Example: `  imgpar process ./photos -o ./processed
  imgpar process ./photos --procs 4 --threads 2 --width 1200 --quality 85
  find . -name '*.jpg' | imgpar process - -o thumbs --json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("process needs at least one PATH (a file, a directory, or - for stdin)")}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := envDefaults(c.Flags()); err != nil {
				return err
			}
			code, err := runProcess(c, o, args)
			if err != nil {
				return err
			}
			if code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringVarP(&o.out, "out", "o", "processed", "output directory")
	f.IntVar(&o.procs, "procs", 0, "worker processes (default: logical CPUs / threads)")
	f.IntVar(&o.threads, "threads", 0, "goroutines per worker (default: logical CPUs / procs)")
	f.IntVar(&o.width, "width", 800, "output width in pixels (0: unconstrained)")
	f.IntVar(&o.height, "height", 0, "output height in pixels (0: unconstrained)")
	f.StringVar(&o.fit, "fit", "inside", "how to fit --width x --height: inside, cover, fill")
	f.StringVar(&o.resize, "resize", "", "geometry as ImageMagick/vipsthumbnail take it: 800x, x600, 800x600, 800x600^, 800x600!, 50%, 800x600>")
	f.BoolVar(&o.enlarge, "enlarge", false, "allow upscaling images smaller than the target")
	f.StringVar(&o.filter, "filter", "lanczos", "resampling filter: lanczos, catmullrom, linear, box, nearest")
	f.StringVar(&o.format, "format", "same", "output format: same, jpeg, png, gif, bmp, tiff, webp, avif")
	f.IntVar(&o.quality, "quality", 80, "JPEG/WebP/AVIF quality, 1-100")
	f.Int64Var(&o.maxPixels, "max-pixels", 268402689, "fail images whose header declares more pixels than this")
	f.StringVar(&o.op, "op", "heavy", "number files: double, square, heavy, stats")
	f.IntVar(&o.rounds, "rounds", 1000000, "number files: rounds of the heavy op")
	f.DurationVar(&o.jobTimeout, "job-timeout", 5*time.Minute, "kill a worker whose job runs longer than this and retry the job elsewhere (0: no limit)")
	f.DurationVar(&o.grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long in-flight jobs may still run")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress and no summary on stderr")
	f.BoolVar(&o.json, "json", false, "print the run report as one JSON object on stdout")
	f.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, plain lines when CI is set, else none), bar, plain, none")
	return c
}

// workerSplit resolves --procs and --threads against the logical CPU count.
func workerSplit(procsN, threads int) (int, int) {
	cpus, err := cpu.Counts(true)
	if err != nil || cpus < 1 {
		cpus = 1
	}
	switch {
	case procsN > 0 && threads > 0:
	case procsN > 0:
		threads = max(1, cpus/procsN)
	case threads > 0:
		procsN = max(1, cpus/threads)
	default:
		procsN, threads = defaultSplit(cpus)
	}
	return procsN, threads
}

// defaultSplit: one process per two cores, two threads each (processes cost
// memory, threads share it), and one process on a single core.
func defaultSplit(cpus int) (int, int) {
	if cpus < 2 {
		return 1, 1
	}
	return cpus / 2, 2
}

func runProcess(c *cobra.Command, o *processOptions, args []string) (int, error) {
	stderr := c.ErrOrStderr()
	stdout := c.OutOrStdout()
	start := time.Now()
	if o.quality < 1 || o.quality > 100 {
		return 0, usageError{fmt.Errorf("--quality %d: must be 1-100", o.quality)}
	}
	spec, err := imageSpec(o)
	if err != nil {
		return 0, usageError{err}
	}
	if err := checkOutDir(o.out); err != nil {
		return 0, usageError{err}
	}
	collected, err := engine.CollectInputs(args, c.InOrStdin(), o.out)
	if err != nil {
		return 0, err
	}
	plan, err := engine.BuildPlan(collected, engine.PlanOptions{
		OutDir:  o.out,
		Image:   spec,
		Numbers: engine.NumbersSpec{Op: o.op, Rounds: o.rounds},
	})
	if err != nil {
		return 0, err
	}
	nprocs, nthreads := workerSplit(o.procs, o.threads)
	if nprocs > len(plan.Jobs) && len(plan.Jobs) > 0 {
		nprocs = len(plan.Jobs) // more procs than files: start only what is useful
	}

	soft, cancelSoft := context.WithCancel(c.Context())
	defer cancelSoft()
	hard, cancelHard := context.WithCancel(context.Background())
	defer cancelHard()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "imgpar: interrupted: finishing jobs in flight (press Ctrl-C again to abort)")
				cancelSoft()
			} else {
				cancelHard()
			}
		}
	}()

	prog := newProgress(o.progress, o.quiet, stderr, len(plan.Jobs))
	popts := procs.Options{
		Procs:      nprocs,
		Threads:    nthreads,
		JobTimeout: o.jobTimeout,
		Grace:      o.grace,
		OnEvent: func(e procs.Event) {
			switch e.Kind {
			case procs.EventJobDone:
				prog.done(e)
			case procs.EventWorkerDied:
				prog.warn(fmt.Sprintf("imgpar: %s; restarting it", e.Detail))
			}
		},
	}
	var outcomes []procs.Outcome
	var stats procs.Stats
	var runErr error
	if len(plan.Jobs) > 0 {
		outcomes, stats, runErr = procs.Run(soft, hard, plan.Jobs, popts)
	}
	prog.finish()
	report := procs.BuildReport(plan, outcomes, stats, 0, time.Since(start), popts)
	if o.json {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(report); err != nil {
			return 0, err
		}
	}
	if !o.quiet {
		report.WriteSummary(stderr)
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
	return ExitOK, nil
}

func imageSpec(o *processOptions) (engine.ImageSpec, error) {
	return engine.ImageSpec{
		Width:     o.width,
		Height:    o.height,
		Fit:       o.fit,
		Enlarge:   o.enlarge,
		Filter:    o.filter,
		Format:    o.format,
		Quality:   o.quality,
		MaxPixels: o.maxPixels,
	}, nil
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
