//go:build linux

package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
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

// End-to-end tests of what makes imgpar serve safe to expose (issue 16,
// docs/serve.md "Running it safely"): each against the real server, with
// bounded request loops on loopback. Figures are logged, and bounds on
// time are generous polls, never timing assertions.

// treeRSS is the resident memory of pid and its children, from /proc.
func treeRSS(pid int) int64 {
	var total int64
	for _, p := range append([]int{pid}, serveChildren(pid)...) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

// cpuTicks is the user+system CPU time of pid, in clock ticks; ok false
// once it is gone.
func cpuTicks(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil || pidGone(pid) {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:])) // state is f[0]: utime is field 14, f[11]
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s, true
}

// peakRSS runs f while sampling the tree's RSS every 10 ms; it returns the
// highest sample.
func (s *serveProc) peakRSS(f func()) int64 {
	stop := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			peak = max(peak, treeRSS(s.cmd.Process.Pid))
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	return max(peak, treeRSS(s.cmd.Process.Pid))
}

// idleRSS is the tree's RSS once it has settled: the lowest of a few
// samples.
func (s *serveProc) idleRSS() int64 {
	low := int64(1 << 62)
	for range 5 {
		low = min(low, treeRSS(s.cmd.Process.Pid))
		time.Sleep(50 * time.Millisecond)
	}
	return low
}

func mb(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// bombPNG is a valid w x h 8-bit RGBA PNG of zero pixels whose one IDAT
// is a single deflate block written by hand: a dynamic Huffman code in
// which the length-258/distance-1 match takes 2 bits, deflate's best ratio
// (about 1032:1), so 16383x16383 (1 GiB of pixels) is a 1 MB file. It
// takes milliseconds, where compress/flate needs ~15 s for the same.
func bombPNG(w, h int) []byte {
	chunk := func(dst []byte, typ string, data []byte) []byte {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
		start := len(dst)
		dst = append(append(dst, typ...), data...)
		return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
	}
	var ihdr []byte
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no interlace
	out := chunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr)
	out = chunk(out, "IDAT", zeroZlib(int64(h)*int64(1+4*w)))
	return chunk(out, "IEND", nil)
}

// zeroZlib is a zlib stream of n zero bytes (RFC 1950/1951).
func zeroZlib(n int64) []byte {
	var bw struct {
		b     []byte
		acc   uint64
		nbits uint
	}
	bits := func(v uint64, k uint) { // LSB first
		bw.acc |= v << bw.nbits
		bw.nbits += k
		for bw.nbits >= 8 {
			bw.b = append(bw.b, byte(bw.acc))
			bw.acc >>= 8
			bw.nbits -= 8
		}
	}
	code := func(c uint64, k uint) { // Huffman codes go MSB first
		var r uint64
		for i := range k {
			r = r<<1 | (c>>i)&1
		}
		bits(r, k)
	}
	bw.b = []byte{0x78, 0x01}
	bits(1, 1)  // BFINAL
	bits(2, 2)  // dynamic Huffman
	bits(29, 5) // HLIT: 286 literal/length codes
	bits(0, 5)  // HDIST: 1 distance code
	bits(14, 4) // HCLEN: 18 code length codes
	// Code length alphabet: 18 (a run of zeros) 1 bit, 1 and 2 two bits.
	clen := map[int]uint64{18: 1, 1: 2, 2: 2}
	for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1} {
		bits(clen[s], 3)
	}
	one, two, zeros := func() { code(2, 2) }, func() { code(3, 2) }, func(k uint64) { code(0, 1); bits(k-11, 7) }
	// Literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0,
	// 285 -> 1; distance 0 -> 1.
	two()
	zeros(138)
	zeros(117)
	two()
	zeros(28)
	one()
	one()
	// Codes: 285 -> 0, literal 0 -> 10, end of block -> 11; distance 0 -> 0.
	code(2, 2) // one literal zero, then matches of 258 at distance 1
	left := n - 1
	for ; left >= 258; left -= 258 {
		bits(0, 2)
	}
	for ; left > 0; left-- {
		code(2, 2)
	}
	code(3, 2)
	if bw.nbits > 0 {
		bw.b = append(bw.b, byte(bw.acc))
	}
	// Adler-32 of zeros: a = 1, b = n mod 65521.
	return binary.BigEndian.AppendUint32(bw.b, uint32(n%65521)<<16|1)
}

