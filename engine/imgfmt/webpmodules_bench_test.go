//go:build unix

package imgfmt

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// BenchmarkWebPModules compares builds of the WebP module (for example
// internal/webpwasm/build.sh's "plain" and "simd" outputs, or another
// libwebp's): IMGPAR_BENCH_WEBP_MODULES names .wasm.gz files, and each
// encodes the 800x450 photo at q80 -m 4 through imgfmt's encode path with
// a reused instance. cpu-ms/op is the process's user+sys CPU per encode,
// which a busy machine stretches far less than wall time.
func BenchmarkWebPModules(b *testing.B) {
	paths := strings.Fields(os.Getenv("IMGPAR_BENCH_WEBP_MODULES"))
	if len(paths) == 0 {
		b.Skip("set IMGPAR_BENCH_WEBP_MODULES to .wasm.gz files to compare")
	}
	img := toNRGBA(benchImage(b))
	ctx := context.Background()
	for _, p := range paths {
		gz, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		bin, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		rt, cm, err := compileWasm(ctx, bin, "")
		if err != nil {
			b.Fatal(err)
		}
		if err := instantiateWebPImports(ctx, rt); err != nil {
			b.Fatal(err)
		}
		codec := &wasmWebP{rt: rt, cm: cm, mc: wazero.NewModuleConfig()}
		b.Run(strings.TrimSuffix(filepath.Base(p), ".wasm.gz"), func(b *testing.B) {
			var buf bytes.Buffer
			var r0, r1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			for b.Loop() {
				buf.Reset()
				if err := codec.encode(&buf, img, 80, 4, false, false); err != nil {
					b.Fatal(err)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
		rt.Close(ctx)
	}
}

// TestWebPModulesInterleaved is BenchmarkWebPModules for a busy machine:
// it encodes with each module of IMGPAR_BENCH_WEBP_MODULES in turn, one
// encode each per round, for IMGPAR_BENCH_WEBP_ROUNDS rounds (default 30),
// and logs each module's median and quartiles of wall time per encode and
// its ratio to the first module's. Load from other processes then falls
// on all modules alike instead of on whichever sub-benchmark ran during
// it. It only measures (go test -v -run WebPModulesInterleaved).
func TestWebPModulesInterleaved(t *testing.T) {
	paths := strings.Fields(os.Getenv("IMGPAR_BENCH_WEBP_MODULES"))
	if len(paths) == 0 {
		t.Skip("set IMGPAR_BENCH_WEBP_MODULES to .wasm.gz files to compare")
	}
	rounds := 30
	if s := os.Getenv("IMGPAR_BENCH_WEBP_ROUNDS"); s != "" {
		if _, err := fmt.Sscan(s, &rounds); err != nil {
			t.Fatal(err)
		}
	}
	img := toNRGBA(benchImage(t))
	ctx := context.Background()
	codecs := make([]*wasmWebP, len(paths))
	for i, p := range paths {
		gz, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		bin, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		rt, cm, err := compileWasm(ctx, bin, "")
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		if err := instantiateWebPImports(ctx, rt); err != nil {
			t.Fatal(err)
		}
		codecs[i] = &wasmWebP{rt: rt, cm: cm, mc: wazero.NewModuleConfig()}
	}
	runtime.LockOSThread() // RUSAGE_THREAD is this thread's
	defer runtime.UnlockOSThread()
	threadCPU := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	times := make([][]time.Duration, len(paths))
	cpus := make([][]time.Duration, len(paths))
	sizes := make([]int, len(paths))
	var buf bytes.Buffer
	for r := -1; r < rounds; r++ { // round -1 warms up (instances, memory)
		for i, c := range codecs {
			buf.Reset()
			t0, c0 := time.Now(), threadCPU()
			if err := c.encode(&buf, img, 80, 4, false, false); err != nil {
				t.Fatal(err)
			}
			if r >= 0 {
				times[i] = append(times[i], time.Since(t0))
				cpus[i] = append(cpus[i], threadCPU()-c0)
			}
			sizes[i] = buf.Len()
		}
	}
	q := func(d []time.Duration, f float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[int(f*float64(len(s)-1)+0.5)].Microseconds()) / 1e3
	}
	base, cbase := q(times[0], 0.5), q(cpus[0], 0.5)
	for i, p := range paths {
		m, cm := q(times[i], 0.5), q(cpus[i], 0.5)
		t.Logf("%-20s wall median %6.1f ms (q1 %6.1f, q3 %6.1f) %.3fx; cpu median %6.1f ms (q1 %6.1f, q3 %6.1f) %.3fx; %d bytes",
			strings.TrimSuffix(filepath.Base(p), ".wasm.gz"), m, q(times[i], 0.25), q(times[i], 0.75), m/base,
			cm, q(cpus[i], 0.25), q(cpus[i], 0.75), cm/cbase, sizes[i])
	}
}
