package raster_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// The planner (engine.EstimateImage) estimates a JPEG's decode memory with
// JPEGDecodeMemory from the header imgfmt.Probe reads. That figure must be
// the one raster makes from the file itself (DecodeJPEGMemory, which
// TestDecodeJPEGMemory checks against what decoding really allocates).
func TestJPEGDecodeMemoryFromProbe(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*/*.jp*g")
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
		n := min(h.Components, 4)
		for _, denom := range []int{1, 2, 4, 8} {
			want, err := raster.DecodeJPEGMemory(data, denom)
			if err != nil {
				continue
			}
			compared++
			got := raster.JPEGDecodeMemory(h.SOF, h.BitDepth, h.Width, h.Height, h.Sampling[:n], denom)
			if got != want {
				t.Errorf("%s at 1/%d: estimate from the probed header %d, from the file %d", filepath.Base(p), denom, got, want)
			}
		}
	}
	if compared < 80 {
		t.Errorf("compared only %d estimates", compared)
	}
}
