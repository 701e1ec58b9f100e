package raster

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
)

func TestParseFilter(t *testing.T) {
	for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
		got, err := ParseFilter(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFilter(%q) = %v, %v", f.String(), got, err)
		}
	}
	if got, err := ParseFilter(" Lanczos "); err != nil || got != Lanczos {
		t.Errorf("ParseFilter is not case-insensitive: %v, %v", got, err)
	}
	if _, err := ParseFilter("bicubic"); err == nil {
		t.Error("ParseFilter(bicubic) succeeded")
	}
	var zero Filter
	if zero != Lanczos {
		t.Error("the zero Filter is not Lanczos")
	}
}

func TestShrinkDenom(t *testing.T) {
	tests := []struct {
		sw, sh, dw, dh, want int
	}{
		{5640, 3172, 800, 450, 2}, // 7.05
		{5120, 2880, 800, 450, 2}, // 6.4
		{2560, 1600, 800, 500, 1}, // 3.2
		{1280, 1024, 800, 640, 1},
		{4000, 3000, 1000, 750, 2}, // exactly 4
		{3999, 3000, 1000, 750, 1}, // just under 4 on one axis
		{8000, 6000, 1000, 750, 4}, // exactly 8
		{16000, 12000, 1000, 750, 8},
		{64000, 48000, 100, 75, 8},
		{6000, 4000, 200, 4000, 1}, // min over both axes
		{6000, 4000, 375, 0, 8},    // height free
		{6000, 4000, 0, 500, 4},    // width free
		{6000, 4000, 0, 0, 1},
		{800, 600, 1600, 1200, 1}, // enlarge
		{0, 0, 10, 10, 1},
	}
	for _, tt := range tests {
		if got := ShrinkDenom(tt.sw, tt.sh, tt.dw, tt.dh); got != tt.want {
			t.Errorf("ShrinkDenom(%d, %d, %d, %d) = %d, want %d", tt.sw, tt.sh, tt.dw, tt.dh, got, tt.want)
		}
	}
}

// TestDecodeJPEGScaled compares each scaled decode with a full-size standard
// decode averaged over denom x denom blocks. The DCT-domain scaling is not quite a
// box filter (at 1/2 and 1/4 it keeps more detail), so the match is close, not
// exact; luma is compared on its own because 4:2:0 chroma at 1/8 scale has half
// the resolution of the box-averaged RGB reference.
func TestDecodeJPEGScaled(t *testing.T) {
	files := photoJPEGs(t)
	formats, _ := filepath.Glob("../../testdata/formats/*.jp*g")
	files = append(files, formats...)
	if raceEnabled || testing.Short() {
		files = fewPhotos(files)
	}
	minLuma := map[int]float64{2: 30, 4: 34, 8: 45}
	for _, f := range files {
		data := readFile(t, f)
		full := stdDecode(t, data)
		b := full.Bounds()
		for _, d := range []int{1, 2, 4, 8} {
			img, used, err := DecodeJPEGScaled(data, d)
			if err != nil {
				t.Fatalf("%s at 1/%d: %v", f, d, err)
			}
			if used != d && used != 1 {
				t.Errorf("%s: used denominator %d for %d", f, used, d)
			}
			wantW, wantH := (b.Dx()+used-1)/used, (b.Dy()+used-1)/used
			if g := img.Bounds(); g.Dx() != wantW || g.Dy() != wantH {
				t.Errorf("%s at 1/%d: size %v, want %dx%d", f, d, g, wantW, wantH)
			}
			if used == 1 {
				if p := PSNR(img, full); p < 50 {
					t.Errorf("%s: full-size decode differs from image/jpeg: %.1f dB", f, p)
				}
				continue
			}
			rgb := PSNR(img, boxDown(full, used))
			luma := lumaPSNR(img, full, used)
			if luma < minLuma[used] || rgb < 28 {
				t.Errorf("%s at 1/%d: luma %.1f dB, RGB %.1f dB vs the boxed full decode; want >= %.0f and 28", f, d, luma, rgb, minLuma[used])
			}
			t.Logf("%s 1/%d: %T luma %.1f dB, RGB %.1f dB", filepath.Base(f), used, img, luma, rgb)
		}
	}
}

