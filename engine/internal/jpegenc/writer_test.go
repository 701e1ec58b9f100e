package jpegenc

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	_ "image/png"
)

// The fork's output is the standard library's, byte for byte, for every
// image type and quality: the changes are for speed only.
func TestMatchesStdlib(t *testing.T) {
	imgs := testPhotos(t)
	// Every YCbCr subsampling, odd sizes and sub-images, grey and RGBA.
	r := rand.New(rand.NewPCG(1, 2))
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440} {
		m := image.NewYCbCr(image.Rect(0, 0, 61, 37), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(r.IntN(256))
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(3, 5, 50, 30)))
	}
	g := image.NewGray(image.Rect(0, 0, 33, 17))
	for i := range g.Pix {
		g.Pix[i] = uint8(r.IntN(256))
	}
	imgs = append(imgs, g)
	for i, img := range imgs {
		for _, q := range []int{1, 10, 50, 75, 80, 95, 100} {
			var want, got bytes.Buffer
			if err := jpeg.Encode(&want, img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&got, img, &Options{Quality: q, StandardTables: true}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("image %d (%T %v) quality %d: output differs from image/jpeg", i, img, img.Bounds(), q)
			}
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	// A photo, as the pipeline hands it over (YCbCr 4:2:0, 1440x900).
	f, err := os.Open(filepath.Join("..", "..", "..", "testdata", "photos", "boats-lake-landscape-420.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	off := offGrid(m)
	for _, tc := range []struct {
		name string
		enc  func(*bytes.Buffer) error
	}{
		{"stdlib", func(w *bytes.Buffer) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 80}) }},
		{"fork", func(w *bytes.Buffer) error { return Encode(w, m, &Options{Quality: 80, StandardTables: true}) }},
		{"optimized", func(w *bytes.Buffer) error { return Encode(w, m, &Options{Quality: 80}) }},
		{"plain", func(w *bytes.Buffer) error { return Encode(w, m, &Options{Quality: 80, tune: plainTune}) }},
		// Off its source's block grid, as a resized picture is: what the
		// default's rate-distortion rounding costs (docs/benchmarks.md).
		{"offgrid-plain", func(w *bytes.Buffer) error { return Encode(w, off, &Options{Quality: 80, tune: plainTune}) }},
		{"offgrid-rd", func(w *bytes.Buffer) error { return Encode(w, off, &Options{Quality: 80}) }},
		{"progressive", func(w *bytes.Buffer) error { return Encode(w, m, &Options{Quality: 80, Progressive: true}) }},
		{"trellis", func(w *bytes.Buffer) error { return Encode(w, m, &Options{Quality: 80, Trellis: true}) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := tc.enc(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
