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
	// DefaultMaxPixels.
	MaxPixels int64
	// MemBudget bounds the memory of the whole server tree: the jobs
	// running at once get what the idle processes leave of it
	// (jobBudget; procs.Options.MemBudget), and a request whose job alone
	// needs more is refused. Default procs.DefaultMemBudget. Each worker
	// also gets its share as GOMEMLIMIT.
	MemBudget int64
	// MaxNumbers bounds the numbers of a POST /process (413 beyond);
	// default DefaultMaxNumbers.
	MaxNumbers int
	// MaxWork bounds heavy's worst-case exact rounds per request
	// (numbers.HeavyWorstRounds; 422 beyond); default DefaultMaxWork, < 0
	// for no bound.
	MaxWork float64
	// MaxConns bounds the open connections (503 beyond); default
	// DefaultMaxConns.
	MaxConns int
	// AllowHosts are Host names answered besides the bound address ("*":
	// any); AllowOrigins the browser origins ("*": any).
	AllowHosts, AllowOrigins []string
	// Token, if set, is the bearer token every request but GET /healthz
	// must carry.
	Token string
	// AccessLog, if set, gets one line per request.
	AccessLog io.Writer
	// TempDir is where the upload directory goes; default os.TempDir().
	TempDir string
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
	// DefaultMaxPixels is serve's limit on input pixels: 4096x4096, as
	// imgproxy's 16.8 MP. Decoded as 8-bit RGBA such an image is 64 MiB,
	// which leaves room within one worker thread's share of the default
	// budget (procs.PerThreadBudget, 96 MiB) for the resize and a JPEG,
	// PNG or WebP encode at the default width; 16 MP phone and 4K x 4K
	// images pass, 20-24 MP camera originals are refused unless the
	// operator raises it (and the budget).
	DefaultMaxPixels = 4096 * 4096
	// DefaultMaxNumbers bounds a POST /process: 100,000 numbers are 0.8 MB
	// as doubles and at most ~3 MB of JSON, so that the 64 requests the
	// queue may hold cost the server little.
	DefaultMaxNumbers = 100_000
	// DefaultMaxWork bounds heavy's exact iteration per request: 1e10
	// rounds, at ~1.5 ns each at most ~15 s of one thread (measured
	// typical values escape much sooner: 1,000 negative fractions at 1e8
	// rounds take 0.3 s).
	DefaultMaxWork = 1e10
	// DefaultMaxConns bounds the open connections.
	DefaultMaxConns = 256
	// processOverhead is the resident size of an idle imgpar process of
	// the server tree, taken off the budget before jobs get it: measured
	// 35 MiB for a primary and one worker, and a worker that has loaded
	// the WebAssembly codecs holds some 20 MiB more.
	processOverhead = 32 << 20
	// cancelGrace is how long a worker may run a canceled job before it
	// is killed and replaced (an AVIF or WebP encode, in WebAssembly,
	// cannot be interrupted).
	cancelGrace = time.Second
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
		o.MaxPixels = DefaultMaxPixels
	}
	if o.MemBudget <= 0 {
		o.MemBudget = procs.DefaultMemBudget(o.Procs * o.Threads)
	}
	if o.MaxNumbers <= 0 {
		o.MaxNumbers = DefaultMaxNumbers
	}
	if o.MaxWork == 0 {
		o.MaxWork = DefaultMaxWork
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
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

// ErrBudget is a memory budget too small for the server's own processes
// (a setup error).
var ErrBudget = errors.New("memory budget too small")

// jobBudget is the memory the jobs running at once may have: the budget,
// less the idle size of the primary and the workers.
func jobBudget(o Options) int64 { return o.MemBudget - int64(o.Procs+1)*processOverhead }

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
	jobs := jobBudget(o)
	if jobs <= 0 {
		return fmt.Errorf("%w: %d MiB, and the %d processes of the server need %d MiB idle (--mem-limit)", ErrBudget, o.MemBudget>>20, o.Procs+1, int64(o.Procs+1)*processOverhead>>20)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("%w on %s: %v", ErrListen, o.Addr, err)
	}
	defer ln.Close()
	tmp, stale, err := makeUploadDir(o.TempDir)
	if err != nil {
		return fmt.Errorf("temporary directory for uploads: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, d := range stale {
		fmt.Fprintf(o.Stderr, "imgpar: removed %s, left by a server that is gone\n", d)
	}

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
		MemBudget:   jobs,
		CancelGrace: cancelGrace,
		// Canceled jobs are abandoned by their request; a worker still
		// busy with one long after is stuck, and replaced.
		JobTimeout: o.RequestTimeout + 30*time.Second,
		Command:    o.Command,
		Env:        append([]string{procs.MemLimitEnv(o.MemBudget, o.Procs)}, o.Env...),
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
	s.hosts = newHostGuard(ln.Addr(), o.AllowHosts)
	limited := &connLimit{Listener: ln, max: int64(o.MaxConns)}
	s.conns = limited
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
	go func() { served <- srv.Serve(limited) }()

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
	hosts   hostGuard
	conns   *connLimit

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

// ServeHTTP checks who is asking (Host, Origin, token), routes the
// request, makes sure it is answered, and records it in the metrics and
// the access log.
func (s *server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inFlight.Add(1)
	defer s.metrics.inFlight.Add(-1)
	w := &recorder{ResponseWriter: rw}
	rid := requestID(r)
	w.Header().Set("X-Request-ID", rid)
	method, h := s.route(r.URL.Path)
	label := r.URL.Path
	if h == nil {
		label = "other"
	}
	var status int
	switch {
	case !s.hosts.allowed(r.Host):
		status = writeError(w, http.StatusMisdirectedRequest, "Host %q is not this server's (add it with --allow-host)", r.Host)
	case !originAllowed(r.Header.Get("Origin"), r.Host, s.opts.AllowOrigins):
		status = writeError(w, http.StatusForbidden, "requests from the web page at %q are not allowed (add its origin with --allow-origin)", r.Header.Get("Origin"))
	case r.URL.Path != "/healthz" && !tokenOK(r, s.opts.Token):
		w.Header().Set("WWW-Authenticate", `Bearer realm="imgpar"`)
		status = writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer ...)")
	case h == nil:
		status = writeError(w, http.StatusNotFound, "no such route %s (try POST /process, POST /upload, GET /healthz, GET /metrics)", r.URL.Path)
	case r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead):
		w.Header().Set("Allow", method)
		status = writeError(w, http.StatusMethodNotAllowed, "%s wants %s, not %s", r.URL.Path, method, r.Method)
	default:
		status = h(w, r)
	}
	status = s.ensureAnswered(w, r, status)
	d := time.Since(start)
	s.metrics.observe(label, status, d)
	if s.opts.AccessLog != nil {
		fmt.Fprintf(s.opts.AccessLog, "%s %s %s %q %d %d %.3fs\n", start.UTC().Format(time.RFC3339), rid, r.Method, r.URL.RequestURI(), status, w.bytes, d.Seconds())
	}
}

// ensureAnswered writes an answer for a handler that returned without one,
// so that net/http does not send an empty 200, which a client takes for
// success: 499 for a request whose client left (written in case it did
// not), otherwise a 500 and a line in the log, as it is a bug.
func (s *server) ensureAnswered(w *recorder, r *http.Request, status int) int {
	if w.wrote {
		return status
	}
	if status == statusClientClosed {
		return writeError(w, statusClientClosed, "request canceled before its answer")
	}
	s.logf(w, "%s %s ended without an answer (status %d); answered 500", r.Method, r.URL.Path, status)
	return writeError(w, http.StatusInternalServerError, "internal error: no answer")
}