// lumaPSNR compares the luma of a scaled decode with the d x d block means of the
// full decode's luma.
func lumaPSNR(scaled, full image.Image, d int) float64 {
	luma := func(m image.Image, x, y int) float64 {
		switch m := m.(type) {
		case *image.YCbCr:
			return float64(m.Y[m.YOffset(x, y)])
		case *image.Gray:
			return float64(m.Pix[m.PixOffset(x, y)])
		}
		r, g, b, _ := m.At(x, y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
	}
	sb, fb := scaled.Bounds(), full.Bounds()
	var se float64
	for y := 0; y < sb.Dy(); y++ {
		for x := 0; x < sb.Dx(); x++ {
			var s, n float64
			for yy := y * d; yy < min(y*d+d, fb.Dy()); yy++ {
				for xx := x * d; xx < min(x*d+d, fb.Dx()); xx++ {
					s += luma(full, fb.Min.X+xx, fb.Min.Y+yy)
					n++
				}
			}
			e := s/n - luma(scaled, sb.Min.X+x, sb.Min.Y+y)
			se += e * e
		}
	}
	return 10 * math.Log10(255*255/(se/float64(sb.Dx()*sb.Dy())))
}

// patchSOF rewrites the first SOF0 marker of a baseline JPEG.
func patchSOF(t *testing.T, data []byte, marker byte) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	out[i+1] = marker
	return out
}

