//go:build unix

package imgfmt

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
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
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
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
