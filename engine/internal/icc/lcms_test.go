package icc_test

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/internal/icc"
)

// pillowCMS is a script that converts raw pixels with lcms2 through
// Pillow's ImageCms to lcms' built-in sRGB: perceptual intent, what sharp
// asks libvips (and so lcms) for, unless an intent is given.
const pillowCMS = `
import sys
from PIL import Image, ImageCms
prof, mode, n, inp, outp, flags, intent = sys.argv[1:]
im = Image.frombytes(mode, (int(n), 1), open(inp, 'rb').read())
out = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(prof), ImageCms.createProfile('sRGB'),
                                renderingIntent=int(intent), outputMode='RGB', flags=int(flags))
open(outp, 'wb').write(out.tobytes())
`

// pillowPython finds a python3 that can import Pillow's ImageCms, or skips.
func pillowPython(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "from PIL import ImageCms; ImageCms.createProfile('sRGB')").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with Pillow's ImageCms (Debian python3-pil): lcms2 reference unavailable")
	return ""
}

// lcmsConvert converts pixels (mode "L", "RGB" or "CMYK", 0 = no ink)
// with lcms2, perceptual intent, and returns sRGB triples.
func lcmsConvert(t *testing.T, py string, profile []byte, mode string, px []byte, flags int) []byte {
	t.Helper()
	return lcmsConvertIntent(t, py, profile, mode, px, flags, 0)
}

// lcmsConvertIntent is lcmsConvert with an ICC rendering intent (1:
// relative colorimetric, with no black point compensation unless flags
// ask for it).
func lcmsConvertIntent(t *testing.T, py string, profile []byte, mode string, px []byte, flags, intent int) []byte {
	t.Helper()
	dir := t.TempDir()
	pf, in, out := filepath.Join(dir, "p.icc"), filepath.Join(dir, "in.raw"), filepath.Join(dir, "out.raw")
	ch := map[string]int{"L": 1, "RGB": 3, "CMYK": 4}[mode]
	if err := os.WriteFile(pf, profile, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, px, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", pillowCMS, pf, mode, fmt.Sprint(len(px)/ch), in, out, fmt.Sprint(flags), fmt.Sprint(intent))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Pillow ImageCms: %v\n%s", err, b)
	}
	res, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3*len(px)/ch {
		t.Fatalf("Pillow returned %d bytes for %d pixels", len(res), len(px)/ch)
	}
	return res
}

// samples is a grid of device colours, step apart on each axis (0 and 255
// always included).
func samples(ch, step int) []byte {
	var vals []byte
	for v := 0; v < 255; v += step {
		vals = append(vals, byte(v))
	}
	vals = append(vals, 255)
	var px []byte
	var rec func(prefix []byte)
	rec = func(prefix []byte) {
		if len(prefix) == ch {
			px = append(px, prefix...)
			return
		}
		for _, v := range vals {
			rec(append(prefix[:len(prefix):len(prefix)], v))
		}
	}
	rec(nil)
	return px
}

// ours converts the samples with our transform.
func ours(t *testing.T, tr *icc.Transform, ch int, px []byte) []byte {
	t.Helper()
	n := len(px) / ch
	out := make([]byte, 3*n)
	for i := 0; i < n; i++ {
		p := px[ch*i : ch*i+ch]
		var r, g, b uint8
		switch ch {
		case 1:
			o := tr.Gray(p[0])
			r, g, b = o, o, o
		case 3:
			r, g, b = tr.RGB(p[0], p[1], p[2])
		case 4:
			r, g, b = tr.CMYK(p[0], p[1], p[2], p[3])
		}
		out[3*i], out[3*i+1], out[3*i+2] = r, g, b
	}
	return out
}

// diffStats compares two sRGB triple arrays: ΔE76 (in D50 Lab) mean, 99th
// percentile and max, and the largest per-channel difference.
type diffStats struct {
	meanDE, p99DE, maxDE float64
	maxLevel             int
}

func compare(a, b []byte) diffStats {
	n := len(a) / 3
	des := make([]float64, n)
	var s diffStats
	var sum float64
	for i := 0; i < n; i++ {
		la := icc.SRGBToLab(a[3*i], a[3*i+1], a[3*i+2])
		lb := icc.SRGBToLab(b[3*i], b[3*i+1], b[3*i+2])
		des[i] = icc.DeltaE76(la, lb)
		sum += des[i]
		for k := 0; k < 3; k++ {
			d := int(a[3*i+k]) - int(b[3*i+k])
			if d < 0 {
				d = -d
			}
			s.maxLevel = max(s.maxLevel, d)
		}
	}
	sort.Float64s(des)
	s.meanDE = sum / float64(n)
	s.p99DE = des[int(math.Min(float64(n-1), 0.99*float64(n)))]
	s.maxDE = des[n-1]
	return s
}

func psnr(a, b []byte) float64 {
	var se float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(len(a))/se)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%s not present: %v", path, err)
	}
	return b
}

