package raster

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const photosDir = "../../testdata/photos"

// photoJPEGs returns the JPEG files of testdata/photos, skipping the test when the
// directory is missing.
func photoJPEGs(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(photosDir, "*"))
	var out []string
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".jpg", ".jpeg":
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Skipf("no JPEG photos in %s yet (the test photos are committed separately)", photosDir)
	}
	return out
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func stdDecode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// syntheticPhoto makes a w x h photo-like image: smooth gradients, a few hard
// edges, fine texture and noise.
func syntheticPhoto(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			r := 128 + 90*math.Sin(6*fx+2*fy) + 20*math.Sin(float64(x)*0.31)*math.Cos(float64(y)*0.27)
			g := 110 + 80*math.Cos(4*fy-3*fx) + 15*math.Sin(float64(x+y)*0.13)
			b := 100 + 100*fx*fy
			if (x/(w/7+1)+y/(h/5+1))%2 == 0 {
				r, b = b, r
			}
			n := rng.NormFloat64() * 6
			i := img.PixOffset(x, y)
			img.Pix[i] = clampF(r + n)
			img.Pix[i+1] = clampF(g + n)
			img.Pix[i+2] = clampF(b + n)
			img.Pix[i+3] = 255
		}
	}
	return img
}

func clampF(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// boxDown averages d x d blocks of img (partial blocks at the edges) in RGB.
func boxDown(img image.Image, d int) *image.NRGBA {
	b := img.Bounds()
	w, h := (b.Dx()+d-1)/d, (b.Dy()+d-1)/d
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl, n uint32
			for yy := y * d; yy < min(y*d+d, b.Dy()); yy++ {
				for xx := x * d; xx < min(x*d+d, b.Dx()); xx++ {
					c := color.NRGBAModel.Convert(img.At(b.Min.X+xx, b.Min.Y+yy)).(color.NRGBA)
					r += uint32(c.R)
					g += uint32(c.G)
					bl += uint32(c.B)
					n++
				}
			}
			out.SetNRGBA(x, y, color.NRGBA{uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((bl + n/2) / n), 255})
		}
	}
	return out
}

// uniform reports whether every pixel of img has the same colour, and that colour.
func uniform(img image.Image) (color.RGBA64, bool) {
	b := img.Bounds()
	var first color.RGBA64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			c := color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
			if x == b.Min.X && y == b.Min.Y {
				first = c
			} else if c != first {
				return c, false
			}
		}
	}
	return first, true
}
