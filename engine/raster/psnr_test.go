package raster

import (
	"image"
	"image/color"
	"math"
)

// PSNR is the tests' image metric; it is test code (deadcode: nothing in
// imgpar itself needs it). imgfmt's and engine's tests, which cannot see
// it, compute the same figure from image/draw's conversion (their psnr).
//
// PSNR returns the peak signal-to-noise ratio in dB between two images of the same
// size, computed over 8-bit R, G and B as a viewer sees them (YCbCr converted to
// RGB, colour premultiplied by alpha); when either image has transparency, alpha
// counts as a fourth channel. Identical images give +Inf; images of different
// sizes give 0.
func PSNR(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return 0
	}
	w, h := ab.Dx(), ab.Dy()
	if w == 0 || h == 0 {
		return math.Inf(1)
	}
	ra, rb := make([]uint8, 4*w), make([]uint8, 4*w)
	var sum3, sumA float64
	alpha := false
	for y := 0; y < h; y++ {
		rgbaRow(a, y, ra)
		rgbaRow(b, y, rb)
		var s3, sa int64
		for i := 0; i < 4*w; i += 4 {
			for c := 0; c < 3; c++ {
				d := int64(ra[i+c]) - int64(rb[i+c])
				s3 += d * d
			}
			d := int64(ra[i+3]) - int64(rb[i+3])
			sa += d * d
			if ra[i+3] != 255 || rb[i+3] != 255 {
				alpha = true
			}
		}
		sum3 += float64(s3)
		sumA += float64(sa)
	}
	n := float64(w * h * 3)
	mse := sum3
	if alpha {
		n = float64(w * h * 4)
		mse += sumA
	}
	mse /= n
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// rgbaRow converts row y (relative to the bounds) of m to premultiplied 8-bit RGBA.
func rgbaRow(m image.Image, y int, dst []uint8) {
	b := m.Bounds()
	w := b.Dx()
	switch s := m.(type) {
	case *image.YCbCr:
		for x := 0; x < w; x++ {
			yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := s.COffset(b.Min.X+x, b.Min.Y+y)
			r, g, bb := color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = r, g, bb, 255
		}
	case *image.Gray:
		row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			v := row[x]
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = v, v, v, 255
		}
	case *image.RGBA:
		copy(dst, s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:4*w])
	case *image.NRGBA:
		row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
		for i := 0; i < 4*w; i += 4 {
			a := uint32(row[i+3])
			dst[i] = uint8((uint32(row[i])*a + 127) / 255)
			dst[i+1] = uint8((uint32(row[i+1])*a + 127) / 255)
			dst[i+2] = uint8((uint32(row[i+2])*a + 127) / 255)
			dst[i+3] = uint8(a)
		}
	default:
		for x := 0; x < w; x++ {
			r, g, bb, a := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), uint8(a>>8)
		}
	}
}
