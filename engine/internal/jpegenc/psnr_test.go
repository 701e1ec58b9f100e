package jpegenc

import (
	"image"
	"image/draw"
	"math"
)

// psnr returns the peak signal-to-noise ratio in dB over 8-bit R, G and B
// of two opaque images of the same size (+Inf when identical, 0 for
// different sizes): the figure of raster's test metric for the opaque
// images these tests encode (test helpers cannot cross packages).
func psnr(a, b image.Image) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 0
	}
	rgba := func(m image.Image) []uint8 {
		dst := image.NewRGBA(image.Rectangle{Max: m.Bounds().Size()})
		draw.Draw(dst, dst.Rect, m, m.Bounds().Min, draw.Src)
		return dst.Pix
	}
	pa, pb := rgba(a), rgba(b)
	sum := 0.0
	for i := 0; i < len(pa); i += 4 {
		for c := range 3 {
			d := float64(pa[i+c]) - float64(pb[i+c])
			sum += d * d
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(len(pa)/4*3)/sum)
}
