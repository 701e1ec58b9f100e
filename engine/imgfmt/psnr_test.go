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
// (engine/raster/psnr_test.go), computed on image/draw's conversion to RGBA:
// test helpers cannot cross packages, and imgpar itself has no use for a
// PSNR.
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

// premultiplied returns m as 8-bit RGBA premultiplied by alpha, rounded to
// nearest for NRGBA (as raster's metric and libtiff round; image/draw
// truncates).
func premultiplied(m image.Image) []uint8 {
	b := m.Bounds()
	dst := image.NewRGBA(image.Rectangle{Max: b.Size()})
	n, ok := m.(*image.NRGBA)
	if !ok {
		draw.Draw(dst, dst.Rect, m, b.Min, draw.Src)
		return dst.Pix
	}
	for y := 0; y < b.Dy(); y++ {
		row := n.Pix[n.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()]
		out := dst.Pix[y*dst.Stride:][:4*b.Dx()]
		for i := 0; i < len(row); i += 4 {
			a := uint32(row[i+3])
			for c := 0; c < 3; c++ {
				out[i+c] = uint8((uint32(row[i+c])*a + 127) / 255)
			}
			out[i+3] = uint8(a)
		}
	}
	return dst.Pix
}
