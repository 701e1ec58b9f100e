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
