package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
	"github.com/imgpar/imgpar/engine/raster"
	"github.com/imgpar/imgpar/procs"
)

// processOptions are the flags of `imgpar process`.
type processOptions struct {
	out      string
	procs    int
	threads  int
	quiet    bool
	json     bool
	events   bool
	report   string
	progress string
	shard    string

	width, height int
	resize        string
	fit           string
	enlarge       bool
	filter        string
	format        string
	quality       int
	lossless      bool
	pngLevel      int
	background    string
	noRotate      bool
	strip         bool
	keepMetadata  bool
	colorspace    string
	maxPixels     int64

	name       string
	suffix     string
	onConflict string
	inPlace    bool
	force      bool
	dryRun     bool

	op     string
	rounds int

	jobTimeout time.Duration
	grace      time.Duration
	memLimit   string
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

Images (JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC/HEIF; the first frame
of an animation) are resized to fit --width/--height keeping their aspect
ratio (never enlarged) and written in their own format, except HEIC, which
imgpar reads but does not write: with --format same a HEIC input is written
as JPEG (docs/formats.md lists every variant). Files named
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
	f.IntVar(&o.quality, "quality", 80, "JPEG/WebP/AVIF quality, 1-100; when not given, each format's default as in sharp: 80 (JPEG, WebP), 50 (AVIF)")
	f.BoolVar(&o.lossless, "lossless", false, "lossless WebP")
	f.IntVar(&o.pngLevel, "png-level", -1, "PNG compression level 0-9 (-1: the encoder's default)")
	f.StringVar(&o.background, "background", "white", "colour that alpha is flattened over for formats without alpha (name or #rrggbb)")
	f.BoolVar(&o.noRotate, "no-rotate", false, "do not apply the EXIF orientation")
	f.BoolVar(&o.strip, "strip", false, "remove all metadata, including the ICC colour profile")
	f.BoolVar(&o.keepMetadata, "keep-metadata", false, "also keep EXIF (orientation reset to 1); by default only the ICC profile is kept")
	f.StringVar(&o.colorspace, "colorspace", "", "srgb: convert colour-managed input to sRGB and tag the output sRGB (default: keep the input's profile)")
	f.Int64Var(&o.maxPixels, "max-pixels", 268402689, "fail images whose header declares more pixels than this")
	f.StringVar(&o.name, "name", engine.DefaultName, "output path template under --out: {dir} {name} {ext} {width} {height}")
	f.StringVar(&o.suffix, "suffix", "", "add this to every output's base name (e.g. _thumb)")
	f.StringVar(&o.onConflict, "on-conflict", "error", "two inputs that would write one output: error, or suffix (make names unique)")
	f.BoolVar(&o.inPlace, "in-place", false, "allow outputs to replace their inputs (atomically, once complete)")
	f.BoolVar(&o.force, "force", false, "redo every file, even those whose outputs are up to date")
	f.BoolVarP(&o.dryRun, "dry-run", "n", false, "print what would be written (input -> output, size) and write nothing")
	f.StringVar(&o.op, "op", "heavy", "number files: double, square, heavy, stats")
	f.IntVar(&o.rounds, "rounds", 1000000, "number files: rounds of the heavy op")
	f.DurationVar(&o.jobTimeout, "job-timeout", 5*time.Minute, "kill a worker whose job runs longer than this and retry the job elsewhere (0: no limit)")
	f.StringVar(&o.memLimit, "mem-limit", "", "memory budget for the jobs in flight, e.g. 2GiB or 512MB (default: 96MiB per worker thread, at most 3/4 of available memory); a job bigger than the budget runs alone")
	f.DurationVar(&o.grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long in-flight jobs may still run")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress and no summary on stderr")
	f.BoolVar(&o.json, "json", false, "print the run report as one JSON object on stdout")
	f.StringVar(&o.report, "report", "", "also write the run report as JSON to this file")
	f.BoolVar(&o.events, "events", false, "print one JSON line per file on stdout as files finish")
	f.StringVar(&o.shard, "shard", "", "process only shard K of N (K/N) of the inputs, by a stable hash of each path; also read from JOB_COMPLETION_INDEX+IMGPAR_SHARDS (Kubernetes) or SLURM_ARRAY_TASK_ID+SLURM_ARRAY_TASK_COUNT")
	f.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, plain lines when CI is set, else none), bar, plain, none")
	return c
}

