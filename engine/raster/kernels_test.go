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
	filters := []Filter{Lanczos, CatmullRom, Linear, Box, Nearest}
	if raceEnabled {
		filters, sizes = filters[:1], sizes[:4]
	}
	defer func() { passOrder = 0 }()
	for _, order := range []int{1, 2} {
		passOrder = order
		for _, s := range srcs {
			for _, f := range filters {
				for _, sz := range sizes {
					haveAVX2 = true
					fast := Resize(s, sz[0], sz[1], f)
					haveAVX2 = false
					slow := Resize(s, sz[0], sz[1], f)
					if p := PSNR(fast, slow); !math.IsInf(p, 1) {
						t.Errorf("order %d %v %v -> %v: assembly and Go differ (%.1f dB)", order, f, s.Bounds(), sz, p)
					}
				}
			}
		}
	}
}

// TestPassOrders runs both orders of the passes over the same geometries: they
// differ only by where the intermediate rounding falls.
func TestPassOrders(t *testing.T) {
	defer func() { passOrder = 0 }()
	src := syntheticPhoto(523, 331, 14)
	alpha := image.NewNRGBA(src.Rect)
	copy(alpha.Pix, src.Pix)
	for i := 3; i < len(alpha.Pix); i += 4 {
		alpha.Pix[i] = uint8(255 - i/4%200)
	}
	for _, s := range []image.Image{toYCbCr(src, image.YCbCrSubsampleRatio420), src, alpha} {
		for _, sz := range [][2]int{{100, 60}, {40, 331}, {523, 40}, {1000, 30}, {13, 700}, {60, 45}} {
			passOrder = 1
			v := Resize(s, sz[0], sz[1], Lanczos)
			passOrder = 2
			h := Resize(s, sz[0], sz[1], Lanczos)
			if p := PSNR(v, h); p < 45 {
				t.Errorf("%T -> %v: the two orders differ by %.1f dB", s, sz, p)
			}
		}
	}
}