// embedded returns the ICC profile embedded in an image file.
func embedded(t *testing.T, path string) []byte {
	data := readFile(t, path)
	f, ok := imgfmt.Sniff(data)
	if !ok {
		t.Fatalf("%s: unknown format", path)
	}
	m := imgfmt.ReadMeta(f, data)
	if m.ICC == nil {
		t.Fatalf("%s: no ICC profile", path)
	}
	return m.ICC
}

type profileCase struct {
	name    string
	kind    string // what the case covers
	profile func(t *testing.T) []byte
	// Bounds against lcms2 over the sample grid: mean and max ΔE76 and
	// the largest difference in 8-bit levels.
	meanDE, maxDE float64
	maxLevel      int
	// lcmsFlags are cmsFLAGS for the reference transform: 256
	// (NOTPRECALC) evaluates lcms' pipeline exactly instead of through its
	// optimised 8-bit tables; used for grey, where lcms' 33-node 1-D
	// resampling is up to 10 levels off in the first 8 levels above black.
	lcmsFlags int
}

var gsICC = "/usr/share/color/icc/ghostscript/" // Debian libgs-common

func file(path string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return readFile(t, path) }
}

func fromImage(path string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return embedded(t, path) }
}

var profileCases = []profileCase{
	{"adobergb", "RGB matrix/TRC, curv gamma, v2", file("../../../testdata/icc/compatibleWithAdobeRGB1998.icc"), 0.15, 1.0, 1, 0},
	{"rgb-lut16-lab", "RGB lut16 (mft2), Lab PCS, v2", fromImage("../../../testdata/icc/boats-rgb-lut-profile-2seg.jpg"), 0.1, 2.0, 12, 0},
	{"cmyk-lut16-lab", "CMYK lut16 (mft2), Lab PCS, v2", fromImage("../../../testdata/icc/boats-cmyk-fogra39-3seg.jpg"), 0.3, 2.0, 2, 0},
	{"gray-curv", "grey kTRC, v2", file("../../imgfmt/testdata/Gray.icc"), 0.01, 0.1, 0, 256},
	{"prophoto-gs", "RGB matrix/TRC (ROMM/ProPhoto), v2", file(gsICC + "rommrgb.icc"), 0.15, 1.0, 1, 0},
	{"cmyk-v4-xyz-gs", "CMYK lut16, XYZ PCS, v4", file(gsICC + "ps_cmyk.icc"), 0.3, 2.0, 2, 0},
	{"cmyk-v2-gs", "CMYK lut16, Lab PCS, v2 (mft1 B2A)", file(gsICC + "default_cmyk.icc"), 0.3, 2.0, 2, 0},
	{"gray-v4-gs", "grey kTRC, v4", file(gsICC + "ps_gray.icc"), 0.01, 0.1, 0, 256},
	{"p3-para-v4", "RGB matrix/TRC, para type 3/4, v4 (made here)", func(*testing.T) []byte { return icc.SynthP3() }, 0.15, 1.0, 1, 0},
	{"rgb-mab-v4", "RGB mAB: B para, matrix, M curv, 8-bit CLUT, A curves, v4 (made here)", func(*testing.T) []byte { return icc.SynthMAB() }, 0.3, 2.0, 2, 0},
	{"cmyk-lut8", "CMYK lut8 (mft1), Lab PCS, v2 (made here)", func(*testing.T) []byte { return icc.SynthLut8CMYK() }, 0.3, 2.0, 2, 0},
}

// TestAgainstLCMS converts a grid of device colours with each kind of
// profile and compares with lcms2 (Pillow's ImageCms): perceptual intent,
// lcms' built-in sRGB.
func TestAgainstLCMS(t *testing.T) {
	py := pillowPython(t)
	for _, tc := range profileCases {
		t.Run(tc.name, func(t *testing.T) {
			prof := tc.profile(t)
			p, err := icc.Parse(prof)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := icc.NewTransform(p)
			if err != nil {
				t.Fatal(err)
			}
			mode, step := map[int]string{1: "L", 3: "RGB", 4: "CMYK"}[tr.Channels()], map[int]int{1: 1, 3: 15, 4: 32}[tr.Channels()]
			px := samples(tr.Channels(), step)
			want := lcmsConvert(t, py, prof, mode, px, tc.lcmsFlags)
			got := ours(t, tr, tr.Channels(), px)
			s := compare(got, want)
			t.Logf("%s: %d colours: ΔE76 mean %.3f p99 %.3f max %.3f, max %d levels, PSNR %.1f dB",
				tc.kind, len(px)/tr.Channels(), s.meanDE, s.p99DE, s.maxDE, s.maxLevel, psnr(got, want))
			if s.meanDE > tc.meanDE || s.maxDE > tc.maxDE || s.maxLevel > tc.maxLevel {
				t.Errorf("against lcms2: ΔE76 mean %.3f (bound %.2f), max %.3f (bound %.1f), %d levels (bound %d)",
					s.meanDE, tc.meanDE, s.maxDE, tc.maxDE, s.maxLevel, tc.maxLevel)
			}
		})
	}
}
