package engine

import (
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
)

// EstimateImage adds what the WebAssembly encoders hold (measured, see
// encoderBytes) and the JPEG encoder's rate-distortion candidates to the
// planner's decode and output estimate, for the output size the spec gives.
func TestEstimateImageEncoders(t *testing.T) {
	h := imgfmt.Header{Format: imgfmt.PNG, Width: 2000, Height: 1000, Components: 4, BitDepth: 8, Orientation: 1}
	const size = 1 << 20
	base := estimateImageBytes(h, size, 1000, 500)
	for _, tc := range []struct {
		format string
		extra  int64
	}{
		{"jpeg", 1000*500*2 + 512<<10},
		{"png", 0},
		{"webp", 1000*500*32 + 8<<20},
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
