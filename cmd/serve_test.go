//go:build linux

package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests here run the real `imgpar serve` (the test binary, which
// testscript.Main put on PATH as imgpar) on a free loopback port, with real
// worker processes, and talk HTTP to it.

// serveProc is a running `imgpar serve`.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr strings.Builder
	exited chan struct{}
	err    error // Wait's, once exited is closed
}

var servingRE = regexp.MustCompile(`serving on (http://\S+)`)

// startServer starts imgpar serve on 127.0.0.1:0 with args and waits until
// /healthz says its workers are up.
func startServer(t *testing.T, args ...string) *serveProc {
	t.Helper()
	exe, err := exec.LookPath("imgpar")
	if err != nil {
		t.Fatalf("imgpar is not on PATH (TestMain puts it there): %v", err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serveProc{t: t, cmd: cmd, exited: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
			return
		default:
		}
		kids := s.workers()
		_ = cmd.Process.Kill()
		<-s.exited
		for _, pid := range kids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	select {
	case s.url = <-urls:
	case <-s.exited:
		t.Fatalf("imgpar serve exited before serving: %v\n%s", s.err, s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("imgpar serve printed no address within 30 s\n%s", s.log())
	}
	s.eventually("/healthz 200", func() bool {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

func (s *serveProc) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// eventually polls cond for up to 30 s.
func (s *serveProc) eventually(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("never: %s\n%s", what, s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// workers returns the pids of the server's child processes.
func (s *serveProc) workers() []int {
	return serveChildren(s.cmd.Process.Pid)
}

// serveChildren lists the live processes whose parent is pid, from /proc.
func serveChildren(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:])) // state ppid ...
		if len(f) > 1 && f[0] != "Z" && f[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	return kids
}

func pidGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// stop sends sig and waits for the server to exit; it returns the exit
// code and checks that no worker outlives it.
func (s *serveProc) stop(sig syscall.Signal) int {
	s.t.Helper()
	kids := s.workers()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(60 * time.Second):
		s.t.Fatalf("imgpar serve did not exit after %v\n%s", sig, s.log())
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range kids {
		for !pidGone(pid) {
			if time.Now().After(deadline) {
				s.t.Errorf("worker %d outlived the server", pid)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var ee *exec.ExitError
	if errors.As(s.err, &ee) {
		return ee.ExitCode()
	}
	if s.err != nil {
		s.t.Fatal(s.err)
	}
	return 0
}

// metric returns the value of one sample line of /metrics (-1 if absent).
func (s *serveProc) metric(sample string) float64 {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// httpReply is an HTTP answer, read whole.
type httpReply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (r httpReply) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, clipReply(r.body))
}

func clipReply(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func httpDo(ctx context.Context, method, url, contentType string, body []byte) httpReply {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return httpReply{err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return httpReply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return httpReply{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

func httpPost(url, contentType string, body []byte) httpReply {
	return httpDo(context.Background(), http.MethodPost, url, contentType, body)
}

// multipartImage builds a form with data in the field "image", as curl -F.
func multipartImage(t *testing.T, field, name string, data []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("note", "ignored")
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

func serveTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// slowNumbers is a /process body that keeps a worker busy: n negative
// fractional values (whose heavy orbits are iterated exactly, round by
// round, until they turn positive) and 1e9 rounds.
func slowNumbers(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString(`{"numbers":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "-%d.%06d", 1+rng.IntN(99990), rng.IntN(1000000))
	}
	b.WriteString(`],"rounds":1000000000}`)
	return b.Bytes()
}

// processCLI runs `imgpar process` and returns the output file's bytes.
func processCLI(t *testing.T, in, outName string, args ...string) []byte {
	t.Helper()
	exe, _ := exec.LookPath("imgpar")
	out := t.TempDir()
	cmd := exec.Command(exe, append([]string{"process", in, "-o", out, "--quiet", "--procs", "1", "--threads", "1"}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("imgpar process: %v\n%s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, outName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeRoutes(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--procs", "2", "--threads", "1")

	// POST /process: the seed's body and route (heavy, 1e6 rounds), and
	// op/rounds; the bytes imgpar process writes for the same numbers.
	for _, tc := range []struct {
		file string
		args []string
		body string
	}{
		{"numbers/seed-body.json", nil, ""},
		{"numbers/ints.json", []string{"--op", "double"}, `{"op":"double","numbers":%s}`},
		{"numbers/ints.json", []string{"--op", "stats"}, `{"op":"stats","numbers":%s}`},
		{"numbers/payload.json", []string{"--op", "heavy", "--rounds", "12345"}, `{"rounds":12345,"payload":%s}`},
	} {
		src := serveTestdata(t, tc.file)
		body := src
		if tc.body != "" {
			// The file's numbers, in a request object.
			arr := regexp.MustCompile(`\[[^\]]*\]`).Find(src)
			body = []byte(fmt.Sprintf(tc.body, arr))
		}
		want := processCLI(t, filepath.Join("..", "testdata", tc.file), filepath.Base(tc.file), tc.args...)
		r := httpPost(s.url+"/process", "application/json", body)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %v", tc.file, r)
		}
		if !bytes.Equal(r.body, want) {
			t.Errorf("%s %v: served %q, imgpar process wrote %q", tc.file, tc.args, r.body, want)
		}
	}

	// POST /upload, multipart field "image" as the seed's multer: a JPEG
	// 800 wide at quality 80, the bytes imgpar process writes.
	photo := filepath.Join("..", "testdata", "photos", "boats-lake-landscape-420.jpg")
	ct, form := multipartImage(t, "image", "boats.jpg", serveTestdata(t, "photos/boats-lake-landscape-420.jpg"))
	r := httpPost(s.url+"/upload", ct, form)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("multipart upload: %v", r)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(r.body))
	if err != nil || format != "jpeg" || cfg.Width != 800 || cfg.Height != 500 {
		t.Fatalf("multipart upload: %s %dx%d (%v), want jpeg 800x500", format, cfg.Width, cfg.Height, err)
	}
	if w := r.header.Get("X-Image-Width"); w != "800" {
		t.Errorf("X-Image-Width %q", w)
	}
	if want := processCLI(t, photo, "boats-lake-landscape-420.jpg"); !bytes.Equal(r.body, want) {
		t.Errorf("upload: %d bytes differ from imgpar process's %d", len(r.body), len(want))
	}

	// A raw image body, with query parameters.
	r = httpPost(s.url+"/upload?width=200&format=png", "image/jpeg", serveTestdata(t, "photos/cups-portrait-420.jpg"))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("raw upload: %v", r)
	}
	cfg, format, err = image.DecodeConfig(bytes.NewReader(r.body))
	if err != nil || format != "png" || cfg.Width != 200 || cfg.Height != 320 {
		t.Fatalf("raw upload: %s %dx%d (%v), want png 200x320", format, cfg.Width, cfg.Height, err)
	}
	r = httpPost(s.url+"/upload?width=100&height=100&fit=cover&quality=50&format=same", "image/png", serveTestdata(t, "photos/lake-night-vignette-alpha.png"))
	cfg, format, err = image.DecodeConfig(bytes.NewReader(r.body))
	if r.status != http.StatusOK || err != nil || format != "png" || cfg.Width != 100 || cfg.Height != 100 {
		t.Fatalf("cover upload: %v: %s %dx%d (%v), want png 100x100", r, format, cfg.Width, cfg.Height, err)
	}

	// GET /metrics: the requests above, by route and status.
	if n := s.metric(`imgpar_http_requests_total{route="/upload",code="200"}`); n != 3 {
		t.Errorf("upload 200s in /metrics: %v, want 3", n)
	}
	if n := s.metric(`imgpar_http_request_duration_seconds_count{route="/process"}`); n != 4 {
		t.Errorf("process latency count: %v, want 4", n)
	}
	for _, sample := range []string{"imgpar_jobs_in_flight", "imgpar_queue_depth", "imgpar_worker_restarts_total"} {
		if v := s.metric(sample); v != 0 {
			t.Errorf("%s = %v, want 0", sample, v)
		}
	}
	if v := s.metric("imgpar_workers_ready"); v != 2 {
		t.Errorf("imgpar_workers_ready = %v, want 2", v)
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, s.log())
	}
}

// For the same photo and parameters, serve answers exactly the bytes
// process writes: both front ends build their spec with one constructor,
// and one worker runs it. Every output format, its default quality
// included (AVIF 50, the others 80), plus explicit settings.
func TestServeMatchesProcess(t *testing.T) {
	s := startServer(t, "--procs", "1", "--threads", "2")
	photo := filepath.Join("..", "testdata", "photos", "boats-lake-landscape-420.jpg")
	alpha := filepath.Join("..", "testdata", "photos", "lake-night-vignette-alpha.png")
	for _, tc := range []struct {
		in, query, out, contentType string
		args                        []string
	}{
		// Each output format at its default quality (AVIF 50, others 80).
		{photo, "format=jpeg&width=320", "boats-lake-landscape-420.jpg", "image/jpeg", []string{"--format", "jpeg", "--width", "320"}},
		{photo, "format=png&width=320", "boats-lake-landscape-420.png", "image/png", []string{"--format", "png", "--width", "320"}},
		{photo, "format=webp&width=320", "boats-lake-landscape-420.webp", "image/webp", []string{"--format", "webp", "--width", "320"}},
		{photo, "format=avif&width=320", "boats-lake-landscape-420.avif", "image/avif", []string{"--format", "avif", "--width", "320"}},
		{photo, "format=gif&width=320", "boats-lake-landscape-420.gif", "image/gif", []string{"--format", "gif", "--width", "320"}},
		{photo, "format=tiff&width=320", "boats-lake-landscape-420.tiff", "image/tiff", []string{"--format", "tiff", "--width", "320"}},
		{photo, "format=bmp&width=320", "boats-lake-landscape-420.bmp", "image/bmp", []string{"--format", "bmp", "--width", "320"}},
		// Explicit settings, aliases, and an alpha PNG kept as PNG.
		{photo, "format=JPG&quality=55&width=300&height=300&fit=cover", "boats-lake-landscape-420.jpg", "image/jpeg",
			[]string{"--format", "JPG", "--quality", "55", "--width", "300", "--height", "300", "--fit", "cover"}},
		{photo, "format=avif&quality=70&width=0&height=120", "boats-lake-landscape-420.avif", "image/avif",
			[]string{"--format", "avif", "--quality", "70", "--width", "0", "--height", "120"}},
		{alpha, "format=same&width=200", "lake-night-vignette-alpha.png", "image/png", []string{"--width", "200"}},
	} {
		data, err := os.ReadFile(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		ct := "image/jpeg"
		if strings.HasSuffix(tc.in, ".png") {
			ct = "image/png"
		}
		r := httpPost(s.url+"/upload?"+tc.query, ct, data)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != tc.contentType {
			t.Errorf("%s: %v, want 200 %s", tc.query, r, tc.contentType)
			continue
		}
		want := processCLI(t, tc.in, tc.out, tc.args...)
		if !bytes.Equal(r.body, want) {
			t.Errorf("%s: served %d bytes, imgpar process %v wrote %d other bytes", tc.query, len(r.body), tc.args, len(want))
		}
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, s.log())
	}
}

func TestServeErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--procs", "1", "--threads", "2", "--max-upload", "1MiB", "--max-pixels", "1000000")
	jpeg := serveTestdata(t, "photos/moss-landscape-444.jpg")
	big := bytes.Repeat(jpeg, (2<<20)/len(jpeg)+1) // over 1 MiB, starts like a JPEG
	for _, tc := range []struct {
		name, path, contentType string
		body                    []byte
		status                  int
		msg                     string
	}{
		{"malformed JSON", "/process", "application/json", []byte(`{"numbers":[1,2,`), 400, "malformed numbers"},
		{"not numbers", "/process", "application/json", []byte(`{"numbers":"1,2"}`), 400, "must be an array of numbers"},
		{"bad token", "/process", "application/json", []byte(`[1, two]`), 400, "1:6"},
		{"bad op", "/process", "application/json", []byte(`{"numbers":[1],"op":"cube"}`), 400, "cube"},
		{"bad rounds", "/process", "application/json", []byte(`{"numbers":[1],"rounds":-1}`), 400, "rounds"},
		{"numbers over --max-upload", "/process", "application/json", append(append([]byte(`[`), bytes.Repeat([]byte("1,"), 600<<10)...), '1', ']'), 413, "limit"},
		{"upload over --max-upload", "/upload", "image/jpeg", big, 413, "limit"},
		{"not an image content type", "/upload", "text/plain", []byte("hello"), 415, "multipart/form-data"},
		{"text as image/png", "/upload", "image/png", serveTestdata(t, "bad/text.png"), 415, "not an image"},
		{"random bytes", "/upload", "image/jpeg", serveTestdata(t, "bad/random.jpg"), 415, "not an image"},
		{"undecodable JPEG", "/upload", "image/jpeg", serveTestdata(t, "bad/trunc-jpeg-at-8589-half-scan.jpg"), 422, "upload"},
		{"undecodable PNG", "/upload", "image/png", serveTestdata(t, "bad/bitflip-idat.png"), 422, "upload"},
		{"bomb over --max-pixels", "/upload", "image/png", serveTestdata(t, "bad/bomb-png-60000x60000.png"), 422, "too large"},
		{"photo over --max-pixels", "/upload", "image/jpeg", serveTestdata(t, "photos/leaf-autumn-landscape-422.jpg"), 422, "limit of 1000000"},
		{"bad width", "/upload?width=-3", "image/jpeg", jpeg, 400, "width"},
		{"bad format", "/upload?format=heic", "image/jpeg", jpeg, 400, "format"},
		{"list of formats", "/upload?format=webp,jpeg", "image/jpeg", jpeg, 400, "one image per request"},
		{"unknown parameter", "/upload?widht=3", "image/jpeg", jpeg, 400, "widht"},
		{"no route", "/resize", "image/jpeg", jpeg, 404, "no such route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httpPost(s.url+tc.path, tc.contentType, tc.body)
			if r.err != nil || r.status != tc.status {
				t.Fatalf("got %v, want %d", r, tc.status)
			}
			if r.header.Get("Content-Type") != "application/json" || !bytes.HasPrefix(r.body, []byte(`{"error":"`)) || !bytes.Contains(r.body, []byte(tc.msg)) {
				t.Errorf("body %s, want a JSON error mentioning %q", r.body, tc.msg)
			}
			if bytes.Contains(r.body, []byte(os.TempDir())) {
				t.Errorf("body %s names a temporary file", r.body)
			}
		})
	}
	// A form without the "image" field.
	ct, form := multipartImage(t, "photo", "a.jpg", jpeg)
	if r := httpPost(s.url+"/upload", ct, form); r.status != 400 || !bytes.Contains(r.body, []byte(`no \"image\" field`)) {
		t.Errorf("form without image: %v", r)
	}
	// Wrong method.
	r := httpDo(context.Background(), http.MethodGet, s.url+"/process", "", nil)
	if r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET /process: %v, Allow %q", r, r.header.Get("Allow"))
	}
	// After all that, it still works.
	if r := httpPost(s.url+"/upload?width=64", "image/jpeg", jpeg); r.status != 200 {
		t.Errorf("upload after errors: %v", r)
	}
	if code := s.stop(syscall.SIGINT); code != 0 {
		t.Errorf("exit code %d after SIGINT, want 0", code)
	}
}

// TestServeQueueFull fills a one-job queue behind a one-thread worker with
// slow requests: the next gets 503 with Retry-After; clients that leave
// take their jobs with them.
func TestServeQueueFull(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--procs", "1", "--threads", "1", "--queue", "1", "--max-work", "-1")
	slow := slowNumbers(40000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	replies := make([]httpReply, 2)
	for i := range 2 {
		wg.Go(func() { replies[i] = httpDo(ctx, http.MethodPost, s.url+"/process", "application/json", slow) })
		if i == 0 {
			s.eventually("one job in flight", func() bool { return s.metric("imgpar_jobs_in_flight") == 1 })
		}
	}
	s.eventually("one job queued", func() bool { return s.metric("imgpar_queue_depth") == 1 })
	for _, path := range []string{"/process", "/upload"} {
		r := httpPost(s.url+path, "image/jpeg", []byte(`[1,2,3]`))
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s with a full queue: %v, Retry-After %q; want 503 with Retry-After", path, r, r.header.Get("Retry-After"))
		}
	}
	// The clients give up: the queued job leaves the queue, the running
	// one is canceled on its worker, which is then free again.
	start := time.Now()
	cancel()
	wg.Wait()
	s.eventually("an empty queue and no job in flight", func() bool {
		return s.metric("imgpar_queue_depth") == 0 && s.metric("imgpar_jobs_in_flight") == 0
	})
	t.Logf("worker free %v after the clients left", time.Since(start))
	if r := httpPost(s.url+"/process", "application/json", []byte(`{"numbers":[1],"op":"double"}`)); r.status != 200 || string(r.body) != "{\"result\":[2]}\n" {
		t.Errorf("after the cancels: %v", r)
	}
	if n := s.metric(`imgpar_http_requests_total{route="/process",code="499"}`); n != 2 {
		t.Errorf("requests recorded as 499 (client gone): %v, want 2", n)
	}
	s.stop(syscall.SIGTERM)
}

func TestServeRequestTimeout(t *testing.T) {
	t.Parallel()
	// Far above what the follow-up request takes, even on a busy machine;
	// the slow job takes seconds.
	s := startServer(t, "--procs", "1", "--threads", "1", "--request-timeout", "2s", "--max-work", "-1")
	r := httpPost(s.url+"/process", "application/json", slowNumbers(40000))
	if r.status != http.StatusGatewayTimeout || !bytes.Contains(r.body, []byte("request timeout")) {
		t.Fatalf("slow request: %v, want 504", r)
	}
	// The job was canceled on its worker: the next request runs.
	if r := httpPost(s.url+"/process", "application/json", []byte(`[3]`)); r.status != 200 {
		t.Errorf("after the timeout: %v", r)
	}
	s.stop(syscall.SIGTERM)
}

// TestServeWorkerKilled SIGKILLs a worker under a request: the request is
// retried on another worker and its client gets one answer, 200.
func TestServeWorkerKilled(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--procs", "2", "--threads", "1", "--max-work", "-1")
	body := slowNumbers(3000)
	var wg sync.WaitGroup
	replies := make([]httpReply, 2)
	for i := range 2 {
		wg.Go(func() { replies[i] = httpPost(s.url+"/process", "application/json", body) })
	}
	// Each worker runs one of the two jobs (one thread, no jobs queued in
	// a worker): whichever is killed was running one.
	s.eventually("two jobs in flight", func() bool { return s.metric("imgpar_jobs_in_flight") == 2 })
	kids := s.workers()
	if len(kids) != 2 {
		t.Fatalf("workers %v, want 2", kids)
	}
	if err := syscall.Kill(kids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, r := range replies {
		if r.status != 200 || !bytes.HasPrefix(r.body, []byte(`{"result":[`)) {
			t.Fatalf("request %d: %v", i, r)
		}
	}
	if !bytes.Equal(replies[0].body, replies[1].body) {
		t.Errorf("the retried request's answer differs from the other's")
	}
	if n := s.metric("imgpar_worker_restarts_total"); n != 1 {
		t.Errorf("worker restarts %v, want 1", n)
	}
	if !strings.Contains(s.log(), "restarting it") {
		t.Errorf("no word of the dead worker on stderr:\n%s", s.log())
	}
	s.eventually("two ready workers", func() bool { return s.metric("imgpar_workers_ready") == 2 })
	s.stop(syscall.SIGTERM)
}

// TestServeGracefulShutdown: SIGTERM while a request runs; it completes,
// new connections are refused, the server exits 0 and no worker is left.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--procs", "1", "--threads", "1", "--grace", "60s", "--max-work", "-1")
	done := make(chan httpReply, 1)
	go func() { done <- httpPost(s.url+"/process", "application/json", slowNumbers(4000)) }()
	s.eventually("one job in flight", func() bool { return s.metric("imgpar_jobs_in_flight") == 1 })
	kids := s.workers()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the request in flight runs on.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s.eventually("new connections refused", func() bool {
		resp, err := fresh.Post(s.url+"/process", "application/json", strings.NewReader(`[1]`))
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
	r := <-done
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte(`{"result":[`)) {
		t.Fatalf("request in flight at SIGTERM: %v, want 200", r)
	}
	<-s.exited
	if s.err != nil {
		t.Errorf("exit: %v, want 0\n%s", s.err, s.log())
	}
	for _, pid := range kids {
		if !pidGone(pid) {
			t.Errorf("worker %d outlived the server", pid)
		}
	}
}
