package cmd

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/procs/batch"
	"github.com/imgpar/imgpar/procs/httpapi"
)

// serveOptions are the flags of `imgpar serve`.
type serveOptions struct {
	addr           string
	procs          int
	threads        int
	maxUpload      string
	maxPixels      int64
	queue          int
	requestTimeout time.Duration
	grace          time.Duration
	safe           serveLimits
}

func newServeCmd() *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the number and image jobs over HTTP with worker processes",
		Long: `Serve an HTTP API on --addr, answered by --procs worker processes of
--threads goroutines each (the workers of imgpar process):

    POST /process   {"numbers":[...], "op":"heavy", "rounds":1000000}
                    -> {"result":[...]}, as imgpar process computes it
    POST /upload    an image (multipart field "image", or an image/* body)
                    -> the image resized (query: width=800, height, fit,
                    format=jpeg, quality; as imgpar process's flags)
    GET  /healthz   200 once workers are up, 503 before
    GET  /metrics   Prometheus text format

Errors are JSON {"error": "..."}. A worker that dies under a request is
replaced and the request retried once on another worker. SIGINT/SIGTERM stop
accepting connections, let requests in flight finish within --grace, stop
the workers and exit 0. docs/serve.md has the details and curl examples,
and its "Running it safely" lists every limit (memory budget, pixels,
numbers, heavy's work, connections) and the Host, Origin and token checks.

Environment:

    IMGPAR_<FLAG>            sets --<flag> (dashes as underscores) when the flag
                             is not given, e.g. IMGPAR_ADDR=127.0.0.1:8080`,
		Example: `  imgpar serve
  imgpar serve --addr 127.0.0.1:8080 --procs 2 --threads 2
  curl -F image=@photo.jpg -o small.jpg http://127.0.0.1:3000/upload`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := envDefaults(c.Flags()); err != nil {
				return err
			}
			return runServe(c, o)
		},
	}
	f := c.Flags()
	f.SortFlags = false
	f.StringVar(&o.addr, "addr", httpapi.DefaultAddr, "listen address; loopback by default, e.g. 0.0.0.0:3000 for every interface")
	f.IntVar(&o.procs, "procs", 0, "worker processes (0: choose from the logical CPU count and --threads)")
	f.IntVar(&o.threads, "threads", 0, "goroutines per worker (0: choose from the logical CPU count and --procs)")
	f.StringVar(&o.maxUpload, "max-upload", "32MiB", "largest request body accepted (413 beyond)")
	f.Int64Var(&o.maxPixels, "max-pixels", httpapi.DefaultMaxPixels, "reject images whose header declares more pixels than this (422)")
	f.IntVar(&o.queue, "queue", httpapi.DefaultQueue, "jobs that may wait for a worker; requests beyond get 503 with Retry-After")
	f.DurationVar(&o.requestTimeout, "request-timeout", httpapi.DefaultRequestTimeout, "answer 504 to a request not done within this")
	f.DurationVar(&o.grace, "grace", httpapi.DefaultGrace, "on SIGINT/SIGTERM, how long requests in flight may still run")
	o.safe.flags(f)
	return c
}

func runServe(c *cobra.Command, o *serveOptions) error {
	stderr := c.ErrOrStderr()
	maxUpload, err := parseBytes(o.maxUpload)
	if err != nil || maxUpload <= 0 {
		return usageError{fmt.Errorf("--max-upload %q: want a size such as 32MiB or 10MB", o.maxUpload)}
	}
	switch {
	case o.maxPixels <= 0:
		return usageError{fmt.Errorf("--max-pixels %d: must be more than 0", o.maxPixels)}
	case o.queue <= 0:
		return usageError{fmt.Errorf("--queue %d: must be more than 0", o.queue)}
	case o.requestTimeout <= 0:
		return usageError{fmt.Errorf("--request-timeout %s: must be more than 0", o.requestTimeout)}
	case o.grace < 0:
		return usageError{fmt.Errorf("--grace %s: must not be negative", o.grace)}
	}
	nprocs, nthreads, err := batch.WorkerSplit(o.procs, o.threads)
	if err != nil {
		return optionError(err)
	}
	safe, err := o.safe.options(nprocs * nthreads)
	if err != nil {
		return usageError{err}
	}

	// First signal: graceful shutdown; a second one cuts the grace short.
	soft, hard, stop := twoStageSignals(c.Context(), nil)
	defer stop()

	err = httpapi.Run(soft, hard, safe.apply(httpapi.Options{
		Addr:           o.addr,
		Procs:          nprocs,
		Threads:        nthreads,
		MaxUpload:      maxUpload,
		MaxPixels:      o.maxPixels,
		Queue:          o.queue,
		RequestTimeout: o.requestTimeout,
		Grace:          o.grace,
		Stderr:         stderr,
	}, stderr))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, httpapi.ErrListen):
		return err // exit 2, a setup error: the usage text would not help
	case errors.Is(err, httpapi.ErrBudget):
		return usageError{err}
	default:
		fmt.Fprintf(stderr, "imgpar: %v\n", firstLine(err.Error()))
		return exitError{ExitFailed}
	}
}
