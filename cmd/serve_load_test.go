//go:build linux

package cmd

import (
	"bytes"
	"fmt"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeLoad is the load test of imgpar serve (docs/bench/serve-load.sh
// runs it, against imgpar and against the seed's Node.js server): N uploads
// (default 200) of the photos in testdata/photos, C at a time (default 20),
// over loopback. Every answer must be a JPEG; the figures are logged, never
// asserted (the machine is shared). It runs only with IMGPAR_SERVE_LOAD set:
//
//	IMGPAR_SERVE_LOAD=1 go test ./cmd/ -run '^TestServeLoad$' -v
//
// IMGPAR_SERVE_LOAD_URL aims it at a server already running (the seed's);
// IMGPAR_SERVE_LOAD_ARGS are extra flags for the imgpar serve it starts;
// IMGPAR_SERVE_LOAD_N and _C change the counts.
func TestServeLoad(t *testing.T) {
	if os.Getenv("IMGPAR_SERVE_LOAD") == "" {
		t.Skip("load test: set IMGPAR_SERVE_LOAD=1 (see docs/bench/serve-load.sh)")
	}
	n := envInt(t, "IMGPAR_SERVE_LOAD_N", 200)
	c := envInt(t, "IMGPAR_SERVE_LOAD_C", 20)
	target := os.Getenv("IMGPAR_SERVE_LOAD_URL")
	name := "node"
	var srv *serveProc
	if target == "" {
		srv = startServer(t, strings.Fields(os.Getenv("IMGPAR_SERVE_LOAD_ARGS"))...)
		target, name = srv.url, "imgpar"
	}
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "photos", "*.*"))
	type upload struct {
		name, contentType string
		body              []byte
	}
	var uploads []upload
	for _, p := range paths {
		if ext := strings.ToLower(filepath.Ext(p)); ext != ".jpg" && ext != ".png" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ct, body := multipartImage(t, "image", filepath.Base(p), data)
		uploads = append(uploads, upload{filepath.Base(p), ct, body})
	}
	if len(uploads) == 0 {
		t.Fatal("no photos in testdata/photos")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	send := func(u upload) error {
		resp, err := client.Post(target+"/upload", u.contentType, bytes.NewReader(u.body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		if _, err := b.ReadFrom(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d %s", u.name, resp.StatusCode, clipReply(b.Bytes()))
		}
		cfg, format, err := image.DecodeConfig(&b)
		if err != nil || format != "jpeg" || cfg.Width < 1 || cfg.Width > 800 {
			return fmt.Errorf("%s: answer is %s %dx%d (%v), want a JPEG at most 800 wide", u.name, format, cfg.Width, cfg.Height, err)
		}
		return nil
	}
	// Warm up: each photo once, one at a time (worker start, codecs).
	for _, u := range uploads {
		if err := send(u); err != nil {
			t.Fatalf("warm-up: %v", err)
		}
	}
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				errs[i] = send(uploads[i%len(uploads)])
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	failures := 0
	for _, err := range errs {
		if err != nil {
			failures++
			if failures <= 5 {
				t.Error(err)
			}
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("serve-load: %s: %d uploads, concurrency %d, %d failures, %.1f req/s, p50 %d ms, p90 %d ms, p99 %d ms, max %d ms, wall %.2f s",
		name, n, c, failures, float64(n)/wall.Seconds(), pct(0.50).Milliseconds(), pct(0.90).Milliseconds(),
		pct(0.99).Milliseconds(), lat[len(lat)-1].Milliseconds(), wall.Seconds())
	if srv != nil {
		if v := srv.metric("imgpar_worker_restarts_total"); v != 0 {
			t.Errorf("%v worker restarts under load", v)
		}
	}
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
