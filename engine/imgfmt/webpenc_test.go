package imgfmt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gen2brain/webp"

	"github.com/imgpar/imgpar/engine/imgfmt/internal/webpwasm"
)

// webpCase is one input and the encoder arguments for it.
type webpCase struct {
	name            string
	img             *image.NRGBA
	quality, method int
	lossless, exact bool
}

// webpCases: real photo crops (one at the workload's 800x450), pictures with
// soft and with fully transparent alpha, odd and tiny sizes, lossy at several
// qualities and methods with and without -exact, and lossless.
func webpCases(t testing.TB) []webpCase {
	full := benchImage(t)
	crop := func(x, y, w, h int) *image.NRGBA {
		min := full.Bounds().Min.Add(image.Pt(x, y))
		return toNRGBA(full.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(0, 0, w, h).Add(min)))
	}
	// A 240x136 crop of the photo: big enough for every libwebp stage
	// (segments, filters, several macroblock rows), small enough to be quick.
	photo := crop(280, 150, 240, 136)
	alpha := gradient(97, 61) // every alpha level along x
	for y := range 61 {
		for x := range 97 {
			alpha.Pix[y*alpha.Stride+4*x+3] = uint8(x * 255 / 96)
		}
	}
	// A photo crop of odd size with a fully transparent hole (what -exact
	// keeps and the default cleans up) and a soft edge.
	holed := crop(37, 11, 101, 67)
	for y := range 67 {
		for x := range 101 {
			a := 255
			if d := (x-50)*(x-50) + (y-33)*(y-33); d < 400 {
				a = 0
			} else if d < 900 {
				a = (d - 400) * 255 / 500
			}
			holed.Pix[y*holed.Stride+4*x+3] = uint8(a)
		}
	}
	return []webpCase{
		{"photo-q80-m4", photo, 80, 4, false, false},
		{"alpha-q80-m4", alpha, 80, 4, false, false},
		{"photo-q30-m6", photo, 30, 6, false, false},
		{"odd-q95-m0", gradient(17, 9), 95, 0, false, false},
		{"tiny-q80", gradient(1, 1), 80, 4, false, false},
		{"holed-q75-m2", holed, 75, 2, false, false},
		{"holed-q75-m2-exact", holed, 75, 2, false, true},
		{"photo800x450-q80-m4", toNRGBA(full), 80, 4, false, false},
		{"alpha-lossless-exact", alpha, 80, 4, true, true},
		{"photo-lossless-m1", photo, 75, 1, true, false},
		{"holed-lossless-m4", holed, 60, 4, true, false},
		{"tiny-lossless", gradient(1, 1), 100, 6, true, false},
	}
}