// noisePNG is a w x h PNG of random pixels (slow to encode as AVIF).
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gradientPNG is a w x h opaque PNG that compresses well (fast to make and
// to send) and decodes to as much memory as any other.
func gradientPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x / 16), uint8(y / 16), uint8((x + y) / 32), 255})
		}
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBombPNGIsValid(t *testing.T) {
	// The generator is checked on a small image (decoded whole) and on the
	// full stream of the test bomb (inflated, its checksum verified).
	img, err := png.Decode(bytes.NewReader(bombPNG(300, 7)))
	if err != nil || img.Bounds().Dx() != 300 || img.Bounds().Dy() != 7 {
		t.Fatalf("small bomb: %v %v", img.Bounds(), err)
	}
	if r, g, b, a := img.At(299, 6).RGBA(); r|g|b|a != 0 {
		t.Errorf("pixel (299,6) = %d %d %d %d, want zero", r, g, b, a)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(bombPNG(16383, 16383)))
	if err != nil || cfg.Width != 16383 || cfg.Height != 16383 || cfg.ColorModel != color.NRGBAModel {
		t.Fatalf("bomb header: %+v %v", cfg, err)
	}
}

// TestServeBomb sends the 16383x16383 RGBA PNG (1 MB, 1 GiB of pixels, 4+
// GiB to encode as AVIF at full size): refused from its header, fast, and
// the server tree stays under its memory budget, both by the default pixel
// limit and, with the pixel limit raised to sharp's, by the budget.
func TestServeBomb(t *testing.T) {
	bomb := bombPNG(16383, 16383)
	const budget = 192 << 20
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "--max-pixels"},
		{[]string{"--max-pixels", "268402689"}, "memory budget"},
	} {
		s := startServer(t, append([]string{"--procs", "1", "--threads", "2", "--mem-limit", "192MiB"}, tc.args...)...)
		for _, query := range []string{"width=0&format=avif", "width=0&format=png", ""} {
			var r httpReply
			start := time.Now()
			peak := s.peakRSS(func() {
				r = httpPost(s.url+"/upload?"+query, "image/png", bomb)
			})
			took := time.Since(start)
			if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte(tc.msg)) {
				t.Errorf("%v, bomb ?%s: %v; want 422 naming %s", tc.args, query, r, tc.msg)
			}
			if peak >= budget {
				t.Errorf("%v, bomb ?%s: tree peak RSS %s, over the %s budget", tc.args, query, mb(peak), mb(budget))
			}
			t.Logf("%v bomb ?%s: %d in %v, tree peak RSS %s (budget %s): %s", tc.args, query, r.status, took.Round(time.Millisecond), mb(peak), mb(budget), r.body)
		}
		// An ordinary photo still goes through.
		if r := httpPost(s.url+"/upload?width=100", "image/jpeg", serveTestdata(t, "photos/moss-landscape-444.jpg")); r.status != 200 {
			t.Errorf("photo after the bombs: %v", r)
		}
		s.stop(syscall.SIGTERM)
	}
}

// hideLength makes the client send a body chunked, without Content-Length.
type hideLength struct{ io.Reader }

