package icc_test

import (
	"math"
	"os"
	"strings"

	"testing"

	"github.com/imgpar/imgpar/engine/internal/icc"
)

// colordICC holds Debian colord-data's profiles, made by colord's
// cd-create-profile from published colorimetry; iccFree is Debian
// icc-profiles-free.
var (
	colordICC = "/usr/share/color/icc/colord/"
	iccFree   = "/usr/share/color/icc/"
)

type equivCase struct {
	name    string
	profile func(t *testing.T) []byte
	want    bool
}

// glitched is sRGB with one curve entry (level 100, off every grid
// Identity samples) moved three levels: a coarse check calls it sRGB.
func glitched(*testing.T) []byte {
	return icc.SynthSRGBCurve("sRGB, level 100 moved", func(x float64) float64 {
		if math.Round(x*255) == 100 {
			x = 103.0 / 255
		}
		return icc.SRGBDecode(x)
	})
}

// raisedBlack is sRGB's curve over a black at 1% of white, as a measured
// display's profile may be: black point compensation hides it, a viewer
// that does not compensate shows blacks 33 levels up.
func raisedBlack(*testing.T) []byte {
	return icc.SynthSRGBCurve("sRGB over a raised black", func(x float64) float64 {
		return 0.01 + 0.99*icc.SRGBDecode(x)
	})
}

var equivCases = []equivCase{
	{"imgpar-srgb-v4", func(*testing.T) []byte { return icc.SRGBProfile() }, true},
	{"sRGB-curv-table-v2-gs", file(gsICC + "srgb.icc"), true}, // the HP profile's colorimetry
	{"sRGB-v2-icc-free", file(iccFree + "sRGB.icc"), true},
	{"sRGB-v4-colord", file(colordICC + "sRGB.icc"), true},
	// A calibration profile named "D65": by colour it is sRGB (its vcgt
	// tag is for the video card, not for images).
	{"sRGB-colorimetry-named-D65-colord", file(colordICC + "Gamma6500K.icc"), true},
	{"grey-sRGB-curve-gs", file(gsICC + "default_gray.icc"), true},
	{"synth-sRGB-table", func(*testing.T) []byte { return icc.SynthSRGBCurve("sRGB table", icc.SRGBDecode) }, true},

	{"adobergb-testdata", file("../../../testdata/icc/compatibleWithAdobeRGB1998.icc"), false},
	{"adobergb-v4-colord", file(colordICC + "AdobeRGB1998.icc"), false},
	{"prophoto-colord", file(colordICC + "ProPhotoRGB.icc"), false},
	{"rec709-curve-sRGB-primaries-colord", file(colordICC + "Rec709.icc"), false},
	{"p3-para-v4", func(*testing.T) []byte { return icc.SynthP3() }, false},
	{"rgb-lut16-argyll", fromImage("../../../testdata/icc/boats-rgb-lut-profile-2seg.jpg"), false},
	{"grey-gamma-testdata", file("../../imgfmt/testdata/Gray.icc"), false},
	{"grey-non-sRGB-curve-gs", file(gsICC + "sgray.icc"), false},
	{"cmyk-gs", file(gsICC + "default_cmyk.icc"), false},
	{"lab-gs", file(gsICC + "lab.icc"), false},
	{"sRGB-one-level-moved-3", glitched, false},
	{"sRGB-raised-black", raisedBlack, false},
}

// TestSRGBEquivalent: the verdict on real sRGB profiles (v2 and v4, curve
// tables and parametric, grey) and on real and made-up near misses.
func TestSRGBEquivalent(t *testing.T) {
	for _, tc := range equivCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := icc.Parse(tc.profile(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := icc.SRGBEquivalent(p); got != tc.want {
				t.Errorf("SRGBEquivalent = %v, want %v", got, tc.want)
			}
		})
	}
	// The coarse grid of Transform.Identity misses the glitch (which is
	// why the dense check exists), and compensation hides the raised black.
	for _, prof := range [][]byte{glitched(t), raisedBlack(t)} {
		if !mustTransform(t, prof).Identity() {
			t.Error("a near miss is no longer Identity: the test no longer shows what the dense check adds")
		}
	}
}

