package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkPlanLibrary plans a library of small JPEGs (hard links to one
// photo, 1,000 per folder) and reports the live heap that the collected
// inputs and the plan hold per input (B/input), the figure issue 17 bounds
// (docs/scaling.md). IMGPAR_BENCH_INPUTS sets the count (default 20,000).
// A memory figure, not an assertion.
func BenchmarkPlanLibrary(b *testing.B) {
	n := 20000
	if s := os.Getenv("IMGPAR_BENCH_INPUTS"); s != "" {
		fmt.Sscan(s, &n)
	}
	dir := b.TempDir()
	photo := filepath.Join("..", "testdata", "photos", "cups-portrait-420.jpg")
	data, err := os.ReadFile(photo)
	if err != nil {
		b.Fatal(err)
	}
	var src string
	for i := range n {
		if i%50000 == 0 {
			src = filepath.Join(dir, fmt.Sprintf("src%d.jpg", i/50000))
			if err := os.WriteFile(src, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		d := filepath.Join(dir, "in", fmt.Sprintf("d%04d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.Link(src, filepath.Join(d, fmt.Sprintf("img%07d.jpg", i))); err != nil {
			b.Fatal(err)
		}
	}
	spec, err := NewImageSpec(ImageOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c, err := CollectInputs([]string{filepath.Join(dir, "in")}, nil, CollectOptions{OutDir: filepath.Join(dir, "out")})
		if err != nil {
			b.Fatal(err)
		}
		p, err := BuildPlan(c, PlanOptions{OutDir: filepath.Join(dir, "out"), Image: spec})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if len(p.Jobs) != n {
			b.Fatalf("%d jobs, want %d", len(p.Jobs), n)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/input")
		runtime.KeepAlive(c)
		runtime.KeepAlive(p)
	}
}

func TestExpandName(t *testing.T) {
	tests := []struct{ t, rel, ext, want string }{
		{DefaultName, "a/b/IMG_1.JPG", "jpg", "a/b/IMG_1.jpg"},
		{DefaultName, "top.png", "webp", "top.webp"},
		{"{dir}/{name}_small.{ext}", "x/y.tar.gz", "jpg", "x/y.tar_small.jpg"},
		{"{width}x{height}/{name}.{ext}", "p.jpg", "jpg", "800x600/p.jpg"},
		{"flat-{name}.{ext}", "deep/er/p.jpg", "png", "flat-p.png"},
		{"{name}.{ext}", ".hidden", "jpg", ".hidden.jpg"},
		{"{name}{name}.{ext}", "{dir}.jpg", "jpg", "{dir}{dir}.jpg"}, // values are not expanded again
		{"{format}/{name}.{ext}", "p.png", "jpg", "jpeg/p.jpg"},
	}
	for _, tc := range tests {
		if got := expandName(tc.t, tc.rel, tc.ext, "jpeg", 800, 600); got != tc.want {
			t.Errorf("expandName(%q, %q, %q) = %q, want %q", tc.t, tc.rel, tc.ext, got, tc.want)
		}
	}
}
