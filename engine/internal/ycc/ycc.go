// Package ycc converts JPEG's YCbCr (JFIF: BT.601 matrix, full range) to
// RGB with libjpeg's arithmetic (jdcolor.c): 16-bit fixed-point factors
// and each product rounded to the nearest level.
//
// Go's color.YCbCrToRGB, which image/draw and image.YCbCr.At use, scales
// Y by 257/256 and then truncates, which rounds coloured pixels down by
// about half a level near black and up by about half a level near white
// (TestBiasFree). An RGB output of a JPEG (PNG, WebP, AVIF, TIFF, ...)
// converted that way is off by that much; libjpeg, and libvips through
// it, are not. The method is the Independent JPEG Group's (licence:
// engine/internal/jpegenc/LICENSE-IJG); TestMatchesDjpeg holds it to
// libjpeg-turbo's djpeg.
package ycc

import "image"

const (
	scaleBits = 16
	oneHalf   = 1 << (scaleBits - 1)
)

// fix is libjpeg's FIX(x): x in 16-bit fixed point, rounded.
func fix(x float64) int32 { return int32(x*(1<<scaleBits) + 0.5) }

// The tables of jdcolor.c's build_ycc_rgb_table, indexed by Cb or Cr.
var crR, cbB, crG, cbG [256]int32

func init() {
	for i := range 256 {
		x := int32(i) - 128
		crR[i] = (fix(1.40200)*x + oneHalf) >> scaleBits
		cbB[i] = (fix(1.77200)*x + oneHalf) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + oneHalf
	}
}

func clamp(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

// RGB converts one pixel.
func RGB(y, cb, cr uint8) (r, g, b uint8) {
	yy := int32(y)
	return clamp(yy + crR[cr]), clamp(yy + (cbG[cb]+crG[cr])>>scaleBits), clamp(yy + cbB[cb])
}

// ToRGBA converts m (any subsampling; chroma sample replicated over the
// pixels it covers, as image.YCbCr.At does) to an opaque RGBA image with
// m's bounds.
func ToRGBA(m *image.YCbCr) *image.RGBA {
	dst := image.NewRGBA(m.Rect)
	hd, vd := Subsampling(m.SubsampleRatio)
	b := m.Rect
	w := b.Dx()
	col := make([]int, w) // chroma column of each pixel column
	for x := range col {
		col[x] = (b.Min.X+x)/hd - b.Min.X/hd
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yrow := m.Y[(y-b.Min.Y)*m.YStride:][:w]
		ci := (y/vd - b.Min.Y/vd) * m.CStride
		cbRow, crRow := m.Cb[ci:], m.Cr[ci:]
		d := dst.Pix[(y-b.Min.Y)*dst.Stride:][:4*w]
		for x, c := range col {
			r, g, bl := RGB(yrow[x], cbRow[c], crRow[c])
			p := d[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = r, g, bl, 255
		}
	}
	return dst
}

// Subsampling returns the luma pixels per chroma sample of r horizontally
// and vertically: the divisors of a pixel coordinate in
// image.YCbCr.COffset's arithmetic (which divides, so that negative
// coordinates round toward zero).
func Subsampling(r image.YCbCrSubsampleRatio) (h, v int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}