// TestServeNumbersBounded: a 10M-number body is refused (413) without
// being held, whether its length is declared or not; the count limit stops
// the parse; heavy work over --max-work is refused before it runs; an
// accepted request costs the server a small multiple of its body.
func TestServeNumbersBounded(t *testing.T) {
	s := startServer(t, "--procs", "1", "--threads", "2")
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range 10_000_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('1')
	}
	b.WriteByte(']')
	ten := b.Bytes()
	idle := s.idleRSS()
	for _, chunked := range []bool{false, true} {
		var r httpReply
		start := time.Now()
		peak := s.peakRSS(func() {
			var body io.Reader = bytes.NewReader(ten)
			if chunked {
				body = hideLength{body}
			}
			req, _ := http.NewRequest(http.MethodPost, s.url+"/process", body)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				r = httpReply{err: err}
				return
			}
			defer resp.Body.Close()
			rb, _ := io.ReadAll(resp.Body)
			r = httpReply{status: resp.StatusCode, header: resp.Header, body: rb}
		})
		if r.status != http.StatusRequestEntityTooLarge || !bytes.Contains(r.body, []byte("--max-numbers")) {
			t.Errorf("10M numbers (chunked %v): %v, want 413 naming --max-numbers", chunked, r)
		}
		if peak-idle > 64<<20 {
			t.Errorf("10M numbers (chunked %v): the tree grew by %s", chunked, mb(peak-idle))
		}
		t.Logf("10M numbers (%d-byte body, chunked %v): %d in %v, tree %s idle, %s peak", len(ten), chunked, r.status, time.Since(start).Round(time.Millisecond), mb(idle), mb(peak))
	}

	// Over the count but within the bytes: the parse stops at the limit.
	r := httpPost(s.url+"/process", "application/json", ten[:300_001])
	if r.status != http.StatusRequestEntityTooLarge || !bytes.Contains(r.body, []byte("more than 100000 numbers")) {
		t.Errorf("150,000 numbers: %v, want 413", r)
	}

	// Heavy work over the bound: 1,000 negative fractions x 1e8 rounds.
	var neg bytes.Buffer
	neg.WriteString(`{"rounds":1e8,"numbers":[`)
	for i := range 1000 {
		if i > 0 {
			neg.WriteByte(',')
		}
		fmt.Fprintf(&neg, "-%d.5", i+1)
	}
	neg.WriteString(`]}`)
	r = httpPost(s.url+"/process", "application/json", neg.Bytes())
	if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte("--max-work")) {
		t.Errorf("heavy over --max-work: %v, want 422", r)
	}
	if n := s.metric("imgpar_jobs_in_flight"); n != 0 {
		t.Errorf("a refused job is in flight")
	}
	// Positive and integral values are closed forms: no bound applies.
	r = httpPost(s.url+"/process", "application/json", []byte(`{"rounds":1e15,"numbers":[1.5,2,-3]}`))
	if r.status != 200 {
		t.Errorf("cheap heavy with 1e15 rounds: %v", r)
	}

	// The largest request accepted, 100,000 numbers of 11 bytes each.
	b.Reset()
	b.WriteString(`{"op":"double","numbers":[`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "-%d.%04d", 10000+i%90000, i%10000)
	}
	b.WriteString(`]}`)
	idle = s.idleRSS()
	peak := s.peakRSS(func() { r = httpPost(s.url+"/process", "application/json", b.Bytes()) })
	var res struct{ Result []float64 }
	if r.status != 200 || json.Unmarshal(r.body, &res) != nil || len(res.Result) != 100_000 {
		t.Fatalf("100,000 numbers: %v", r)
	}
	grew := peak - idle
	t.Logf("100,000 numbers (%d-byte body): the tree grew by %s (%.1f x the body)", b.Len(), mb(grew), float64(grew)/float64(b.Len()))
	if grew > 16*int64(b.Len())+32<<20 {
		t.Errorf("100,000 numbers: the tree grew by %s for a %d-byte body", mb(grew), b.Len())
	}
	s.stop(syscall.SIGTERM)
}

// rawRequest sends head and then part of a body on a new connection,
// stalls, and reads the answer.
func rawRequest(t *testing.T, url, head string, body []byte) *http.Response {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	return resp
}

// TestServeSlowBody: a body that does not arrive within --request-timeout
// gets 408 with the JSON error, on both routes (it got an empty 200).
func TestServeSlowBody(t *testing.T) {
	s := startServer(t, "--procs", "1", "--threads", "1", "--request-timeout", "1s")
	host := strings.TrimPrefix(s.url, "http://")
	for _, tc := range []struct{ path, contentType string }{
		{"/process", "application/json"},
		{"/upload", "image/png"},
		{"/upload", "multipart/form-data; boundary=XX"},
	} {
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 100000\r\nX-Request-ID: slow-1\r\n\r\n", tc.path, host, tc.contentType)
		part := []byte("[1,2,")
		if strings.HasPrefix(tc.contentType, "image/") {
			part = serveTestdata(t, "photos/moss-landscape-444.jpg")[:200]
		} else if strings.HasPrefix(tc.contentType, "multipart/") {
			part = []byte("--XX\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\x89PNG")
		}
		resp := rawRequest(t, s.url, head, part)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get("Content-Type") != "application/json" ||
			!bytes.Contains(body, []byte(`"error":"request body not received within the request timeout"`)) || !bytes.Contains(body, []byte(`"request_id":"slow-1"`)) {
			t.Errorf("%s %s, stalled body: %d %s", tc.path, tc.contentType, resp.StatusCode, body)
		}
	}
	if n := s.metric(`imgpar_http_requests_total{route="/upload",code="408"}`); n != 2 {
		t.Errorf("/upload 408s in /metrics: %v, want 2", n)
	}
	s.stop(syscall.SIGTERM)
}