// cwebpWebP is the reference: Debian's cwebp (libwebp 1.2.4 native, with its
// SSE2 and SSE4.1 code) on the same pixels as a PNG, with the same settings.
func cwebpWebP(t testing.TB, cwebp string, c webpCase) []byte {
	t.Helper()
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, c.img); err != nil {
		t.Fatal(err)
	}
	in := writeTemp(t, "in.png", pngData.Bytes())
	out := in + ".webp"
	args := []string{"-quiet", "-q", strconv.Itoa(c.quality), "-m", strconv.Itoa(c.method)}
	if c.lossless {
		args = append(args, "-lossless")
	}
	if c.exact {
		args = append(args, "-exact")
	}
	runTool(t, cwebp, append(args, in, "-o", out)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// gen2brainWebP is gen2brain/webp's Encode (libwebp 1.4.0 as WebAssembly,
// plain C), a fresh module instance per call.
func gen2brainWebP(t testing.TB, c webpCase) []byte {
	t.Helper()
	if webp.Dynamic() == nil {
		t.Skip("gen2brain/webp is using a system libwebp (not the WebAssembly module); run with -tags nodynamic")
	}
	var buf bytes.Buffer
	if err := webp.Encode(&buf, c.img, webp.Options{Quality: c.quality, Method: c.method, Lossless: c.lossless, Exact: c.exact}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeWith(t testing.TB, codec *wasmWebP, c webpCase) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codec.encode(&buf, c.img, c.quality, c.method, c.lossless, c.exact); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return buf.Bytes()
}

// TestWazeroPin: the cache's per-version directory follows go.mod.
func TestWazeroPin(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "github.com/tetratelabs/wazero "+wazeroPin+"\n") {
		t.Fatalf("go.mod does not require github.com/tetratelabs/wazero %s: update wazeroPin in wasmcache.go", wazeroPin)
	}
}

// TestWebPModuleSHA256: the embedded module is the one build.sh makes
// (internal/webpwasm/FORK.md).
func TestWebPModuleSHA256(t *testing.T) {
	sum := sha256.Sum256(webpwasm.Gz)
	if got := hex.EncodeToString(sum[:]); got != webpwasm.SHA256 {
		t.Fatalf("internal/webpwasm/webp.wasm.gz: sha256 %s, want %s", got, webpwasm.SHA256)
	}
}

// TestWebPEncoderMatchesCwebp: imgfmt's encoder (libwebp's SSE2/SSE4.1 code
// translated to WebAssembly SIMD, cached compile, module instances reused
// across calls, in any order and from several goroutines) writes exactly the
// bytes native cwebp of the same libwebp writes.
func TestWebPEncoderMatchesCwebp(t *testing.T) {
	cwebp := needTool(t, "cwebp", "webp")
	if out, err := exec.Command(cwebp, "-version").Output(); err != nil || !strings.HasPrefix(string(out), webpwasm.LibwebpVersion+"\n") {
		t.Skipf("cwebp is libwebp %q, not %s (the module's version): outputs may differ", strings.TrimSpace(string(out)), webpwasm.LibwebpVersion)
	}
	cases := webpCases(t)
	want := make([][]byte, len(cases))
	for i, c := range cases {
		want[i] = cwebpWebP(t, cwebp, c)
	}
	shared := t.TempDir()
	first, err := newWasmWebP(context.Background(), shared) // compiles, fills the cache
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cacheEntries(t, shared)); n == 0 {
		t.Fatal("compiling wrote no cache entry")
	}
	second, err := newWasmWebP(context.Background(), shared) // loads from the cache
	if err != nil {
		t.Fatal(err)
	}
	for n, codec := range []*wasmWebP{first, second} {
		// Three rounds in different orders: each instance has encoded other
		// pictures (bigger, smaller, with alpha) before.
		for round := range 2 {
			for k := range cases {
				i := (k*(round+1) + round) % len(cases)
				if got := encodeWith(t, codec, cases[i]); !bytes.Equal(got, want[i]) {
					t.Errorf("round %d %s: %d bytes, cwebp %d (not byte-identical)", round, cases[i].name, len(got), len(want[i]))
				}
			}
		}
		if n == 0 {
			continue
		}
		// Concurrently: several instances in use at once.
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Go(func() {
				for k := range cases {
					i := (k + g) % len(cases)
					var buf bytes.Buffer
					if err := codec.encode(&buf, cases[i].img, cases[i].quality, cases[i].method, cases[i].lossless, cases[i].exact); err != nil {
						t.Error(err)
					} else if !bytes.Equal(buf.Bytes(), want[i]) {
						t.Errorf("concurrent %s: not byte-identical to cwebp", cases[i].name)
					}
				}
			})
		}
		wg.Wait()
	}
}

// TestWebPEncoderMatchesGen2brain: the output is also byte-identical to
// gen2brain/webp's Encode, libwebp 1.4.0's plain C as WebAssembly, the
// module imgfmt ran before (a fresh instance per call): the SIMD paths and
// the older release change no file of these cases, lossy or lossless.
func TestWebPEncoderMatchesGen2brain(t *testing.T) {
	codec, err := newWasmWebP(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range webpCases(t) {
		if got, want := encodeWith(t, codec, c), gen2brainWebP(t, c); !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, gen2brain/webp %d (not byte-identical)", c.name, len(got), len(want))
		}
	}
}

func cacheEntries(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, wasmEntrySuffix) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// validEntry reports whether a cache entry's hash matches its content.
func validEntry(data []byte) bool {
	if len(data) < sha256.Size {
		return false
	}
	sum := sha256.Sum256(data[sha256.Size:])
	return bytes.Equal(sum[:], data[:sha256.Size])
}

// TestWasmCacheDamaged: a damaged, truncated or foreign cache entry
// is ignored (no error, no crash, the same bytes out) and replaced by a
// good one; a cache directory that cannot be created costs only the
// compile.
func TestWasmCacheDamaged(t *testing.T) {
	c := webpCases(t)[0]
	shared := t.TempDir()
	codec, err := newWasmWebP(context.Background(), shared)
	if err != nil {
		t.Fatal(err)
	}
	want := encodeWith(t, codec, c)
	entries := cacheEntries(t, shared)
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v, want one", entries)
	}
	entry := entries[0]
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	rehash := func(content []byte) []byte {
		sum := sha256.Sum256(content)
		return append(sum[:], content...)
	}
	damage := map[string]func([]byte) []byte{
		// A flipped bit in the function offsets (just after wazero's
		// header), which wazero's own CRC does not cover.
		"offsets-bit": func(b []byte) []byte { b = bytes.Clone(b); b[sha256.Size+40] ^= 4; return b },
		"truncated":   func(b []byte) []byte { return b[:len(b)/2] },
		// A hash that matches content wazero cannot read (another format
		// under the same name): wazero refuses it, the cache is bypassed.
		"foreign": func(b []byte) []byte {
			return rehash([]byte("not a wazero cache file at all, but long enough to pass the header reads"))
		},
		"stale-header": func(b []byte) []byte {
			content := bytes.Clone(b[sha256.Size:])
			copy(content, "XXXXXX") // wazero's magic
			return rehash(content)
		},
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(entry, f(good), 0o644); err != nil {
				t.Fatal(err)
			}
			codec, err := newWasmWebP(context.Background(), shared)
			if err != nil {
				t.Fatalf("with a %s cache entry: %v", name, err)
			}
			if got := encodeWith(t, codec, c); !bytes.Equal(got, want) {
				t.Errorf("with a %s cache entry: output differs", name)
			}
			codec.rt.Close(context.Background())
			// The next process finds a good entry again (rewritten by this one
			// or, after wazero refused one, by the one after).
			if _, err := newWasmWebP(context.Background(), shared); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(entry)
			if err != nil || !validEntry(data) || !bytes.Equal(data, good) {
				t.Errorf("after a %s entry: the cache was not repaired (err %v)", name, err)
			}
		})
	}
	t.Run("not-a-directory", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		codec, err := newWasmWebP(context.Background(), filepath.Join(file, "cache"))
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeWith(t, codec, c); !bytes.Equal(got, want) {
			t.Error("output differs")
		}
	})
}

