package imgfmt

import (
	"bytes"
	"image"
	"image/jpeg"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/raster"
)

// Lossy WebP from YCbCr planes (what Encode does with *image.YCbCr) against
// the RGBA path (what it does with the same pixels as *image.RGBA, converted
// by toRGBA), on photos at 4:2:0, 4:2:2 and 4:4:4 as
// decoded and as a set resamples them (4:4:4, odd sizes, a sub-image): the
// decoded file is as close to the source pixels as the RGBA path's (PSNR not
// more than 0.5 dB lower: 0.34 at worst here, the chroma of a small 4:2:2
// crop), no further from the RGBA path's decode than two lossy files of the
// same pixels are, and of its size within 5% (3% here). Other pixels, and
// lossless, keep the RGBA path's bytes.
func TestWebPFromYCbCr(t *testing.T) {
	if err := InitCodec(WebP); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../testdata/photos/*.jpg")
	if len(files) == 0 {
		t.Fatal("no photos")
	}
	type input struct {
		name string
		img  *image.YCbCr
	}
	var inputs []input
	for _, p := range files {
		src, err := jpeg.Decode(bytes.NewReader(readRepoFile(t, "photos/"+filepath.Base(p))))
		if err != nil {
			t.Fatal(err)
		}
		m := src.(*image.YCbCr)
		// A sub-image at the file's own subsampling, of odd size and off
		// the origin; and resampled to 4:4:4 at an odd width, as a set's
		// sizes are.
		sub := m.SubImage(image.Rect(64, 32, 64+333, 32+211)).(*image.YCbCr)
		inputs = append(inputs, input{filepath.Base(p) + " sub-image", sub})
		if len(inputs) < 6 {
			inputs = append(inputs, input{filepath.Base(p) + " 4:4:4", raster.ResizeScaled(sub, 0, 0, 1, 167, 105, raster.Lanczos).(*image.YCbCr)})
		}
	}
	seen := map[image.YCbCrSubsampleRatio]bool{}
	for _, in := range inputs {
		seen[in.img.SubsampleRatio] = true
		o := DefaultEncodeOptions(WebP)
		var rgb, yuv bytes.Buffer
		if err := Encode(&rgb, toRGBA(in.img), o); err != nil {
			t.Fatal(err)
		}
		if err := Encode(&yuv, in.img, o); err != nil {
			t.Fatal(err)
		}
		dr, err := decodeWebP(rgb.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		dy, err := decodeWebP(yuv.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if dy.Bounds().Size() != in.img.Bounds().Size() {
			t.Fatalf("%s: decoded %v, want %v", in.name, dy.Bounds(), in.img.Bounds())
		}
		pr, py, pb := psnr(dr, in.img), psnr(dy, in.img), psnr(dy, dr)
		ratio := float64(yuv.Len()) / float64(rgb.Len())
		t.Logf("%s (%v): RGBA path %.2f dB %d bytes, YUV path %.2f dB %d bytes (%.3f), between them %.2f dB", in.name, in.img.SubsampleRatio, pr, rgb.Len(), py, yuv.Len(), ratio, pb)
		if py < pr-0.5 {
			t.Errorf("%s: YUV path %.2f dB from the source, RGBA path %.2f dB", in.name, py, pr)
		}
		if pb < 35 {
			t.Errorf("%s: YUV and RGBA paths' files %.2f dB apart, want >= 35", in.name, pb)
		}
		if ratio < 0.95 || ratio > 1.05 {
			t.Errorf("%s: YUV path's file %d bytes, RGBA path's %d", in.name, yuv.Len(), rgb.Len())
		}
	}
	// Pixels the YUV path does not take, and lossless, go through RGBA:
	// the same file as from the pixels converted to RGBA first.
	for _, c := range []struct {
		name     string
		img      image.Image
		lossless bool
	}{{"NRGBA", gradient(61, 37), false}, {"4:1:1", image.NewYCbCr(image.Rect(0, 0, 40, 24), image.YCbCrSubsampleRatio411), false}, {"lossless", inputs[0].img, true}} {
		o := DefaultEncodeOptions(WebP)
		o.Lossless = c.lossless
		var plain, viaRGBA bytes.Buffer
		if err := Encode(&plain, c.img, o); err != nil {
			t.Fatal(err)
		}
		if err := Encode(&viaRGBA, toRGBA(c.img), o); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain.Bytes(), viaRGBA.Bytes()) {
			t.Errorf("%s: not the RGBA path's file", c.name)
		}
	}
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444} {
		if !seen[r] {
			t.Errorf("no %v input among the photos", r)
		}
	}
}

// BenchmarkWebPFromYCbCr: lossy WebP (quality 80, method 4) of a set's
// 4:4:4 planes through RGBA and from the planes.
func BenchmarkWebPFromYCbCr(b *testing.B) {
	src, ok := benchImage(b).(*image.YCbCr)
	if !ok {
		b.Skip("no photo")
	}
	img := raster.ResizeScaled(src, 0, 0, 1, 640, 360, raster.Lanczos)
	if err := InitCodec(WebP); err != nil {
		b.Fatal(err)
	}
	for _, yuv := range []bool{false, true} {
		b.Run(map[bool]string{false: "rgba", true: "ycbcr"}[yuv], func(b *testing.B) {
			o := DefaultEncodeOptions(WebP)
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				in := img
				if !yuv {
					in = toRGBA(img) // the conversion counts, as it did in the RGBA path
				}
				if err := Encode(&buf, in, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
