package imgfmt

import (
	"image"
	"image/draw"
	"math"
)

// psnr returns the peak signal-to-noise ratio in dB between two images of
// the same size over 8-bit R, G and B premultiplied by alpha, with alpha as
// a fourth channel when either image has transparency; +Inf for identical
// images, 0 for different sizes. It is the figure of raster's test metric
// (engine/raster/psnr_test.go), computed on image/draw's conversion to RGBA
// (which may round a premultiplied value the other way): test helpers
// cannot cross packages, and imgpar itself has no use for a PSNR.
func psnr(a, b image.Image) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 0
	}
	pa, pb := premultiplied(a), premultiplied(b)
	var rgb, alpha float64
	transparent := false
	for i := 0; i < len(pa); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(pa[i+c]) - float64(pb[i+c])
			rgb += d * d
		}
		d := float64(pa[i+3]) - float64(pb[i+3])
		alpha += d * d
		transparent = transparent || pa[i+3] != 255 || pb[i+3] != 255
	}
	sum, n := rgb, float64(len(pa)/4*3)
	if transparent {
		sum, n = rgb+alpha, float64(len(pa))
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*n/sum)
}

func premultiplied(m image.Image) []uint8 {
	dst := image.NewRGBA(image.Rectangle{Max: m.Bounds().Size()})
	draw.Draw(dst, dst.Rect, m, m.Bounds().Min, draw.Src)
	return dst.Pix
}
