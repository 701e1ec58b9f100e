// Package httpapi is imgpar's HTTP API (imgpar serve): the seed's
// POST /process and POST /upload routes, answered by the same worker
// processes as imgpar process, through a procs.Pool. Each request becomes
// one engine job: numbers travel inline in the job, an upload is written to
// a file in a private temporary directory and converted by a worker like
// any input file. docs/serve.md describes the API.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/procs"
)

// Options configure the server.
type Options struct {
	Addr    string // listen address; default 127.0.0.1:3000
	Procs   int    // worker processes
	Threads int    // goroutines per worker
	// MaxUpload bounds a request body in bytes; default 32 MiB.
	MaxUpload int64
	// MaxPixels rejects images whose header declares more pixels; default
	// imgfmt.DefaultMaxPixels.
	MaxPixels int64
	// Queue bounds the jobs waiting for a worker; beyond it requests get
	// 503. Default 64.
	Queue int
	// RequestTimeout bounds a request from its start to its answer (504
	// past it); default 60 s.
	RequestTimeout time.Duration
	// Grace is how long requests in flight may still run after a shutdown
	// begins; default 30 s.
	Grace time.Duration
	// Stderr receives the "serving on" line and the server's messages.
	Stderr io.Writer
	// Command starts a worker (tests); default procs.SelfCommand.
	Command procs.CommandFunc
	// Env is added to each worker's environment.
	Env []string
}

// Defaults.
const (
	DefaultAddr           = "127.0.0.1:3000"
	DefaultMaxUpload      = 32 << 20
	DefaultQueue          = 64
	DefaultRequestTimeout = 60 * time.Second
	DefaultGrace          = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	o.Procs = max(o.Procs, 1)
	o.Threads = max(o.Threads, 1)
	if o.MaxUpload <= 0 {
		o.MaxUpload = DefaultMaxUpload
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = imgfmt.DefaultMaxPixels
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Grace < 0 {
		o.Grace = 0
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// ErrListen wraps a failure to listen on the address (a setup error).
var ErrListen = errors.New("cannot listen")

// Run serves the API until ctx ends (SIGTERM/SIGINT): it then stops
// accepting connections, lets requests in flight finish within Grace,
// stops the workers and returns nil. Ending hard as well cuts the grace
// short. Run returns an error when it cannot listen (wrapping ErrListen)
// or when the workers keep failing to start (procs.ErrRestartStorm).
func Run(ctx, hard context.Context, o Options) error {
	o = o.withDefaults()
	if hard == nil {
		hard = context.Background()
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("%w on %s: %v", ErrListen, o.Addr, err)
	}
	defer ln.Close()
	tmp, err := os.MkdirTemp("", "imgpar-serve-*") // mode 0700
	if err != nil {
		return fmt.Errorf("temporary directory for uploads: %w", err)
	}
	defer os.RemoveAll(tmp)

	pool, err := procs.Start(context.Background(), procs.Options{
		Procs:   o.Procs,
		Threads: o.Threads,
		// No jobs wait inside a worker: they wait in the primary's queue,
		// where a canceled request costs nothing and any worker that
		// frees up takes the oldest.
		Credit: o.Threads,
		// A worker that dies under a request: retried once elsewhere.
		MaxAttempts: 2,
		MaxQueue:    o.Queue,
		// Canceled jobs are abandoned by their request; a worker still
		// busy with one long after is stuck, and replaced.
		JobTimeout: o.RequestTimeout + 30*time.Second,
		Command:    o.Command,
		Env:        o.Env,
		OnEvent: func(e procs.Event) {
			if e.Kind == procs.EventWorkerDied {
				fmt.Fprintf(o.Stderr, "imgpar: %s; restarting it\n", e.Detail)
			}
		},
	})
	if err != nil {
		return err
	}
	s := newServer(pool, o, tmp)
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       o.RequestTimeout,
		WriteTimeout:      o.RequestTimeout + 10*time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          log.New(o.Stderr, "imgpar: http: ", 0),
	}
	fmt.Fprintf(o.Stderr, "imgpar: serving on http://%s (%d workers x %d threads)\n", ln.Addr(), o.Procs, o.Threads)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var runErr error
	select {
	case <-ctx.Done():
	case <-hard.Done():
	case <-pool.Done():
		runErr = fmt.Errorf("workers failed: %w", pool.Err())
	case err := <-served:
		runErr = err
	}
	s.shuttingDown.Store(true)
	fmt.Fprintf(o.Stderr, "imgpar: shutting down: %d requests in flight, %s grace\n", s.metrics.inFlight.Load(), o.Grace)
	graceCtx, cancel := context.WithTimeout(hard, o.Grace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		// Grace is over: the jobs still running are killed, their
		// requests answered 503, and then every connection closed.
		fmt.Fprintf(o.Stderr, "imgpar: grace over: stopping %d requests still in flight\n", s.metrics.inFlight.Load())
		_, _ = pool.Close(0)
		last, cancelLast := context.WithTimeout(context.Background(), time.Second)
		defer cancelLast()
		if srv.Shutdown(last) != nil {
			_ = srv.Close()
		}
	}
	// No request waits on the pool any more; jobs of requests whose
	// clients left may still run on a worker: they get what is left of
	// the grace.
	left := time.Until(deadlineOf(graceCtx))
	st, err := pool.Close(max(left, 0))
	if runErr == nil && err != nil {
		runErr = err
	}
	fmt.Fprintf(o.Stderr, "imgpar: stopped (%d worker restarts)\n", st.Restarts)
	return runErr
}

func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// server answers the API's requests with a worker pool.
type server struct {
	pool    *procs.Pool
	opts    Options
	tmp     string // private directory for uploads and their outputs
	seq     atomic.Uint64
	metrics *metrics

	shuttingDown atomic.Bool
}

func newServer(pool *procs.Pool, o Options, tmp string) *server {
	return &server{pool: pool, opts: o, tmp: tmp, metrics: newMetrics()}
}

// routes: path -> method -> handler.
func (s *server) route(path string) (string, func(http.ResponseWriter, *http.Request) int) {
	switch path {
	case "/process":
		return http.MethodPost, s.process
	case "/upload":
		return http.MethodPost, s.upload
	case "/healthz":
		return http.MethodGet, s.healthz
	case "/metrics":
		return http.MethodGet, s.serveMetrics
	}
	return "", nil
}

// ServeHTTP routes a request and records it in the metrics.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inFlight.Add(1)
	defer s.metrics.inFlight.Add(-1)
	method, h := s.route(r.URL.Path)
	label := r.URL.Path
	var status int
	switch {
	case h == nil:
		label = "other"
		status = writeError(w, http.StatusNotFound, "no such route %s (try POST /process, POST /upload, GET /healthz, GET /metrics)", r.URL.Path)
	case r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead):
		w.Header().Set("Allow", method)
		status = writeError(w, http.StatusMethodNotAllowed, "%s wants %s, not %s", r.URL.Path, method, r.Method)
	default:
		status = h(w, r)
	}
	s.metrics.observe(label, status, time.Since(start))
}
