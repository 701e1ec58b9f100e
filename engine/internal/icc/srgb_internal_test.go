package icc

import (
	"math"
	"testing"
)

// TestMatrixGridKeepsMatchesRGB: the hoisted grid loop of a matrix/TRC
// transform gives the verdict the per-colour conversion gives, for
// profiles that pass it, fail it on the grid, and fail it far off.
func TestMatrixGridKeepsMatchesRGB(t *testing.T) {
	onGrid := SynthSRGBCurve("sRGB, level 99 moved", func(x float64) float64 {
		if math.Round(x*255) == 99 {
			x = 102.0 / 255
		}
		return srgbDecode(x)
	})
	for _, tc := range []struct {
		name string
		prof []byte
		want bool
	}{{"srgb", SRGBProfile(), true}, {"level-99-moved", onGrid, false}, {"p3", SynthP3(), false}} {
		p, err := Parse(tc.prof)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTransform(p)
		if err != nil || tr.lin == nil {
			t.Fatalf("%s: not a matrix/TRC transform (%v)", tc.name, err)
		}
		generic := true
		for r := 0; r < 256 && generic; r += equivalenceStep {
			for g := 0; g < 256 && generic; g += equivalenceStep {
				for b := 0; b < 256 && generic; b += equivalenceStep {
					generic = tr.keeps(r, g, b)
				}
			}
		}
		if got := tr.matrixGridKeeps(); got != generic || got != tc.want {
			t.Errorf("%s: hoisted loop %v, per colour %v, want %v", tc.name, got, generic, tc.want)
		}
	}
}