// waitIdle polls a worker until its CPU time stops growing over a 300 ms
// window, or it is gone; it returns when that was first seen.
func waitIdle(t *testing.T, pid int, bound time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		a, alive := cpuTicks(pid)
		if !alive {
			return time.Now()
		}
		seen := time.Now()
		time.Sleep(300 * time.Millisecond)
		b, alive := cpuTicks(pid)
		if !alive || b == a {
			return seen
		}
	}
	t.Fatalf("worker %d still burning CPU %v after its request was canceled", pid, bound)
	return time.Time{}
}

// TestServeCancelAVIF: an AVIF encode (WebAssembly, which cannot be
// interrupted) whose client leaves or whose request times out stops: its
// worker is killed after a short grace and replaced, and the kill is not a
// crash of the job (no retry; the next request is served).
func TestServeCancelAVIF(t *testing.T) {
	// Big enough that the encode outlasts the cancel by seconds on a fast
	// idle machine too (2400x2400 took under 4 s on one; 4000x4000 is 2.8x
	// the work).
	img := noisePNG(t, 4000, 4000)
	// The cancel must come while the job is in the encoder: before it, the
	// job stops by itself at the next stage and its worker is not killed.
	// On a busy machine decoding the image can take longer than any fixed
	// wait or timeout (it once outlasted a 2 s request timeout), so measure
	// here, now, what the steps before the encoder cost: decoding and a
	// tiny PNG of the same image, in worker CPU time and in wall time.
	cal := startServer(t, "--procs", "1", "--threads", "1", "--mem-limit", "2GiB", "--max-upload", "128MiB")
	kids := cal.workers()
	if len(kids) != 1 {
		t.Fatalf("workers %v, want 1", kids)
	}
	t0, _ := cpuTicks(kids[0])
	start := time.Now()
	if r := httpPost(cal.url+"/upload?width=8&format=png", "image/png", img); r.status != 200 {
		t.Fatalf("calibration: %v", r)
	}
	calWall := time.Since(start)
	t1, _ := cpuTicks(kids[0])
	calTicks := t1 - t0
	cal.stop(syscall.SIGTERM)
	t.Logf("before the encoder: %d ticks of worker CPU, %v", calTicks, calWall.Round(10*time.Millisecond))
	for _, how := range []string{"client leaves", "request timeout"} {
		// A request timeout three times what decoding took, wall clock: on
		// a machine as busy as during the calibration the encoder has
		// started by then. The client who leaves waits for the worker's CPU
		// instead, and no timeout ends its request first.
		timeout := 3*calWall + 2*time.Second
		if how == "client leaves" {
			timeout = 10 * time.Minute
		}
		s := startServer(t, "--procs", "1", "--threads", "1", "--mem-limit", "2GiB", "--request-timeout", timeout.Round(time.Second).String(), "--max-upload", "128MiB")
		kids := s.workers()
		if len(kids) != 1 {
			t.Fatalf("workers %v, want 1", kids)
		}
		worker := kids[0]
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan httpReply, 1)
		go func() {
			done <- httpDo(ctx, http.MethodPost, s.url+"/upload?width=0&format=avif", "image/png", img)
		}()
		s.eventually("the AVIF job in flight", func() bool { return s.metric("imgpar_jobs_in_flight") == 1 })
		var gone time.Time
		if how == "client leaves" {
			t0, _ := cpuTicks(worker)
			s.eventually("the worker in the encoder", func() bool {
				n, _ := cpuTicks(worker)
				return n-t0 >= calTicks*3/2+50
			})
			gone = time.Now()
			cancel()
			<-done
		} else {
			r := <-done
			gone = time.Now()
			if r.status != http.StatusGatewayTimeout {
				t.Errorf("AVIF job past --request-timeout: %v, want 504", r)
			}
		}
		cancel()
		idle := waitIdle(t, worker, 60*time.Second)
		t.Logf("%s: worker %d idle %v after the request ended", how, worker, idle.Sub(gone).Round(10*time.Millisecond))
		s.eventually("a new worker ready", func() bool {
			k := s.workers()
			return len(k) == 1 && k[0] != worker && s.metric("imgpar_workers_ready") == 1
		})
		if n := s.metric("imgpar_jobs_in_flight"); n != 0 {
			t.Errorf("%s: %v jobs in flight, want 0 (the canceled job is not retried)", how, n)
		}
		if r := httpPost(s.url+"/upload?width=64", "image/jpeg", serveTestdata(t, "photos/moss-landscape-444.jpg")); r.status != 200 {
			t.Errorf("%s: after the kill: %v", how, r)
		}
		if !strings.Contains(s.log(), "a canceled job did not stop within 1s") {
			t.Errorf("%s: the server log does not say why the worker was killed:\n%s", how, s.log())
		}
		s.stop(syscall.SIGTERM)
	}
}