// TestWasmCacheConcurrentFill: processes starting together with an empty
// cache all compile and publish; none fails or sees half a file.
func TestWasmCacheConcurrentFill(t *testing.T) {
	shared := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			codec, err := newWasmWebP(context.Background(), shared)
			if err == nil {
				codec.rt.Close(context.Background())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	entries := cacheEntries(t, shared)
	if len(entries) != 1 {
		t.Fatalf("entries %v, want one", entries)
	}
	data, err := os.ReadFile(entries[0])
	if err != nil || !validEntry(data) {
		t.Fatalf("entry not valid: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(entries[0]), "*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// BenchmarkWebPCompile: the per-process cost of getting libwebp's machine
// code, compiled by wazero or loaded from the cache.
func BenchmarkWebPCompile(b *testing.B) {
	shared := b.TempDir()
	if _, err := newWasmWebP(context.Background(), shared); err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct{ name, dir string }{{"compile", ""}, {"cached", shared}} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				codec, err := newWasmWebP(context.Background(), v.dir)
				if err != nil {
					b.Fatal(err)
				}
				codec.rt.Close(context.Background())
			}
		})
	}
}

// BenchmarkWebPInstance: one encode with a fresh module instance per call
// (gen2brain/webp's way) against a reused one, on a tiny picture (the fixed
// cost) and the 800x450 photo.
func BenchmarkWebPInstance(b *testing.B) {
	codec, err := newWasmWebP(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	for _, img := range []struct {
		name string
		img  *image.NRGBA
	}{{"16x16", gradient(16, 16)}, {"800x450", toNRGBA(benchImage(b))}} {
		b.Run(fmt.Sprintf("fresh/%s", img.name), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				mod, err := codec.rt.InstantiateModule(ctx, codec.cm, codec.mc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := wasmWebPEncode(ctx, mod, img.img, 80, 4, false, false); err != nil {
					b.Fatal(err)
				}
				mod.Close(ctx)
			}
		})
		b.Run(fmt.Sprintf("reused/%s", img.name), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := codec.encode(&buf, img.img, 80, 4, false, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGrowingMemory: the encoder instances' linear memory keeps its bytes
// across grows, shows zeros past the old length (as WebAssembly requires,
// also when a grow fits the capacity), refuses to pass its maximum, and
// copies only when the capacity runs out (by doubling).
func TestGrowingMemory(t *testing.T) {
	const page = 64 << 10
	m := &growingMemory{max: 64 * page}
	b := m.Reallocate(page)
	if len(b) != page {
		t.Fatalf("len %d, want %d", len(b), page)
	}
	copies := 0
	for size := uint64(2 * page); size <= 64*page; size += 3 * page / 2 {
		size -= size % page
		old := b
		for i := range old {
			old[i] = byte(i*7 + len(old))
		}
		b = m.Reallocate(size)
		if uint64(len(b)) != size {
			t.Fatalf("grow to %d: len %d", size, len(b))
		}
		if &b[0] != &old[0] {
			copies++
		}
		for i := range old {
			if b[i] != byte(i*7+len(old)) {
				t.Fatalf("grow to %d: byte %d changed", size, i)
			}
		}
		for i := len(old); i < len(b); i++ {
			if b[i] != 0 {
				t.Fatalf("grow to %d: new byte %d is %d, want 0", size, i, b[i])
			}
		}
	}
	if copies > 7 { // 1 -> 64 pages by doubling: 6 copies
		t.Errorf("%d copies for 1 -> 64 pages, want at most 7", copies)
	}
	if m.Reallocate(65*page) != nil {
		t.Error("grew past its maximum")
	}
}