// TestSRGBEquivalentWholeCube: for every installed profile judged sRGB,
// all 2^24 colours (not only the checked grid) convert within
// SRGBTolerance. (The profiles made here convert exactly: lcms2 moves none
// of their colours.)
func TestSRGBEquivalentWholeCube(t *testing.T) {
	if testing.Short() {
		t.Skip("2^24 colours per profile")
	}
	for _, tc := range equivCases {
		if !tc.want || strings.HasPrefix(tc.name, "synth") || strings.HasPrefix(tc.name, "imgpar") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			tr := mustTransform(t, tc.profile(t))
			if tr.Channels() != 3 {
				t.Skip("grey: SRGBEquivalent already checks every level")
			}
			worst := 0
			for c := 0; c < 1<<24; c++ {
				r, g, b := uint8(c>>16), uint8(c>>8), uint8(c)
				o1, o2, o3 := tr.RGB(r, g, b)
				worst = max(worst, absInt(int(o1)-int(r)), absInt(int(o2)-int(g)), absInt(int(o3)-int(b)))
			}
			if worst > icc.SRGBTolerance {
				t.Errorf("a colour moves %d levels", worst)
			}
		})
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestSRGBEquivalentAgainstLCMS: lcms2 agrees with every verdict. Through
// lcms (Pillow's ImageCms to its built-in sRGB) a profile judged sRGB
// moves no colour of a grid (every 15 levels) and the cube's edges and
// grey diagonal by more than SRGBTolerance, perceptual (what sharp asks
// for) or relative colorimetric without black point compensation (what a
// viewer that does not compensate shows); every other profile lcms can
// use moves some colour further in one of the two.
func TestSRGBEquivalentAgainstLCMS(t *testing.T) {
	py := pillowPython(t)
	rgb := samples(3, 15)
	for v := 0; v < 256; v++ {
		rgb = append(rgb, byte(v), byte(v), byte(v))
		for _, e := range [4][2]byte{{0, 0}, {0, 255}, {255, 0}, {255, 255}} {
			rgb = append(rgb, byte(v), e[0], e[1], e[0], byte(v), e[1], e[0], e[1], byte(v))
		}
	}
	for _, tc := range equivCases {
		t.Run(tc.name, func(t *testing.T) {
			prof := tc.profile(t)
			p, err := icc.Parse(prof)
			if err != nil {
				t.Fatal(err)
			}
			var mode string
			var px []byte
			switch p.ColorSpace {
			case "RGB":
				mode, px = "RGB", rgb
			case "GRAY":
				mode, px = "L", samples(1, 1)
			default:
				t.Skipf("%s profile: no sRGB verdict to check", p.ColorSpace)
			}
			ref := px
			if mode == "L" {
				ref = nil
				for _, v := range px {
					ref = append(ref, v, v, v)
				}
			}
			worst := 0
			// Perceptual through lcms' optimised path, and relative
			// colorimetric through its exact pipeline (NOTPRECALC), no BPC.
			for _, c := range []struct{ intent, flags int }{{0, 0}, {1, 256}} {
				s := compare(lcmsConvertIntent(t, py, prof, mode, px, c.flags, c.intent), ref)
				t.Logf("intent %d: max %d levels, ΔE76 mean %.3f max %.3f", c.intent, s.maxLevel, s.meanDE, s.maxDE)
				worst = max(worst, s.maxLevel)
			}
			if got := worst <= icc.SRGBTolerance; got != tc.want {
				t.Errorf("lcms2 moves a colour %d levels; SRGBEquivalent's verdict is %v", worst, tc.want)
			}
		})
	}
}

// BenchmarkSRGBEquivalent is the cost of one verdict (parse, build the
// transform, check the grid), paid once per distinct profile per worker.
func BenchmarkSRGBEquivalent(b *testing.B) {
	gs, err := os.ReadFile(gsICC + "srgb.icc")
	if err != nil {
		b.Skip(err)
	}
	for _, tc := range []struct {
		name string
		prof []byte
	}{
		{"sRGB-curv-table-v2", gs},
		{"sRGB-imgpar-para-v4", icc.SRGBProfile()},
		{"P3-para-v4", icc.SynthP3()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p, _ := icc.Parse(tc.prof)
				icc.SRGBEquivalent(p)
			}
		})
	}
}