func TestDecodeJPEGFallback(t *testing.T) {
	src := syntheticPhoto(203, 157, 1)
	data := encodeJPEG(t, src, 90)

	// SOF1 (extended sequential, 8-bit Huffman) is the same bitstream as SOF0:
	// jpegn refuses it, image/jpeg decodes it at full size.
	img, used, err := DecodeJPEGScaled(patchSOF(t, data, 0xC1), 4)
	if err != nil {
		t.Fatalf("SOF1: %v", err)
	}
	if used != 1 || img.Bounds().Dx() != 203 || img.Bounds().Dy() != 157 {
		t.Errorf("SOF1: used 1/%d, size %v; want the full-size fallback", used, img.Bounds())
	}
	if p := PSNR(img, stdDecode(t, data)); p < 60 {
		t.Errorf("SOF1 fallback differs from the SOF0 decode: %.1f dB", p)
	}

	// 12-bit precision: jpegn would refuse it; it must reach image/jpeg, whose
	// error (it has no 12-bit support either) comes back.
	p12 := bytes.Clone(data)
	i := bytes.Index(p12, []byte{0xFF, 0xC0})
	p12[i+4] = 12
	if _, err := DecodeJPEG(p12, 2); err == nil {
		t.Error("12-bit JPEG: no error")
	}

	// A 4:2:0 image whose chroma is under 3 samples wide at 1/8 (upstream
	// jpegn refuses it): the fork scales it, as YCbCr needs no upsampler.
	tiny := encodeJPEG(t, syntheticPhoto(20, 20, 13), 90)
	img, used, err = DecodeJPEGScaled(tiny, 8)
	if err != nil || used != 8 || img.Bounds().Dx() != 3 || img.Bounds().Dy() != 3 {
		t.Errorf("20x20 at 1/8: used 1/%d, %v, %v; want 3x3 at 1/8", used, img.Bounds(), err)
	} else if p := lumaPSNR(img, stdDecode(t, tiny), 8); p < 30 {
		t.Errorf("20x20 at 1/8: luma %.1f dB vs the boxed full decode", p)
	}

	// Arithmetic coding: jpegn would decode it as Huffman into garbage; we refuse.
	if _, err := DecodeJPEG(patchSOF(t, data, 0xC9), 2); err == nil {
		t.Error("arithmetic-coded JPEG: no error")
	}

	for name, bad := range map[string][]byte{
		"empty":     nil,
		"not jpeg":  []byte("GIF89a...."),
		"soi only":  {0xFF, 0xD8},
		"truncated": data[:len(data)/3],
		"garbage":   append([]byte{0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43}, bytes.Repeat([]byte{0x42}, 200)...),
	} {
		img, err := DecodeJPEG(bad, 2)
		if err == nil && img == nil {
			t.Errorf("%s: nil image and nil error", name)
		}
		if name != "truncated" && err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestDecodeSampling covers the chroma samplings the photos lack (4:4:0, 4:1:1,
// 4:1:0) and one that no decoder here supports (3x1).
func TestDecodeSampling(t *testing.T) {
	want := map[string]image.YCbCrSubsampleRatio{
		"sf-1x2.jpg": image.YCbCrSubsampleRatio440,
		"sf-4x1.jpg": image.YCbCrSubsampleRatio411,
		"sf-4x2.jpg": image.YCbCrSubsampleRatio410,
	}
	files, _ := filepath.Glob("testdata/sampling/*.jpg")
	if len(files) != 5 {
		t.Fatalf("want 5 files in testdata/sampling, found %d", len(files))
	}
	for _, f := range files {
		data := readFile(t, f)
		ratio, ok := want[filepath.Base(f)]
		for _, d := range []int{1, 2, 4, 8} {
			img, used, err := DecodeJPEGScaled(data, d)
			if !ok {
				if err == nil {
					t.Errorf("%s: decoded without error", f)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s at 1/%d: %v", f, d, err)
			}
			y, isYCC := img.(*image.YCbCr)
			if !isYCC || y.SubsampleRatio != ratio || used != d {
				t.Errorf("%s at 1/%d: %T (1/%d), want %v at 1/%d", f, d, img, used, ratio, d)
				continue
			}
			full := stdDecode(t, data)
			if used == 1 {
				if p := PSNR(img, full); p < 50 {
					t.Errorf("%s: differs from image/jpeg: %.1f dB", f, p)
				}
			} else if p := lumaPSNR(img, full, used); p < 30 {
				t.Errorf("%s at 1/%d: luma %.1f dB vs the boxed full decode", f, d, p)
			}
		}
		if !ok {
			continue
		}
		// The pipeline: each target size with its own shrink-on-load.
		full := stdDecode(t, data)
		b := full.Bounds()
		for _, sz := range [][2]int{{b.Dx() / 9, b.Dy() / 9}, {b.Dx() / 3, b.Dy() / 3}, {b.Dx() * 2, b.Dy() * 2}} {
			img, used, err := DecodeJPEGScaled(data, ShrinkDenom(b.Dx(), b.Dy(), sz[0], sz[1]))
			if err != nil {
				t.Fatal(err)
			}
			got := ResizeScaled(img, b.Dx(), b.Dy(), used, sz[0], sz[1], Lanczos)
			// 13x8 from 4:1:1 at 1/4 scale has 16 luma pixels per chroma sample
			// across: ShrinkDenom does not look at the sampling.
			if p := PSNR(got, imaging.Resize(full, sz[0], sz[1], imaging.Lanczos)); p < 35 && (used < 4 || p < 30) {
				t.Errorf("%s to %v (1/%d): %.1f dB", f, sz, used, p)
			}
		}
	}
}

// TestDecodeBadFiles runs DecodeJPEG over the hostile inputs: errors are fine,
// panics and hangs are not. Decompression bombs are left out (the caller checks
// the header's pixel count first).
func TestDecodeBadFiles(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/bad/*.jpg")
	if len(files) == 0 {
		t.Skip("no testdata/bad yet")
	}
	for _, f := range files {
		data := readFile(t, f)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 50_000_000 {
			continue
		}
		img, err := DecodeJPEG(data, 4)
		if err == nil {
			// Whatever decodes must also resize.
			Resize(img, 33, 17, Lanczos)
		}
	}
}

var refFilters = map[Filter]imaging.ResampleFilter{
	Lanczos:    imaging.Lanczos,
	CatmullRom: imaging.CatmullRom,
	Linear:     imaging.Linear,
	Box:        imaging.Box,
	Nearest:    imaging.NearestNeighbor,
}

// TestResizeMatchesReference compares Resize on full-size decodes with imaging's
// float resampler: Lanczos on every photo, every filter on three of them (4:2:0,
// 4:2:2, 4:4:4), each at several ratios. Enlargements start from a centre crop
// to keep the reference's run time down.
func TestResizeMatchesReference(t *testing.T) {
	files := photoJPEGs(t)
	if raceEnabled || testing.Short() {
		files = fewPhotos(files)
	}
	for i, f := range files {
		full := stdDecode(t, readFile(t, f))
		b := full.Bounds()
		crop := CropCenter(full, 300, 200)
		cases := []struct {
			src  image.Image
			w, h int
		}{
			{full, b.Dx() / 9, b.Dy() / 9},         // large shrink (pre-shrink + filter)
			{full, b.Dx() * 3 / 4, b.Dy() * 3 / 4}, // small shrink
			{full, b.Dx() / 3, b.Dy() / 2},         // different ratios per axis
			{full, b.Dx() / 5, b.Dy() + 3},         // shrink one axis, enlarge the other
			{crop, 300 * 5 / 2, 200 * 5 / 2},       // enlarge
			{crop, 301, 200},                       // nearly the same size
		}
		filters := []Filter{Lanczos}
		name := filepath.Base(f)
		if !raceEnabled && (i == 0 || strings.Contains(name, "422") || strings.Contains(name, "444")) {
			filters = []Filter{Lanczos, CatmullRom, Linear, Box, Nearest}
		}
		for _, fl := range filters {
			for _, c := range cases {
				got := Resize(c.src, c.w, c.h, fl)
				if g := got.Bounds(); g != image.Rect(0, 0, c.w, c.h) {
					t.Fatalf("%s %v: bounds %v, want %dx%d", name, fl, g, c.w, c.h)
				}
				p := PSNR(got, imaging.Resize(c.src, c.w, c.h, refFilters[fl]))
				if p < 38 {
					t.Errorf("%s %v %v -> %dx%d: %.1f dB vs imaging, want >= 38", name, fl, c.src.Bounds().Size(), c.w, c.h, p)
				}
			}
		}
	}
}

// TestResizeScaledPipeline is the fast path end to end: scaled decode plus
// ResizeScaled against image/jpeg plus imaging's Lanczos at full size.
func TestResizeScaledPipeline(t *testing.T) {
	var psnrs []float64
	files := photoJPEGs(t)
	widths := []int{800, 400, 160, 90}
	if raceEnabled || testing.Short() {
		files = fewPhotos(files)[:1]
		widths = []int{400, 90}
	}
	for _, f := range files {
		data := readFile(t, f)
		full := stdDecode(t, data)
		b := full.Bounds()
		for _, w := range widths {
			h := max(1, int(math.Round(float64(b.Dy())*float64(w)/float64(b.Dx()))))
			d := ShrinkDenom(b.Dx(), b.Dy(), w, h)
			img, used, err := DecodeJPEGScaled(data, d)
			if err != nil {
				t.Fatal(err)
			}
			got := ResizeScaled(img, b.Dx(), b.Dy(), used, w, h, Lanczos)
			if g := got.Bounds(); g.Dx() != w || g.Dy() != h {
				t.Fatalf("%s: %v, want %dx%d", f, g, w, h)
			}
			p := PSNR(got, imaging.Resize(full, w, h, imaging.Lanczos))
			psnrs = append(psnrs, p)
			if p < 35 {
				t.Errorf("%s to %dx%d (1/%d): %.1f dB, want >= 35", filepath.Base(f), w, h, used, p)
			}
		}
	}
	med := median(psnrs)
	t.Logf("%d resizes: min %.1f dB, median %.1f dB", len(psnrs), minOf(psnrs), med)
	if med < 42 && len(psnrs) > 4 {
		t.Errorf("median %.1f dB, want >= 42", med)
	}
}

// TestResizeScaledExtent checks that ResizeScaled accounts for the partial last
// pixel of a scaled decode whose size is not a multiple of the denominator.
func TestResizeScaledExtent(t *testing.T) {
	src := syntheticPhoto(1283, 643, 2) // 1283 = 8*160 + 3
	data := encodeJPEG(t, src, 95)
	ref := imaging.Resize(stdDecode(t, data), 80, 40, imaging.Lanczos)
	img, used, err := DecodeJPEGScaled(data, 8)
	if err != nil || used != 8 {
		t.Fatalf("decode: 1/%d, %v", used, err)
	}
	scaled := PSNR(ResizeScaled(img, 1283, 643, 8, 80, 40, Lanczos), ref)
	plain := PSNR(Resize(img, 80, 40, Lanczos), ref)
	t.Logf("ResizeScaled %.1f dB, Resize %.1f dB", scaled, plain)
	if scaled <= plain {
		t.Errorf("ResizeScaled (%.1f dB) is no better than Resize (%.1f dB)", scaled, plain)
	}
	// A full-size image with a denominator (a fallback decode) is resized as is.
	full := stdDecode(t, data)
	if p := PSNR(ResizeScaled(full, 1283, 643, 8, 80, 40, Lanczos), Resize(full, 80, 40, Lanczos)); !math.IsInf(p, 1) {
		t.Errorf("ResizeScaled on a full-size image differs from Resize: %.1f dB", p)
	}
}

// fewPhotos picks a 4:2:0 progressive and a 4:4:4 photo (or the first two) for
// quick runs.
func fewPhotos(files []string) []string {
	var out []string
	for _, f := range files {
		if strings.Contains(f, "progressive-420") || strings.Contains(f, "moss-landscape-444") {
			out = append(out, f)
		}
	}
	if len(out) < 2 {
		out = files[:min(2, len(files))]
	}
	return out
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

// fill returns a w x h image of the given kind filled with one colour (offset so
// that its bounds do not start at the origin, like a sub-image).
func fill(kind string, w, h int, c color.NRGBA) image.Image {
	r := image.Rect(3, 5, 3+w, 5+h)
	var img settable
	switch kind {
	case "ycbcr444", "ycbcr422", "ycbcr420", "ycbcr440", "ycbcr411", "ycbcr410":
		ratio := map[string]image.YCbCrSubsampleRatio{
			"ycbcr444": image.YCbCrSubsampleRatio444, "ycbcr422": image.YCbCrSubsampleRatio422,
			"ycbcr420": image.YCbCrSubsampleRatio420, "ycbcr440": image.YCbCrSubsampleRatio440,
			"ycbcr411": image.YCbCrSubsampleRatio411, "ycbcr410": image.YCbCrSubsampleRatio410,
		}[kind]
		m := image.NewYCbCr(r, ratio)
		yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
		for i := range m.Y {
			m.Y[i] = yy
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = cb, cr
		}
		return m
	case "nycbcra":
		m := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio420)
		yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
		for i := range m.Y {
			m.Y[i], m.A[i] = yy, c.A
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = cb, cr
		}
		return m
	case "gray":
		img = image.NewGray(r)
	case "gray16":
		img = image.NewGray16(r)
	case "rgba":
		img = image.NewRGBA(r)
	case "nrgba":
		img = image.NewNRGBA(r)
	case "rgba64":
		img = image.NewRGBA64(r)
	case "nrgba64":
		img = image.NewNRGBA64(r)
	case "cmyk":
		img = image.NewCMYK(r)
	case "paletted":
		img = image.NewPaletted(r, color.Palette{color.Black, c})
	case "alpha":
		img = image.NewAlpha(r)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

type settable interface {
	image.Image
	Set(x, y int, c color.Color)
}

var kinds = []string{"ycbcr444", "ycbcr422", "ycbcr420", "ycbcr440", "ycbcr411", "ycbcr410", "nycbcra",
	"gray", "gray16", "rgba", "nrgba", "rgba64", "nrgba64", "cmyk", "paletted", "alpha"}

// TestResizeSizesAndFlatColour resizes flat images of every kind between odd and
// tiny sizes: the output has exactly the requested size and the same flat colour
// (the fixed-point weights of every output sum to exactly one).
func TestResizeSizesAndFlatColour(t *testing.T) {
	sizes := [][2]int{{1, 1}, {1, 7}, {7, 1}, {2, 3}, {5, 5}, {17, 9}, {64, 3}, {3, 64}, {301, 203}}
	targets := [][2]int{{1, 1}, {3, 3}, {1, 9}, {9, 1}, {2, 2}, {13, 7}, {150, 100}, {600, 4}}
	colours := []color.NRGBA{{200, 30, 90, 255}, {10, 250, 128, 255}}
	if raceEnabled {
		sizes, targets, colours = everyOther(sizes), everyOther(targets), colours[:1]
	}
	for _, kind := range kinds {
		for _, c := range colours {
			if kind == "gray" || kind == "gray16" || kind == "alpha" {
				c = color.NRGBA{c.R, c.R, c.R, 255}
			}
			if kind == "alpha" {
				c = color.NRGBA{255, 255, 255, c.R}
			}
			for _, s := range sizes {
				src := fill(kind, s[0], s[1], c)
				want, _ := uniform(src)
				for _, d := range targets {
					for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
						got := Resize(src, d[0], d[1], f)
						if b := got.Bounds(); b != image.Rect(0, 0, d[0], d[1]) {
							t.Fatalf("%s %v -> %v %v: bounds %v", kind, s, d, f, b)
						}
						gc, ok := uniform(got)
						if !ok || !near(gc, want, 0x101) {
							t.Fatalf("%s %v -> %v %v: colour %v (uniform %v), want %v", kind, s, d, f, gc, ok, want)
						}
					}
				}
			}
		}
	}
}

func everyOther[T any](v []T) []T {
	var out []T
	for i := 0; i < len(v); i += 2 {
		out = append(out, v[i])
	}
	return out
}

func near(a, b color.RGBA64, tol int) bool {
	d := func(x, y uint16) bool { return math.Abs(float64(x)-float64(y)) <= float64(tol) }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func TestResizeDegenerate(t *testing.T) {
	src := syntheticPhoto(40, 30, 3)
	for _, d := range [][2]int{{0, 0}, {0, 10}, {10, 0}, {-5, 10}} {
		got := Resize(src, d[0], d[1], Lanczos)
		if !got.Bounds().Empty() {
			t.Errorf("Resize to %v: bounds %v, want empty", d, got.Bounds())
		}
	}
	empty := image.NewYCbCr(image.Rect(0, 0, 0, 0), image.YCbCrSubsampleRatio420)
	if got := Resize(empty, 4, 3, Lanczos); got.Bounds() != image.Rect(0, 0, 4, 3) {
		t.Errorf("Resize of an empty image: %v", got.Bounds())
	}
	// Extreme ratios exercise the pre-shrink cap and wide windows.
	long := image.NewGray(image.Rect(0, 0, 70000, 2))
	if got := Resize(long, 1, 1, Lanczos); got.Bounds().Dx() != 1 {
		t.Error("70000 -> 1 failed")
	}
	if got := Resize(image.NewGray(image.Rect(0, 0, 1, 1)), 1000, 3, Lanczos); got.Bounds().Dx() != 1000 {
		t.Error("1 -> 1000 failed")
	}
}

// TestResizeIdentity: same size with any filter returns the same pixels.
func TestResizeIdentity(t *testing.T) {
	src := syntheticPhoto(57, 31, 4)
	ycc := toYCbCr(src, image.YCbCrSubsampleRatio444)
	for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
		if p := PSNR(Resize(src, 57, 31, f), src); !math.IsInf(p, 1) {
			t.Errorf("%v NRGBA identity: %.1f dB", f, p)
		}
		if p := PSNR(Resize(ycc, 57, 31, f), ycc); !math.IsInf(p, 1) {
			t.Errorf("%v YCbCr identity: %.1f dB", f, p)
		}
	}
}

func toYCbCr(src image.Image, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := src.Bounds()
	m := image.NewYCbCr(b, ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			m.Y[m.YOffset(x, y)] = yy
			m.Cb[m.COffset(x, y)] = cb
			m.Cr[m.COffset(x, y)] = cr
		}
	}
	return m
}

// TestResizeYCbCrRatios: every subsampling, shrinking and enlarging, stays close
// to the reference and comes back as YCbCr.
func TestResizeYCbCrRatios(t *testing.T) {
	src := syntheticPhoto(331, 217, 5)
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		ycc := toYCbCr(src, ratio)
		// Sub-image with odd offsets, as CropCenter makes.
		sub := ycc.SubImage(image.Rect(3, 1, 320, 210)).(*image.YCbCr)
		ms := []*image.YCbCr{ycc, sub}
		if raceEnabled {
			ms = ms[1:]
		}
		for _, m := range ms {
			b := m.Bounds()
			for _, d := range [][2]int{{b.Dx() / 5, b.Dy() / 5}, {b.Dx() * 2 / 3, b.Dy() / 2}, {b.Dx()*2 + 1, b.Dy()*2 - 1}} {
				got := Resize(m, d[0], d[1], Lanczos)
				if _, ok := got.(*image.YCbCr); !ok {
					t.Fatalf("%v: got %T", ratio, got)
				}
				p := PSNR(got, imaging.Resize(m, d[0], d[1], imaging.Lanczos))
				if p < 30 {
					t.Errorf("%v %v -> %v: %.1f dB", ratio, b, d, p)
				}
			}
		}
	}
}

// TestResizeAlphaNoFringes: a checker of fully transparent red and opaque blue.
// Resampled in straight (non-premultiplied) alpha, the invisible red would bleed
// into the edges as purple; premultiplied, every visible pixel stays pure blue.
func TestResizeAlphaNoFringes(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			c := color.NRGBA{255, 0, 0, 0}
			if (x/8+y/8)%2 == 0 {
				c = color.NRGBA{0, 0, 255, 255}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box} {
		for _, d := range [][2]int{{21, 21}, {8, 8}, {150, 150}, {64, 17}} {
			got, ok := Resize(src, d[0], d[1], f).(*image.NRGBA)
			if !ok {
				t.Fatalf("got %T, want *image.NRGBA", got)
			}
			semi := 0
			for y := 0; y < d[1]; y++ {
				for x := 0; x < d[0]; x++ {
					c := got.NRGBAAt(x, y)
					if c.A < 8 {
						continue // too faint for colour to be meaningful
					}
					if c.A < 250 {
						semi++
					}
					if c.R > 8 || c.G > 8 || c.B < 240 {
						t.Fatalf("%v %v: pixel (%d,%d) = %v, want pure blue", f, d, x, y, c)
					}
				}
			}
			if semi == 0 && d[0] != 64 && d[0] != 8 {
				t.Errorf("%v %v: no partly transparent pixels; the test checks nothing", f, d)
			}
		}
	}
}

// TestResizeAlphaPhoto: the real PNG with a soft alpha vignette against imaging.
func TestResizeAlphaPhoto(t *testing.T) {
	f := filepath.Join(photosDir, "lake-night-vignette-alpha.png")
	img, err := imaging.Open(f)
	if err != nil {
		t.Skipf("%s: %v", f, err)
	}
	for _, d := range [][2]int{{200, 125}, {640, 400}, {1000, 600}, {64, 40}} {
		got := Resize(img, d[0], d[1], Lanczos)
		p := PSNR(got, imaging.Resize(img, d[0], d[1], imaging.Lanczos))
		if p < 38 {
			t.Errorf("%v: %.1f dB vs imaging", d, p)
		}
	}
}

// marked returns a w x h image of the given kind, dark grey with a red block in
// the top-left corner and a green block in the top-right corner.
func marked(kind string, w, h int) image.Image {
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{40, 40, 40, 255}
			switch {
			case x < w/4 && y < h/4:
				c = color.NRGBA{255, 0, 0, 255}
			case x >= w-w/4 && y < h/4:
				c = color.NRGBA{0, 255, 0, 255}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	switch kind {
	case "ycbcr444":
		return toYCbCr(src, image.YCbCrSubsampleRatio444)
	case "ycbcr420":
		return toYCbCr(src, image.YCbCrSubsampleRatio420)
	case "ycbcr422":
		return toYCbCr(src, image.YCbCrSubsampleRatio422)
	case "ycbcr411":
		return toYCbCr(src, image.YCbCrSubsampleRatio411)
	case "gray":
		g := image.NewGray(src.Rect)
		for i := range g.Pix {
			g.Pix[i] = src.Pix[4*i] / 2
		}
		return g
	case "rgba":
		r := image.NewRGBA(src.Rect)
		copy(r.Pix, src.Pix)
		return r
	case "cmyk":
		c := image.NewCMYK(src.Rect)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c.Set(x, y, src.At(x, y))
			}
		}
		return c
	}
	return src
}

// orientRef applies orientation o by definition, pixel by pixel through At.
func orientRef(src image.Image, o int) *image.NRGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 1:
				sx, sy = x, y
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			dst.Set(x, y, src.At(b.Min.X+sx, b.Min.Y+sy))
		}
	}
	return dst
}

func TestOrient(t *testing.T) {
	for _, kind := range []string{"ycbcr444", "ycbcr420", "ycbcr422", "ycbcr411", "gray", "rgba", "nrgba", "cmyk"} {
		for _, sz := range [][2]int{{40, 24}, {31, 17}, {1, 5}} {
			src := marked(kind, sz[0], sz[1])
			for o := 0; o <= 9; o++ {
				got := Orient(src, o)
				if o < 2 || o > 8 {
					if got != src {
						t.Errorf("%s orientation %d: not returned unchanged", kind, o)
					}
					continue
				}
				want := orientRef(src, o)
				if got.Bounds() != want.Bounds() {
					t.Fatalf("%s %v orientation %d: bounds %v, want %v", kind, sz, o, got.Bounds(), want.Bounds())
				}
				p := PSNR(got, want)
				exact := kind != "ycbcr420" && kind != "ycbcr422" && kind != "ycbcr411" || sz[0]%4 == 0 && sz[1]%4 == 0
				if exact && !math.IsInf(p, 1) || p < 20 {
					t.Errorf("%s %v orientation %d: %.1f dB from the reference", kind, sz, o, p)
				}
				keepsType := kind != "cmyk" && (kind != "ycbcr411" || o < 5)
				if keepsType {
					if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", src) {
						t.Errorf("%s orientation %d: type %T", kind, o, got)
					}
				}
			}
		}
	}
	// Sub-images (as CropCenter makes) are oriented from their own origin; a
	// YCbCr sub-image at odd offsets has chroma samples half outside it.
	for _, kind := range []string{"nrgba", "gray", "ycbcr444", "ycbcr420", "ycbcr422"} {
		src := marked(kind, 40, 24).(interface {
			image.Image
			SubImage(image.Rectangle) image.Image
		})
		for _, r := range []image.Rectangle{image.Rect(5, 3, 30, 20), image.Rect(4, 2, 36, 22), image.Rect(1, 1, 2, 24)} {
			sub := src.SubImage(r)
			for o := 2; o <= 8; o++ {
				p := PSNR(Orient(sub, o), orientRef(sub, o))
				if kind == "nrgba" || kind == "gray" || kind == "ycbcr444" {
					if !math.IsInf(p, 1) {
						t.Errorf("%s sub-image %v orientation %d: %.1f dB", kind, r, o, p)
					}
				} else if p < 20 {
					t.Errorf("%s sub-image %v orientation %d: %.1f dB", kind, r, o, p)
				}
			}
		}
	}
}

// TestOrientTestdata: the EXIF orientation photos come out upright (red marker
// top-left, green top-right) after a resize and Orient.
func TestOrientTestdata(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/orient/orient-[1-8].jpg")
	if len(files) == 0 {
		t.Skip("no testdata/orient yet")
	}
	for _, f := range files {
		var o int
		fmt.Sscanf(filepath.Base(f), "orient-%d.jpg", &o)
		img, err := DecodeJPEG(readFile(t, f), 1)
		if err != nil {
			t.Fatal(err)
		}
		w, h := 200, 150
		if o >= 5 {
			w, h = h, w
		}
		up := Orient(Resize(img, w, h, Lanczos), o)
		if b := up.Bounds(); b.Dx() != 200 || b.Dy() != 150 {
			t.Fatalf("%s: upright size %v", f, b)
		}
		r, g, _, _ := up.At(up.Bounds().Min.X+5, up.Bounds().Min.Y+5).RGBA()
		if r>>8 < 200 || g>>8 > 60 {
			t.Errorf("%s: top-left is not red after Orient(%d)", f, o)
		}
		r, g, _, _ = up.At(up.Bounds().Max.X-4, up.Bounds().Min.Y+4).RGBA()
		if g>>8 < 200 || r>>8 > 60 {
			t.Errorf("%s: top-right is not green after Orient(%d)", f, o)
		}
	}
}

func TestCropCenter(t *testing.T) {
	src := syntheticPhoto(100, 60, 6)
	got := CropCenter(src, 40, 20)
	if b := got.Bounds(); b != image.Rect(30, 20, 70, 40) {
		t.Errorf("bounds %v", b)
	}
	src.Pix[src.PixOffset(30, 20)] = 1
	if got.(*image.NRGBA).NRGBAAt(30, 20).R != 1 {
		t.Error("CropCenter copied the pixels")
	}
	if b := CropCenter(src, 500, 7).Bounds(); b != image.Rect(0, 26, 100, 33) {
		t.Errorf("oversized crop: %v", b)
	}
	ycc := toYCbCr(src, image.YCbCrSubsampleRatio420)
	c := CropCenter(ycc, 33, 21)
	if b := c.Bounds(); b.Dx() != 33 || b.Dy() != 21 {
		t.Errorf("YCbCr crop %v", b)
	}
	// Cropped images resize like any other.
	if b := Resize(c, 10, 7, Lanczos).Bounds(); b != image.Rect(0, 0, 10, 7) {
		t.Errorf("resize of crop: %v", b)
	}
}

func TestPSNR(t *testing.T) {
	a := image.NewGray(image.Rect(0, 0, 10, 10))
	b := image.NewGray(image.Rect(0, 0, 10, 10))
	if p := PSNR(a, b); !math.IsInf(p, 1) {
		t.Errorf("identical: %v", p)
	}
	if p := PSNR(a, image.NewGray(image.Rect(0, 0, 10, 11))); p != 0 {
		t.Errorf("different sizes: %v", p)
	}
	for i := range b.Pix {
		b.Pix[i] = 10 // MSE 100 on every channel
	}
	if p, want := PSNR(a, b), 10*math.Log10(255*255/100.0); math.Abs(p-want) > 1e-9 {
		t.Errorf("PSNR %v, want %v", p, want)
	}
	// Sub-images are compared from their own origin.
	big := syntheticPhoto(20, 20, 9)
	sub := big.SubImage(image.Rect(5, 5, 15, 15))
	cp := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 10; x++ {
			cp.Set(x, y, big.At(5+x, 5+y))
		}
	}
	if p := PSNR(sub, cp); !math.IsInf(p, 1) {
		t.Errorf("sub-image: %v", p)
	}
}

func TestWeightsSumToOne(t *testing.T) {
	for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
		for _, m := range []axisMap{
			newAxis(1000, 1000, 37), newAxis(37, 37, 1000), newAxis(5, 5, 3), newAxis(1, 1, 9),
			newAxis(100, 99.625, 13), {srcN: 50, dstN: 100, du: 1, off: 0.25},
		} {
			ws := makeWeights(m, f)
			for v := 0; v < m.dstN; v++ {
				sum := 0
				for _, w := range ws.w[v*ws.n : (v+1)*ws.n] {
					sum += int(w)
				}
				if sum != wOne {
					t.Fatalf("%v %+v output %d: weights sum to %d", f, m, v, sum)
				}
				if s := int(ws.start[v]); s < 0 || s+ws.n > m.srcN {
					t.Fatalf("%v %+v output %d: window [%d, %d) outside [0, %d)", f, m, v, s, s+ws.n, m.srcN)
				}
			}
		}
	}
}
