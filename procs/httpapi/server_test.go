package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine/imgfmt"
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

// syncBuffer is a concurrency-safe stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var urlRE = regexp.MustCompile(`serving on (http://\S+)`)

// TestRunInProcess runs the server in this process (the race detector sees
// the handlers, the metrics and the pool together), with real workers:
// concurrent requests on both routes, the metrics text, then a shutdown.
func TestRunInProcess(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, nil, Options{Addr: "127.0.0.1:0", Procs: 2, Threads: 1, Queue: 100, Stderr: &stderr})
	}()
	var url string
	deadline := time.Now().Add(30 * time.Second)
	for url == "" || !healthy(url) {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	photo, err := os.ReadFile(filepath.Join("..", "..", "testdata", "photos", "moss-landscape-444.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Go(func() {
			resp, err := http.Post(url+"/process", "application/json", strings.NewReader(fmt.Sprintf(`{"numbers":[%d,0.5],"op":"double"}`, i)))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := fmt.Sprintf("{\"result\":[%d,1]}\n", 2*i); resp.StatusCode != 200 || string(b) != want {
				errs <- fmt.Errorf("process %d: %d %q, want %q", i, resp.StatusCode, b, want)
			}
		})
		wg.Go(func() {
			resp, err := http.Post(fmt.Sprintf("%s/upload?width=%d", url, 50+i), "image/jpeg", bytes.NewReader(photo))
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Image-Width") != fmt.Sprint(50+i) {
				errs <- fmt.Errorf("upload %d: %d, width %s", i, resp.StatusCode, resp.Header.Get("X-Image-Width"))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`imgpar_http_requests_total{route="/process",code="200"} 20`,
		`imgpar_http_requests_total{route="/upload",code="200"} 20`,
		`imgpar_http_request_duration_seconds_count{route="/upload"} 20`,
		`imgpar_http_request_duration_seconds_bucket{route="/upload",le="+Inf"} 20`,
		"# TYPE imgpar_http_request_duration_seconds histogram",
		"imgpar_workers_ready 2",
		"imgpar_queue_depth 0",
		"imgpar_jobs_in_flight 0",
		"imgpar_worker_restarts_total 0",
		"imgpar_queue_capacity 100",
	} {
		if !bytes.Contains(text, []byte(want+"\n")) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
	checkExposition(t, string(text))
	// A HEIC upload with format=same comes back as JPEG (HEIC is read, not
	// written), like imgpar process --format same.
	heic, err := os.ReadFile(filepath.Join("..", "..", "testdata", "formats", "leaf.heic"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Post(url+"/upload?format=same&width=160", "image/heic", bytes.NewReader(heic))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || len(body) < 3 || body[0] != 0xFF || body[1] != 0xD8 {
		t.Errorf("HEIC upload, format=same: %d %s, %d bytes %q", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), body[:min(len(body), 120)])
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func healthy(url string) bool {
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// checkExposition checks the shape of the text format: every sample's
// metric has a HELP and a TYPE line before it, and histogram buckets are
// cumulative.
func checkExposition(t *testing.T, text string) {
	t.Helper()
	typed := map[string]string{}
	sample := regexp.MustCompile(`^([a-z_]+)(\{[^}]*\})? (\S+)$`)
	var last float64
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "#" && f[1] == "TYPE" {
			typed[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a sample line: %q", line)
			continue
		}
		name := m[1]
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if typed[name] == "" && typed[base] != "histogram" {
			t.Errorf("%s has no TYPE line before it", name)
		}
		if strings.HasSuffix(name, "_bucket") {
			var v float64
			fmt.Sscan(m[3], &v)
			if strings.Contains(m[2], `le="0.005"`) {
				last = 0
			}
			if v < last {
				t.Errorf("bucket %s is not cumulative", line)
			}
			last = v
		}
	}
}

func TestImageSpecQuery(t *testing.T) {
	s := &server{opts: Options{MaxPixels: 1000}.withDefaults()}
	for _, tc := range []struct {
		query string
		ok    bool
		check func(g imgfmt.Geometry, q int, format imgfmt.Format) bool
	}{
		{"", true, func(g imgfmt.Geometry, q int, format imgfmt.Format) bool {
			// Quality 0: each format's own default, as imgpar process.
			return g.Width == 800 && g.Height == 0 && q == 0 && g.Fit == imgfmt.FitInside && format == imgfmt.JPEG
		}},
		{"width=0&height=300&fit=cover&format=PNG&quality=1", true, func(g imgfmt.Geometry, q int, format imgfmt.Format) bool {
			return g.Width == 0 && g.Height == 300 && q == 1 && g.Fit == imgfmt.FitCover && format == imgfmt.PNG
		}},
		{"format=same", true, func(g imgfmt.Geometry, q int, format imgfmt.Format) bool { return format == "" }},
		{"format=jpg", true, func(g imgfmt.Geometry, q int, format imgfmt.Format) bool { return format == imgfmt.JPEG }},
		{"format=TIF", true, func(g imgfmt.Geometry, q int, format imgfmt.Format) bool { return format == imgfmt.TIFF }},
		{"width=abc", false, nil},
		{"width=70000", false, nil},
		{"width=-1", false, nil},
		{"quality=0", false, nil},
		{"quality=101", false, nil},
		{"fit=stretch", false, nil},
		{"format=heic", false, nil},
		{"size=3", false, nil},
		// One image per request: a list of formats (a set, for imgpar
		// process) is refused, and so is a list of widths.
		{"format=webp,jpeg", false, nil},
		{"width=320,640", false, nil},
	} {
		r, _ := http.NewRequest(http.MethodPost, "/upload?"+tc.query, nil)
		spec, err := s.imageSpec(r)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok=%v", tc.query, err, tc.ok)
			continue
		}
		if tc.ok && !tc.check(spec.Geometry, spec.Quality, spec.Format) {
			t.Errorf("%q: spec %+v", tc.query, spec)
		}
		if tc.ok && spec.MaxPixels != 1000 {
			t.Errorf("%q: max pixels %d", tc.query, spec.MaxPixels)
		}
	}
}

// progressive=1 asks for a progressive JPEG, as imgpar process --progressive.
func TestImageSpecProgressive(t *testing.T) {
	s := &server{opts: Options{}.withDefaults()}
	for query, want := range map[string]bool{"": false, "progressive=0": false, "progressive=1": true} {
		r, _ := http.NewRequest(http.MethodPost, "/upload?"+query, nil)
		spec, err := s.imageSpec(r)
		if err != nil || spec.Progressive != want {
			t.Errorf("%q: progressive %v, err %v; want %v", query, spec.Progressive, err, want)
		}
	}
	r, _ := http.NewRequest(http.MethodPost, "/upload?progressive=yes", nil)
	if _, err := s.imageSpec(r); err == nil {
		t.Error("progressive=yes: no error")
	}
}

// trellis=1 asks for trellis quantisation, as imgpar process --trellis;
// off by default, as there.
func TestImageSpecTrellis(t *testing.T) {
	s := &server{opts: Options{}.withDefaults()}
	for query, want := range map[string]bool{"": false, "trellis=0": false, "trellis=1": true} {
		r, _ := http.NewRequest(http.MethodPost, "/upload?"+query, nil)
		spec, err := s.imageSpec(r)
		if err != nil || spec.Trellis != want {
			t.Errorf("%q: trellis %v, err %v; want %v", query, spec.Trellis, err, want)
		}
	}
	r, _ := http.NewRequest(http.MethodPost, "/upload?trellis=yes", nil)
	if _, err := s.imageSpec(r); err == nil {
		t.Error("trellis=yes: no error")
	}
}

func TestParseRounds(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "1000": 1000, "1e6": 1000000, "2.0": 2} {
		if n, err := parseRounds(jsonNumber(in)); err != nil || n != want {
			t.Errorf("%s: %d %v, want %d", in, n, err, want)
		}
	}
	for _, bad := range []string{"-1", "1.5", "1e300", "x"} {
		if _, err := parseRounds(jsonNumber(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func jsonNumber(s string) json.Number { return json.Number(s) }

// TestRunWorkersFailing: workers that cannot start end Run with an error
// (imgpar serve exits 1) instead of a server that answers nothing.
func TestRunWorkersFailing(t *testing.T) {
	broken := func(ctx context.Context) (*exec.Cmd, error) { return exec.Command("false"), nil }
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), nil, Options{Addr: "127.0.0.1:0", Procs: 1, Threads: 1, Stderr: &stderr, Command: broken})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, procs.ErrRestartStorm) {
			t.Fatalf("Run = %v, want ErrRestartStorm", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("Run did not give up on workers that cannot start:\n%s", stderr.String())
	}
}

func TestRunCannotListen(t *testing.T) {
	err := Run(context.Background(), nil, Options{Addr: "127.0.0.1:99999"})
	if !errors.Is(err, ErrListen) {
		t.Fatalf("Run = %v, want ErrListen", err)
	}
}
