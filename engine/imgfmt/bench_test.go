package imgfmt

import (
	"bytes"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchImage is an 800x450 *image.YCbCr (what the resize stage hands to
// the encoder): the centre of a real photo from testdata/photos when
// present, else the synthetic photoLike image.
func benchImage(b testing.TB) image.Image {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(repoTestdata, "photos", "boats-lake-landscape-420.jpg"))
	if err == nil {
		if img, err := Decode(JPEG, data); err == nil && img.Bounds().Dx() >= 800 && img.Bounds().Dy() >= 450 {
			if ycc, ok := img.(*image.YCbCr); ok {
				c := ycc.Bounds().Size().Div(2)
				return ycc.SubImage(image.Rect(c.X-400, c.Y-225, c.X+400, c.Y+225))
			}
		}
	}
	src := photoLike(b)
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
	return rgba
}

// BenchmarkEncode measures one 800x450 encode per format with the default
// options (JPEG q80, WebP q80 method 4, AVIF q50 speed 9, PNG default
// level). Compare runs with benchstat.
func BenchmarkEncode(b *testing.B) {
	if err := InitCodecs(); err != nil {
		b.Fatal(err)
	}
	img := benchImage(b)
	for _, o := range []EncodeOptions{
		{Format: JPEG}, {Format: PNG, PNGLevel: -1}, {Format: GIF}, {Format: BMP}, {Format: TIFF},
		{Format: WebP}, {Format: WebP, Lossless: true}, {Format: AVIF},
	} {
		name := string(o.Format)
		if o.Lossless {
			name += "-lossless"
		}
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, img, o); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := Encode(io.Discard, img, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "out-bytes")
		})
	}
}

// BenchmarkAVIFSpeed shows the AVIF speed/size trade-off behind the
// default (Effort 0 = speed 9).
func BenchmarkAVIFSpeed(b *testing.B) {
	if err := InitCodecs(); err != nil {
		b.Fatal(err)
	}
	img := benchImage(b)
	for _, effort := range []int{1, 2, 3, 4, 5} {
		o := EncodeOptions{Format: AVIF, Effort: effort}
		b.Run("effort"+string(rune('0'+effort)), func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, img, o); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := Encode(io.Discard, img, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "out-bytes")
		})
	}
}

func BenchmarkProbe(b *testing.B) {
	data := encodedSamples(b)
	for _, name := range []string{"jpeg", "png", "webp"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ProbeBytes(data[name]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReadMeta(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(repoTestdata, "icc", "boats-rgb-lut-profile-2seg.jpg"))
	if err != nil {
		b.Skip("testdata/icc not present")
	}
	for b.Loop() {
		ReadMeta(JPEG, data)
	}
}

// BenchmarkEncodeTiny shows the fixed cost of one WebAssembly encode (a
// module instance per call inside gen2brain/avif's encoder; a reused one
// for WebP, see BenchmarkWebPInstance).
func BenchmarkEncodeTiny(b *testing.B) {
	if err := InitCodecs(); err != nil {
		b.Fatal(err)
	}
	img := gradient(16, 16)
	for _, f := range []Format{WebP, AVIF} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if err := Encode(io.Discard, img, EncodeOptions{Format: f}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