// TestServeMemoryReturned: after the hostile set (the bomb, 10M numbers, a
// canceled AVIF encode) and a big legitimate job, the tree returns near its
// idle size within seconds.
func TestServeMemoryReturned(t *testing.T) {
	s := startServer(t, "--procs", "1", "--threads", "1", "--mem-limit", "1GiB")
	idle := s.idleRSS()
	if r := httpPost(s.url+"/upload?width=0&format=avif", "image/png", bombPNG(16383, 16383)); r.status != 422 {
		t.Errorf("bomb: %v", r)
	}
	ten := append(append([]byte("["), bytes.Repeat([]byte("1,"), 10_000_000)...), '1', ']')
	if r := httpPost(s.url+"/process", "application/json", ten); r.status != 413 {
		t.Errorf("10M numbers: %v", r)
	}
	// A big job within the budget: a 4000x3000 PNG, decoded whole (46 MiB
	// of pixels and more in scratch), re-encoded at full size.
	big := gradientPNG(t, 4000, 3000)
	var r httpReply
	peak := s.peakRSS(func() { r = httpPost(s.url+"/upload?width=0&format=jpeg", "image/png", big) })
	if r.status != 200 {
		t.Fatalf("big image: %v", r)
	}
	end := time.Now()
	var now int64
	s.eventually("the tree back near idle", func() bool {
		now = treeRSS(s.cmd.Process.Pid)
		return now < idle+48<<20
	})
	t.Logf("tree RSS: %s idle, %s at the big job's peak, %s %v after it", mb(idle), mb(peak), mb(now), time.Since(end).Round(10*time.Millisecond))
	s.stop(syscall.SIGTERM)
}

