package raster

import (
	"bytes"
	"image"
	"image/jpeg"
	"path/filepath"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
)

// Benchmarks per stage on three inputs: a synthetic 5640x3172 photo-like JPEG
// (the largest size of the benchmark corpus, made once per run) and two real
// photos from testdata, one baseline and one progressive. Each goes to 800 px wide, the corpus benchmark's target. Compare runs
// with benchstat. imaging parallelises internally over GOMAXPROCS; ours runs on
// one goroutine per call (run with -cpu 1 for a per-core comparison).

type benchInput struct {
	name       string
	data       []byte
	w, h       int // source size
	dw, dh     int // target size
	denom      int
	scaled     image.Image // decoded at 1/denom
	scaledUsed int
}

var (
	benchOnce   sync.Once
	benchInputs []*benchInput
)

func inputs(b *testing.B) []*benchInput {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, syntheticPhoto(5640, 3172, 42), &jpeg.Options{Quality: 85}); err != nil {
			panic(err)
		}
		add := func(name string, data []byte) {
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				panic(err)
			}
			in := &benchInput{name: name, data: data, w: cfg.Width, h: cfg.Height, dw: 800}
			in.dh = (cfg.Height*800 + cfg.Width/2) / cfg.Width
			in.denom = ShrinkDenom(in.w, in.h, in.dw, in.dh)
			in.scaled, in.scaledUsed, err = DecodeJPEGScaled(data, in.denom)
			if err != nil {
				panic(err)
			}
			benchInputs = append(benchInputs, in)
		}
		add("synthetic5640x3172", buf.Bytes())
		if files, _ := filepath.Glob(filepath.Join(photosDir, "boats-lake-landscape-420.jpg")); len(files) == 1 {
			add("photo1440x900", readFile(b, files[0]))
		}
		if files, _ := filepath.Glob(filepath.Join(photosDir, "lake-dusk-landscape-progressive-420.jpg")); len(files) == 1 {
			add("progressive1600x1000", readFile(b, files[0]))
		}
	})
	return benchInputs
}

func BenchmarkDecodeJPEGScaled(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := DecodeJPEG(in.data, in.denom); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeJPEGFull(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := DecodeJPEG(in.data, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeStd(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(in.data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkResizeYCbCr resizes the scaled decode to the target (the fast path).
func BenchmarkResizeYCbCr(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				ResizeScaled(in.scaled, in.w, in.h, in.scaledUsed, in.dw, in.dh, Lanczos)
			}
		})
	}
}

// BenchmarkResizeImagingReference resizes the same scaled decode with imaging.
func BenchmarkResizeImagingReference(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				imaging.Resize(in.scaled, in.dw, in.dh, imaging.Lanczos)
			}
		})
	}
}

// BenchmarkPipeline is scaled decode plus resize, what a job does before encoding.
func BenchmarkPipeline(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				img, used, err := DecodeJPEGScaled(in.data, in.denom)
				if err != nil {
					b.Fatal(err)
				}
				ResizeScaled(img, in.w, in.h, used, in.dw, in.dh, Lanczos)
			}
		})
	}
}

// BenchmarkPipelineReference is the slow reference: full image/jpeg decode and
// imaging's Lanczos.
func BenchmarkPipelineReference(b *testing.B) {
	for _, in := range inputs(b) {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				img, err := jpeg.Decode(bytes.NewReader(in.data))
				if err != nil {
					b.Fatal(err)
				}
				imaging.Resize(img, in.dw, in.dh, imaging.Lanczos)
			}
		})
	}
}

func BenchmarkResizeFilters(b *testing.B) {
	in := inputs(b)[0]
	for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
		b.Run(f.String(), func(b *testing.B) {
			for b.Loop() {
				ResizeScaled(in.scaled, in.w, in.h, in.scaledUsed, in.dw, in.dh, f)
			}
		})
	}
}

// BenchmarkResizeKinds resizes 2560x1600 images of other kinds to 800x500.
func BenchmarkResizeKinds(b *testing.B) {
	src := syntheticPhoto(2560, 1600, 7)
	alpha := image.NewNRGBA(src.Rect)
	copy(alpha.Pix, src.Pix)
	for i := 3; i < len(alpha.Pix); i += 4 {
		alpha.Pix[i] = uint8(i / 4 % 251)
	}
	gray := image.NewGray(src.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = src.Pix[4*i+1]
	}
	for _, k := range []struct {
		name string
		img  image.Image
	}{
		{"ycbcr420", toYCbCr(src, image.YCbCrSubsampleRatio420)},
		{"gray", gray},
		{"nrgba-opaque", src},
		{"nrgba-alpha", alpha},
	} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				Resize(k.img, 800, 500, Lanczos)
			}
		})
	}
}

func BenchmarkOrient(b *testing.B) {
	in := inputs(b)[0]
	small := ResizeScaled(in.scaled, in.w, in.h, in.scaledUsed, in.dw, in.dh, Lanczos)
	for b.Loop() {
		Orient(small, 6)
	}
}
