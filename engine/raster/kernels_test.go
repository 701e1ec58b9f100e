package raster

import (
	"image"
	"math"
	"testing"
)

// TestKernelsMatchGo checks that the assembly kernels (where the CPU has them)
// compute exactly what the pure Go loops compute.
func TestKernelsMatchGo(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no assembly kernels on this CPU/architecture")
	}
	defer func() { haveAVX2 = true }()
	src := syntheticPhoto(523, 331, 11)
	alpha := image.NewNRGBA(src.Rect)
	copy(alpha.Pix, src.Pix)
	for i := 3; i < len(alpha.Pix); i += 4 {
		alpha.Pix[i] = uint8(i * 7 / 4)
	}
	srcs := []image.Image{
		toYCbCr(src, image.YCbCrSubsampleRatio420),
		toYCbCr(src, image.YCbCrSubsampleRatio444).SubImage(image.Rect(1, 2, 500, 300)),
		src,
		alpha.SubImage(image.Rect(3, 0, 520, 331)),
	}
	sizes := [][2]int{{523, 100}, {100, 331}, {17, 15}, {31, 47}, {800, 600}, {260, 165}, {5, 3}, {1, 1}, {40, 331}}
	for _, s := range srcs {
		for _, f := range []Filter{Lanczos, CatmullRom, Linear, Box, Nearest} {
			for _, sz := range sizes {
				haveAVX2 = true
				fast := Resize(s, sz[0], sz[1], f)
				haveAVX2 = false
				slow := Resize(s, sz[0], sz[1], f)
				if p := PSNR(fast, slow); !math.IsInf(p, 1) {
					t.Errorf("%v %v -> %v: assembly and Go differ (%.1f dB)", f, s.Bounds(), sz, p)
				}
			}
		}
	}
}
