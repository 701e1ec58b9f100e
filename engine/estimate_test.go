package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// The planner's estimate, made from the probed header, uses the same decode
// memory figure as raster.DecodeJPEGMemory gives from the file itself (which
// raster's tests check against what decoding really allocates).
func TestEstimateMatchesRaster(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*/*.jp*g")
	if len(files) < 20 {
		t.Fatalf("found %d test JPEGs", len(files))
	}
	compared := 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h, err := imgfmt.ProbeBytes(data)
		if err != nil {
			continue // the hostile ones
		}
		for _, ow := range []int{800, 200, 40} {
			oh := max(1, h.Height*ow/max(h.Width, 1))
			denom := raster.ShrinkDenom(h.Width, h.Height, ow, oh)
			want, err := raster.DecodeJPEGMemory(data, denom)
			if err != nil {
				continue
			}
			compared++
			size := int64(len(data))
			got := estimateImageBytes(h, size, ow, oh) - size - (int64(ow)*int64(oh)*8 + 2<<20)
			if got != want {
				t.Errorf("%s to %d wide: planner's decode estimate %d, raster's %d", filepath.Base(p), ow, got, want)
			}
		}
	}
	if compared < 60 {
		t.Errorf("compared only %d estimates", compared)
	}
}

// EstimateImage adds what the WebAssembly encoders hold (measured, see
// encoderBytes) to the planner's decode and output estimate, for the
// output size the spec gives.
func TestEstimateImageEncoders(t *testing.T) {
	h := imgfmt.Header{Format: imgfmt.PNG, Width: 2000, Height: 1000, Components: 4, BitDepth: 8, Orientation: 1}
	const size = 1 << 20
	base := estimateImageBytes(h, size, 1000, 500)
	for _, tc := range []struct {
		format string
		extra  int64
	}{
		{"jpeg", 0},
		{"png", 0},
		{"webp", 1000*500*48 + 32<<20},
		{"avif", 1000*500*96 + 32<<20},
	} {
		spec := mustSpec(t, ImageOptions{Width: new(1000), Format: tc.format, Quality: new(80)})
		est, w, ht, err := EstimateImage(spec, h, size)
		if err != nil || w != 1000 || ht != 500 {
			t.Fatalf("%s: %dx%d, %v", tc.format, w, ht, err)
		}
		if est != base+tc.extra {
			t.Errorf("%s: estimate %d, want %d", tc.format, est, base+tc.extra)
		}
	}
	// The display size decides the output: orientation 6 turns the image.
	h.Orientation = 6
	if _, w, ht, _ := EstimateImage(mustSpec(t, ImageOptions{Width: new(500), Format: "jpeg"}), h, size); w != 500 || ht != 1000 {
		t.Errorf("rotated: %dx%d, want 500x1000", w, ht)
	}
}
