package cmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
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
	null     bool
	// failOnEmpty: a run that finds nothing to work on exits ExitEmpty.
	failOnEmpty bool

	width, height int
	widths        []int
	heights       []int
	srcset        string
	resize        string
	fit           string
	enlarge       bool
	filter        string
	format        string
	quality       int
	lossless      bool
	progressive   bool
	trellis       bool
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
to read paths from stdin, one per line, or NUL-separated with -0) and write
the results under --out, mirroring each input's path relative to the PATH it
was found under.

Images (JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC/HEIF; the first frame
of an animation) are resized to fit --width/--height keeping their aspect
ratio (never enlarged) and written in their own format, except HEIC, which
imgpar reads but does not write: with --format same a HEIC input is written
as JPEG (docs/formats.md lists every variant). Files named
like an image that do not decode as one fail; files neither named nor shaped
like a supported input are skipped.

A folder walk takes images only; number files (.json, .ndjson, .csv, .tsv,
.txt) too when --op (or IMGPAR_OP) is given. Sidecars (.xmp, .aae, Takeout's
IMG_0001.jpg.json), system files (.DS_Store, Thumbs.db, desktop.ini, ._*) and
imgpar's own files (.imgpar-*) are skipped, and so are the output directory
and earlier outputs (directories holding an imgpar manifest) unless named as
a PATH. A file named as a PATH is taken by its kind.

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
	f.IntVar(&o.procs, "procs", 0, "worker processes (0: choose from the logical CPU count and --threads)")
	f.IntVar(&o.threads, "threads", 0, "goroutines per worker (0: choose from the logical CPU count and --procs)")
	f.IntVar(&o.width, "width", engine.DefaultWidth, "output width in pixels (0: unconstrained)")
	f.IntVar(&o.height, "height", 0, "output height in pixels (0: unconstrained)")
	f.IntSliceVar(&o.widths, "widths", nil, "make a responsive set: one rendition per width, e.g. 320,640,1280 (sizes larger than an image are skipped unless --enlarge)")
	f.IntSliceVar(&o.heights, "heights", nil, "make a set with one rendition per height, as --widths")
	f.StringVar(&o.fit, "fit", engine.DefaultFit, "how to fit --width x --height: inside, cover, fill")
	f.StringVar(&o.resize, "resize", "", "geometry as ImageMagick/vipsthumbnail take it: 800x, x600, 800x600, 800x600^, 800x600!, 50%, 800x600>; a comma-separated list makes a set")
	f.BoolVar(&o.enlarge, "enlarge", false, "allow upscaling images smaller than the target")
	f.StringVar(&o.filter, "filter", engine.DefaultFilter, "resampling filter: lanczos, catmullrom, linear, box, nearest")
	f.StringVar(&o.format, "format", "same", "output format: same (each input's own, keeping its extension as spelled), jpeg, png, gif, bmp, tiff, webp, avif (any case; jpg, jpe, tif too); a comma-separated list (webp,jpeg) makes a set, one rendition per format")
	f.IntVar(&o.quality, "quality", 80, "JPEG/WebP/AVIF quality, 1-100; when not given, each format's default as in sharp: 80 (JPEG, WebP), 50 (AVIF)")
	f.BoolVar(&o.lossless, "lossless", false, "lossless WebP")
	f.BoolVar(&o.progressive, "progressive", false, "progressive JPEG")
	f.BoolVar(&o.trellis, "trellis", false, "JPEG: also try trellis quantisation, kept only where smaller than the default file with PSNR not lower; rarely wins, 3-4x the encode time (docs/guide.md)")
	f.IntVar(&o.pngLevel, "png-level", engine.DefaultPNGLevel, "PNG compression level 0-9 (-1: the encoder's default)")
	f.StringVar(&o.background, "background", engine.DefaultBackground, "colour that alpha is flattened over for formats without alpha (name or #rrggbb)")
	f.BoolVar(&o.noRotate, "no-rotate", false, "do not apply the EXIF orientation")
	f.BoolVar(&o.strip, "strip", false, "remove all metadata, including the ICC colour profile")
	f.BoolVar(&o.keepMetadata, "keep-metadata", false, "also keep EXIF (orientation reset to 1) and an sRGB ICC profile; by default only a non-sRGB ICC profile is kept")
	f.StringVar(&o.colorspace, "colorspace", "", "srgb: convert colour-managed input to sRGB and tag the output sRGB (default: keep the input's profile unless it is sRGB)")
	f.Int64Var(&o.maxPixels, "max-pixels", imgfmt.DefaultMaxPixels, "fail images whose header declares more pixels than this")
	f.StringVar(&o.name, "name", engine.DefaultName, "output path template under --out: {dir} {name} {ext} {format} {width} {height} (for a set the default is "+engine.DefaultSetName+")")
	f.StringVar(&o.suffix, "suffix", "", "add this to every output's base name (e.g. _thumb)")
	f.StringVar(&o.onConflict, "on-conflict", "error", "two inputs that would write one output: error, or suffix (make names unique)")
	f.BoolVar(&o.inPlace, "in-place", false, "allow outputs to replace their inputs (atomically, once complete)")
	f.StringVar(&o.srcset, "srcset", "", "with a set: write a JSON index of every input's renditions (path, format, width, height, bytes) to this file, for srcset/<picture> markup; a shard writes FILE.shard-K-of-N.ext, joined by imgpar report merge-srcset")
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
	f.BoolVarP(&o.null, "null", "0", false, "paths on stdin (PATH -) are separated by NUL bytes, as find -print0 and xargs -0 write them")
	f.BoolVar(&o.failOnEmpty, "fail-on-empty", false, "exit 3 when the PATHs hold nothing to process (nothing processed, failed or up to date)")
	registerProcessCompletions(c)
	return c
}

// imageSpec maps the image flags onto the options every front end fills
// in, and lets the engine apply the defaults and check them.
func imageSpec(fs *pflag.FlagSet, o *processOptions) (engine.ImageSpec, error) {
	opts := engine.ImageOptions{
		Resize:       o.resize,
		Fit:          o.fit,
		Enlarge:      o.enlarge,
		Filter:       o.filter,
		Format:       o.format,
		Lossless:     o.lossless,
		Progressive:  o.progressive,
		Trellis:      o.trellis,
		PNGLevel:     &o.pngLevel,
		Background:   o.background,
		NoRotate:     o.noRotate,
		Strip:        o.strip,
		KeepMetadata: o.keepMetadata,
		MaxPixels:    &o.maxPixels,
		Colorspace:   o.colorspace,
	}
	if fs.Changed("width") {
		opts.Width = &o.width
	}
	if fs.Changed("height") {
		opts.Height = &o.height
	}
	if fs.Changed("widths") {
		opts.Widths = o.widths
		if opts.Widths == nil {
			opts.Widths = []int{}
		}
	}
	if fs.Changed("heights") {
		opts.Heights = o.heights
		if opts.Heights == nil {
			opts.Heights = []int{}
		}
	}
	if fs.Changed("quality") {
		opts.Quality = &o.quality
	}
	if o.resize != "" && (opts.Width != nil || opts.Height != nil) {
		// Two spellings of one thing: the command line beats the
		// environment; both from the same source is a mistake.
		sizeCLI := setOnCommandLine(fs, "width") || setOnCommandLine(fs, "height")
		resizeCLI := setOnCommandLine(fs, "resize")
		switch {
		case resizeCLI && !sizeCLI:
			opts.Width, opts.Height = nil, nil
		case sizeCLI && !resizeCLI:
			opts.Resize = ""
		}
	}
	spec, err := engine.NewImageSpec(opts)
	return spec, optionError(err)
}