// workerSplit resolves --procs and --threads against the logical CPU count.
func workerSplit(procsN, threads int) (int, int) {
	cpus, err := cpu.Counts(true)
	if err != nil || cpus < 1 {
		cpus = 1
	}
	// Go sets GOMAXPROCS from the CPU affinity mask and cgroup CPU limits
	// (containers, Kubernetes, Slurm), which gopsutil's count of the
	// machine's CPUs does not see.
	cpus = min(cpus, runtime.GOMAXPROCS(0))
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
	spec, err := imageSpec(c, o)
	if err != nil {
		return 0, usageError{err}
	}
	op, err := numbers.ParseOp(o.op)
	if err != nil {
		return 0, usageError{fmt.Errorf("--op %q: want double, square, heavy or stats", o.op)}
	}
	if o.rounds < 1 {
		return 0, usageError{fmt.Errorf("--rounds %d: must be at least 1", o.rounds)}
	}
	if o.onConflict != "error" && o.onConflict != "suffix" {
		return 0, usageError{fmt.Errorf("--on-conflict %q: want error or suffix", o.onConflict)}
	}
	if _, err := engine.NameTemplate(o.name, o.suffix); err != nil {
		return 0, err // before the output directory is made
	}
	if !o.dryRun {
		if err := checkOutDir(o.out); err != nil {
			return 0, usageError{err}
		}
	}
	collected, err := engine.CollectInputs(args, c.InOrStdin(), o.out)
	if err != nil {
		return 0, err
	}
	shard, err := resolveShard(o.shard)
	if err != nil {
		return 0, err
	}
	nprocs, nthreads := workerSplit(o.procs, o.threads)
	var manifest *engine.Manifest
	if !o.force {
		manifest = engine.LoadManifest(o.out, shard.String())
	}
	plan, err := engine.BuildPlan(collected, engine.PlanOptions{
		OutDir:     o.out,
		Image:      spec,
		Numbers:    engine.NumbersSpec{Op: string(op), Rounds: o.rounds},
		Name:       o.name,
		Suffix:     o.suffix,
		OnConflict: o.onConflict,
		InPlace:    o.inPlace,
		Manifest:   manifest,
		SplitParts: nprocs,
		Shard:      shard,
	})
	if err != nil {
		return 0, err
	}
	if o.dryRun {
		return dryRun(stdout, plan), nil
	}
	if manifest == nil {
		manifest = engine.LoadManifest(o.out, shard.String())
	}
	// A run killed with its workers (SIGKILL, power loss) leaves their temp
	// files; the directories this run writes to are swept of them.
	swept := map[string]bool{o.out: true}
	engine.RemoveStaleTemps(o.out)
	for _, j := range plan.Jobs {
		if d := filepath.Dir(j.Output); !swept[d] {
			swept[d] = true
			engine.RemoveStaleTemps(d)
		}
	}
	if nprocs > len(plan.Jobs) && len(plan.Jobs) > 0 {
		nprocs = len(plan.Jobs) // more procs than files: start only what is useful
	}

	soft, hard, stop := twoStageSignals(c.Context(), func() {
		fmt.Fprintln(stderr, "imgpar: interrupted: finishing jobs in flight (press Ctrl-C again to abort)")
	})
	defer stop()

	budget, err := memBudget(o.memLimit, nprocs*nthreads)
	if err != nil {
		return 0, usageError{err}
	}
	prog := newProgress(o.progress, o.quiet, stderr, len(plan.Jobs))
	events := newEventWriter(stdout, o.events)
	events.planned(plan)
	popts := procs.Options{
		Procs:      nprocs,
		Threads:    nthreads,
		JobTimeout: o.jobTimeout,
		Grace:      o.grace,
		MemBudget:  budget,
		// Each worker's Go heap gets its share of the budget as a soft
		// limit, so the collector works harder before the machine swaps.
		Env: []string{procs.MemLimitEnv(budget, nprocs)},
		OnEvent: func(e procs.Event) {
			switch e.Kind {
			case procs.EventJobDone:
				prog.done(e)
				events.file(e.Job, e.Result)
				if e.Result.OK && !isPart(e.Job) {
					if err := manifest.Record(e.Job, o.out, e.Result); err != nil {
						prog.warn(fmt.Sprintf("imgpar: manifest: %v", err))
					}
				}
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
	view, outcomes := collapseParts(plan, outcomes)
	for i := len(view.Jobs) - len(plan.Groups); i < len(view.Jobs) && len(plan.Groups) > 0; i++ {
		if outcomes[i].Result.OK {
			_ = manifest.Record(&view.Jobs[i], o.out, outcomes[i].Result)
		}
	}
	if err := manifest.Save(); err != nil {
		fmt.Fprintf(stderr, "imgpar: %v\n", err)
	}
	report := procs.BuildReport(view, outcomes, stats, plan.UpToDate, time.Since(start), popts)
	report.Shard = shard.String()
	if o.json {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(report); err != nil {
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

func imageSpec(c *cobra.Command, o *processOptions) (engine.ImageSpec, error) {
	s := engine.ImageSpec{
		Width:        o.width,
		Height:       o.height,
		Fit:          o.fit,
		Enlarge:      o.enlarge,
		Filter:       o.filter,
		Format:       o.format,
		Quality:      o.quality,
		Lossless:     o.lossless,
		PNGLevel:     o.pngLevel,
		Background:   o.background,
		NoRotate:     o.noRotate,
		Strip:        o.strip,
		KeepMetadata: o.keepMetadata,
		MaxPixels:    o.maxPixels,
	}
	if !c.Flags().Changed("quality") {
		s.Quality = 0 // each format's own default, as sharp's: JPEG and WebP 80, AVIF 50
	}
	fs := c.Flags()
	sizeSet := fs.Changed("width") || fs.Changed("height")
	if o.resize != "" && sizeSet {
		// Two spellings of one thing: the command line beats the
		// environment; both from the same source is a mistake.
		sizeCLI := setOnCommandLine(fs, "width") || setOnCommandLine(fs, "height")
		resizeCLI := setOnCommandLine(fs, "resize")
		switch {
		case resizeCLI && !sizeCLI:
			s.Width, s.Height = 0, 0
		case sizeCLI && !resizeCLI:
			o.resize = ""
		default:
			return s, fmt.Errorf("--resize and --width/--height are two spellings of one thing: give one")
		}
	}
	if o.resize != "" {
		g, err := imgfmt.ParseResize(o.resize)
		if err != nil {
			return s, fmt.Errorf("--resize %q: %v", o.resize, err)
		}
		s.Width, s.Height, s.Percent, s.Fit, s.OnlyShrink = g.Width, g.Height, g.Percent, g.Fit.String(), g.OnlyShrink
		s.Enlarge = s.Enlarge || g.Enlarge
	}
	if s.Format != "same" {
		if _, err := imgfmt.ParseFormat(s.Format); err != nil {
			return s, fmt.Errorf("--format %q: want same, jpeg, png, gif, bmp, tiff, webp or avif", s.Format)
		}
	}
	if _, err := raster.ParseFilter(s.Filter); err != nil {
		return s, fmt.Errorf("--filter %q: want lanczos, catmullrom, linear, box or nearest", s.Filter)
	}
	if _, err := engine.ParseColor(s.Background); err != nil {
		return s, err
	}
	if _, err := s.Geometry(); err != nil {
		return s, err
	}
	s.Colorspace = strings.ToLower(o.colorspace)
	if err := engine.CheckColorspace(s.Colorspace); err != nil {
		return s, fmt.Errorf("--%v", err)
	}
	return s, nil
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

// collapseParts assembles split number files and returns the plan and
// outcomes with one entry per input file.
func collapseParts(plan *engine.Plan, outcomes []procs.Outcome) (*engine.Plan, []procs.Outcome) {
	if len(plan.Groups) == 0 {
		return plan, outcomes
	}
	results := make([]engine.Result, len(outcomes))
	for i, oc := range outcomes {
		results[i] = oc.Result
	}
	jobs, results := plan.Collapse(results)
	view := *plan
	view.Jobs = jobs
	out := make([]procs.Outcome, len(results))
	for i, r := range results {
		out[i] = procs.Outcome{Result: r}
	}
	return &view, out
}

func isPart(j *engine.Job) bool { return j.Numbers != nil && j.Numbers.Part }

// dryRun prints what a run would write and returns the exit code.
func dryRun(w io.Writer, plan *engine.Plan) int {
	for i, j := range plan.Jobs {
		if isPart(&j) {
			continue
		}
		if j.Kind == engine.KindImage {
			fmt.Fprintf(w, "%s -> %s (%dx%d %s)\n", j.Input, j.Output, plan.Dims[i][0], plan.Dims[i][1], j.Image.Format)
			continue
		}
		fmt.Fprintf(w, "%s -> %s (%s of numbers, %s)\n", j.Input, j.Output, procs.FormatBytes(plan.Sizes[i]), j.Numbers.Op)
	}
	for _, g := range plan.Groups {
		fmt.Fprintf(w, "%s -> %s (%s, in %d parts)\n", g.Input, g.Output, procs.FormatBytes(g.Size), len(g.Jobs))
	}
	for _, f := range plan.Failures {
		fmt.Fprintf(w, "would fail: %s\n", f.Error)
	}
	if plan.UpToDate > 0 {
		fmt.Fprintf(w, "%d up to date\n", plan.UpToDate)
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

// memBudget parses --mem-limit, or is procs.DefaultMemBudget.
func memBudget(s string, threads int) (int64, error) {
	if s != "" {
		n, err := parseBytes(s)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--mem-limit %q: want a size such as 512MiB or 2GB", s)
		}
		return n, nil
	}
	return procs.DefaultMemBudget(threads), nil
}

func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(f * float64(mult)), nil
}