// TestServeDriveBy: requests a web page could make are refused: a foreign
// Host (DNS rebinding), a foreign Origin, no token; the allowed ones pass.
// Request IDs are echoed or made, and errors name no pid or path.
func TestServeDriveBy(t *testing.T) {
	t.Setenv("IMGPAR_TOKEN", "s3cret")
	s := startServer(t, "--procs", "1", "--threads", "1", "--allow-host", "images.example.com", "--allow-origin", "https://app.example.com", "--max-work", "-1")
	do := func(method, path, host, origin, token, rid string, body []byte) httpReply {
		req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if host != "" {
			req.Host = host
		}
		for k, v := range map[string]string{"Origin": origin, "X-Request-ID": rid} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return httpReply{err: err}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return httpReply{status: resp.StatusCode, header: resp.Header, body: b}
	}
	nums := []byte(`{"op":"double","numbers":[1]}`)
	for _, tc := range []struct {
		name               string
		path, host, origin string
		token              string
		status             int
		msg                string
	}{
		{"rebinding Host", "/process", "evil.example:3000", "", "s3cret", 421, "--allow-host"},
		{"rebinding Host, metrics", "/metrics", "evil.example", "", "s3cret", 421, "--allow-host"},
		{"foreign Origin", "/process", "", "http://evil.example", "s3cret", 403, "--allow-origin"},
		{"opaque Origin", "/process", "", "null", "s3cret", 403, "--allow-origin"},
		{"no token", "/process", "", "", "", 401, "bearer token"},
		{"wrong token", "/metrics", "", "", "guess", 401, "bearer token"},
		{"allowed", "/process", "", "", "s3cret", 200, "result"},
		{"allowed Host", "/process", "images.example.com", "", "s3cret", 200, "result"},
		{"localhost", "/process", "localhost", "", "s3cret", 200, "result"},
		{"allowed Origin", "/process", "", "https://app.example.com", "s3cret", 200, "result"},
		{"healthz without token", "/healthz", "", "", "", 200, "ok"},
	} {
		method := http.MethodPost
		if tc.path != "/process" {
			method = http.MethodGet
		}
		r := do(method, tc.path, tc.host, tc.origin, tc.token, "", nums)
		if r.status != tc.status || !bytes.Contains(r.body, []byte(tc.msg)) {
			t.Errorf("%s: %v, want %d mentioning %q", tc.name, r, tc.status, tc.msg)
		}
		if r.header.Get("X-Request-ID") == "" {
			t.Errorf("%s: no X-Request-ID", tc.name)
		}
	}
	// X-Request-ID is echoed, in the header and in an error.
	r := do(http.MethodPost, "/process", "", "", "s3cret", "trace-42", []byte(`{"numbers":[1],"op":"cube"}`))
	if r.status != 400 || r.header.Get("X-Request-ID") != "trace-42" || !bytes.Contains(r.body, []byte(`"request_id":"trace-42"`)) {
		t.Errorf("request ID: %v, header %q", r, r.header.Get("X-Request-ID"))
	}
	// Repeated query parameters are refused, not first-wins.
	r = do(http.MethodPost, "/upload?width=100&width=5000", "", "", "s3cret", "", nil)
	if r.status != 400 || !bytes.Contains(r.body, []byte(`\"width\" given more than once`)) {
		t.Errorf("repeated width: %v", r)
	}

	// A job that kills its worker twice: 500, naming no pid or path; the
	// details are in the server log under the request ID.
	done := make(chan httpReply, 1)
	go func() { done <- do(http.MethodPost, "/process", "", "", "s3cret", "poison-1", slowNumbers(40000)) }()
	last := 0
	for range 2 {
		var worker int
		s.eventually("the job running on a new worker", func() bool {
			kids := s.workers()
			if len(kids) != 1 || kids[0] == last {
				return false
			}
			worker = kids[0]
			return healthzInFlight(s.url) == 1
		})
		// Running it, not just holding it: a job is blamed for the
		// deaths of workers that had started it.
		t0, _ := cpuTicks(worker)
		s.eventually("the worker busy", func() bool { n, _ := cpuTicks(worker); return n-t0 >= 30 })
		if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		last = worker
	}
	r = <-done
	if r.status != 500 || regexp.MustCompile(`worker \d|/tmp|imgpar-serve`).Match(r.body) || !bytes.Contains(r.body, []byte("poison-1")) {
		t.Errorf("job that crashed two workers: %v; want 500 naming no pid or path", r)
	}
	t.Logf("job that crashed two workers: %v", r)
	s.eventually("the details in the server log", func() bool {
		return strings.Contains(s.log(), "request poison-1: numbers: gave up after 2 worker crashes")
	})
	s.stop(syscall.SIGTERM)
}

// healthzInFlight is the in_flight of GET /healthz (which needs no token).
func healthzInFlight(url string) int {
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var h struct {
		InFlight int `json:"in_flight"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil {
		return -1
	}
	return h.InFlight
}

// TestServeHousekeeping: stale upload directories of dead servers are
// removed at start; past --max-conns a connection gets 503 at once.
func TestServeHousekeeping(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("imgpar-serve-%d-1234", gone.Process.Pid))
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "7.in"), make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--procs", "1", "--threads", "1", "--max-conns", "2")
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s left in place", stale)
	}
	if !strings.Contains(s.log(), "removed "+stale) {
		t.Errorf("no word of the stale directory:\n%s", s.log())
	}
	mine, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("imgpar-serve-%d-*", s.cmd.Process.Pid)))
	if len(mine) != 1 {
		t.Errorf("the server's own upload directory: %v", mine)
	}

	// Two idle connections fill the cap; a third is answered 503.
	http.DefaultClient.CloseIdleConnections()
	addr := strings.TrimPrefix(s.url, "http://")
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	s.eventually("503 past --max-conns", func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "" && bytes.Contains(b, []byte("--max-conns"))
	})
	for _, c := range held {
		c.Close()
	}
	s.eventually("served again once the connections closed", func() bool {
		r := httpPost(s.url+"/process", "application/json", []byte(`{"numbers":[2],"op":"double"}`))
		return r.status == 200
	})
	s.stop(syscall.SIGTERM)
	if left, _ := filepath.Glob(filepath.Join(tmp, "imgpar-serve-*")); len(left) != 0 {
		t.Errorf("left after a clean stop: %v", left)
	}
}
