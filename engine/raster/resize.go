package raster

import (
	"image"
	"image/color"

	"github.com/imgpar/imgpar/engine/internal/ycc"
)

// ResizeScaled resamples src to exactly w x h pixels with filter f. Negative
// sizes count as 0; an empty source gives a blank image of the requested size.
//
// src is what DecodeJPEGScaled decoded at 1/denom of its original origW x
// origH size (denom 1 for any other image). Such an image is
// ceil(origW/denom) pixels wide, its last column standing for the remaining
// origW%denom original columns only; resampling it as a whole pixel would
// shift the right and bottom edges by up to a pixel of the decoded image, so
// ResizeScaled maps the output onto the true extent origW/denom x
// origH/denom instead. When src is not of the size that denom implies (a
// full-size fallback decode), its bounds are the extent.
//
// The result type depends on the source:
//   - *image.YCbCr gives *image.YCbCr, each plane resampled at its own resolution:
//     4:4:4 when a 4:2:0 result would hold less chroma detail than the source has
//     (any real reduction), else the source's subsampling (4:1:1 and 4:1:0 become
//     4:2:0) when enlarging.
//   - *image.Gray and *image.Gray16 give *image.Gray.
//   - Anything else gives *image.NRGBA, resampled as 8-bit RGBA premultiplied by
//     alpha, so that transparent pixels' colour does not bleed into edges.
func ResizeScaled(src image.Image, origW, origH, denom, w, h int, f Filter) image.Image {
	b := src.Bounds()
	ex, ey := float64(b.Dx()), float64(b.Dy())
	if denom > 1 && origW > 0 && origH > 0 &&
		b.Dx() == (origW+denom-1)/denom && b.Dy() == (origH+denom-1)/denom {
		ex, ey = float64(origW)/float64(denom), float64(origH)/float64(denom)
	}
	return resize(src, ex, ey, w, h, f)
}

func resize(src image.Image, ex, ey float64, w, h int, f Filter) image.Image {
	w, h = max(w, 0), max(h, 0)
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	empty := sw <= 0 || sh <= 0 || w == 0 || h == 0
	switch s := src.(type) {
	case *image.YCbCr:
		return resizeYCbCr(s, ex, ey, w, h, f)
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		if !empty {
			p := newPlan(newAxis(sw, ex, w), newAxis(sh, ey, h), f)
			resample8(dst8{dst.Pix, dst.Stride}, plane8{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, sw}, sw, sh, 1, p)
		}
		return dst
	case *image.NYCbCrA:
		if s.Opaque() {
			return resize(&s.YCbCr, ex, ey, w, h, f)
		}
	case *image.Gray16:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		if !empty {
			p := newPlan(newAxis(sw, ex, w), newAxis(sh, ey, h), f)
			resample8(dst8{dst.Pix, dst.Stride}, gray16Rows{s}, sw, sh, 1, p)
		}
		return dst
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if empty {
		return dst
	}
	p := newPlan(newAxis(sw, ex, w), newAxis(sh, ey, h), f)
	rows, opaque := rgbaRows(src)
	resample8(dst8{dst.Pix, dst.Stride}, rows, sw, sh, 4, p)
	if !opaque {
		unpremultiply(dst)
	}
	return dst
}

// recip255[a] is 255/a in 16.16 fixed point, for unpremultiplying.
var recip255 = func() (t [256]uint32) {
	for a := 1; a < 256; a++ {
		t[a] = uint32((255<<16 + a/2) / a)
	}
	return t
}()

// unpremultiply turns dst's premultiplied 8-bit RGBA into straight NRGBA in place.
// Ringing can leave colour above alpha; it is clamped to alpha (white at most).
func unpremultiply(dst *image.NRGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for i := 0; i < len(d); i += 4 {
			p := d[i : i+4 : i+4]
			a := p[3]
			switch a {
			case 255:
			case 0:
				p[0], p[1], p[2] = 0, 0, 0
			default:
				r := recip255[a]
				p[0] = uint8((uint32(min(p[0], a))*r + 1<<15) >> 16)
				p[1] = uint8((uint32(min(p[1], a))*r + 1<<15) >> 16)
				p[2] = uint8((uint32(min(p[2], a))*r + 1<<15) >> 16)
			}
		}
	}
}

// chromaAxis maps the chroma samples of an output axis onto a source chroma plane.
// luma is the luma axis map, n the source chroma count, s and o the source and output
// subsampling factors and off the centre of source chroma sample 0 in luma pixels.
func chromaAxis(luma axisMap, n, s, o int, off float64, dstN int) axisMap {
	// Output chroma sample j is centred on output luma o*j + (o-1)/2, which the luma
	// map places at source luma (o*j + o/2)*du - 0.5 + luma.off, that is source
	// chroma ((j+0.5)*o*du - 0.5 + luma.off - off)/s.
	fs, fo := float64(s), float64(o)
	return axisMap{
		srcN: n,
		dstN: dstN,
		du:   fo * luma.du / fs,
		off:  0.5 + (luma.off-0.5-off)/fs,
	}
}

func resizeYCbCr(s *image.YCbCr, ex, ey float64, w, h int, f Filter) *image.YCbCr {
	ratio := s.SubsampleRatio
	b := s.Rect
	sw, sh := b.Dx(), b.Dy()
	sx, sy := ycc.Subsampling(ratio)
	// Chroma columns b.Min.X/sx .. (b.Max.X-1)/sx, as image.YCbCr addresses them.
	cx0, cy0 := b.Min.X/sx, b.Min.Y/sy
	cw, ch := (b.Max.X-1)/sx-cx0+1, (b.Max.Y-1)/sy-cy0+1
	out := ratio
	switch {
	case (w+1)/2 < cw || (h+1)/2 < ch:
		// 4:2:0 output would hold less chroma detail than the source has.
		out = image.YCbCrSubsampleRatio444
	case out == image.YCbCrSubsampleRatio411 || out == image.YCbCrSubsampleRatio410:
		out = image.YCbCrSubsampleRatio420
	}
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), out)
	if sw <= 0 || sh <= 0 || w == 0 || h == 0 {
		return dst
	}
	mx, my := newAxis(sw, ex, w), newAxis(sh, ey, h)
	resample8(dst8{dst.Y, dst.YStride}, plane8{s.Y, s.YOffset(b.Min.X, b.Min.Y), s.YStride, sw}, sw, sh, 1, newPlan(mx, my, f))

	ox, oy := ycc.Subsampling(out)
	offX := float64(cx0*sx-b.Min.X) + float64(sx-1)/2
	offY := float64(cy0*sy-b.Min.Y) + float64(sy-1)/2
	dcw, dch := (w+ox-1)/ox, (h+oy-1)/oy
	cp := newPlan(chromaAxis(mx, cw, sx, ox, offX, dcw), chromaAxis(my, ch, sy, oy, offY, dch), f)
	coff := s.COffset(b.Min.X, b.Min.Y)
	resample8(dst8{dst.Cb, dst.CStride}, plane8{s.Cb, coff, s.CStride, cw}, cw, ch, 1, cp)
	resample8(dst8{dst.Cr, dst.CStride}, plane8{s.Cr, coff, s.CStride, cw}, cw, ch, 1, cp)
	return dst
}

// gray16Rows reads a Gray16 image as 8-bit rows.
type gray16Rows struct{ m *image.Gray16 }

func (g gray16Rows) row(y int, scratch []uint8) []uint8 {
	b := g.m.Rect
	i := g.m.PixOffset(b.Min.X, b.Min.Y+y)
	s := g.m.Pix[i : i+2*b.Dx()]
	scratch = scratch[:b.Dx()]
	for x := range scratch {
		scratch[x] = s[2*x]
	}
	return scratch
}

// rgbaRows returns a reader of src as 8-bit RGBA rows premultiplied by alpha,
// which is what the resampler must filter so that transparent colour carries no
// weight (Pillow does the same), and whether src is known to be opaque. Rows of
// RGBA images are read in place; other types are converted a row at a time.
func rgbaRows(src image.Image) (rows8, bool) {
	b := src.Bounds()
	switch s := src.(type) {
	case *image.RGBA: // already premultiplied
		return plane8{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, 4 * b.Dx()}, s.Opaque()
	case *image.NRGBA:
		if s.Opaque() {
			return plane8{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, 4 * b.Dx()}, true
		}
		return nrgbaRows{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, b.Dx(), 1}, false
	case *image.NRGBA64:
		return nrgbaRows{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, b.Dx(), 2}, s.Opaque()
	case *image.RGBA64: // premultiplied: the high bytes will do
		return rgba64Rows{s.Pix, s.PixOffset(b.Min.X, b.Min.Y), s.Stride, b.Dx()}, s.Opaque()
	case *image.CMYK:
		return cmykRows{s}, true
	case *image.Paletted:
		return palettedRows{s, palette8(s.Palette)}, s.Opaque()
	case *image.NYCbCrA:
		return nycbcraRows{s}, s.Opaque()
	}
	o, ok := src.(interface{ Opaque() bool })
	return genericRows{src}, ok && o.Opaque()
}

// premul returns round(c*a/255) without a division.
func premul(c, a uint8) uint8 {
	t := uint32(c)*uint32(a) + 128
	return uint8((t + t>>8) >> 8)
}

// nrgbaRows reads straight-alpha NRGBA (bps 1) or NRGBA64 (bps 2, high bytes)
// rows and premultiplies them.
type nrgbaRows struct {
	pix         []uint8
	off, stride int
	w, bps      int
}

func (n nrgbaRows) row(y int, scratch []uint8) []uint8 {
	i := n.off + y*n.stride
	s := n.pix[i : i+4*n.w*n.bps]
	scratch = scratch[:4*n.w]
	if n.bps == 1 {
		for x := 0; x < len(scratch); x += 4 {
			p := s[x : x+4 : x+4]
			d := scratch[x : x+4 : x+4]
			a := p[3]
			d[0], d[1], d[2], d[3] = premul(p[0], a), premul(p[1], a), premul(p[2], a), a
		}
		return scratch
	}
	for x := 0; x < len(scratch); x += 4 {
		p := s[2*x : 2*x+8 : 2*x+8]
		d := scratch[x : x+4 : x+4]
		a := p[6]
		d[0], d[1], d[2], d[3] = premul(p[0], a), premul(p[2], a), premul(p[4], a), a
	}
	return scratch
}

// rgba64Rows reads the high bytes of premultiplied 16-bit RGBA rows.
type rgba64Rows struct {
	pix         []uint8
	off, stride int
	w           int
}

func (r rgba64Rows) row(y int, scratch []uint8) []uint8 {
	i := r.off + y*r.stride
	s := r.pix[i : i+8*r.w]
	scratch = scratch[:4*r.w]
	for x := range scratch {
		scratch[x] = s[2*x]
	}
	return scratch
}

type cmykRows struct{ m *image.CMYK }

func (c cmykRows) row(y int, scratch []uint8) []uint8 {
	b := c.m.Rect
	i := c.m.PixOffset(b.Min.X, b.Min.Y+y)
	s := c.m.Pix[i : i+4*b.Dx()]
	scratch = scratch[:len(s)]
	for x := 0; x < len(s); x += 4 {
		p := s[x : x+4 : x+4]
		r, g, bb := color.CMYKToRGB(p[0], p[1], p[2], p[3])
		d := scratch[x : x+4 : x+4]
		d[0], d[1], d[2], d[3] = r, g, bb, 255
	}
	return scratch
}

// palette8 converts a palette to premultiplied 8-bit RGBA entries (256 of them,
// so that any index is valid).
func palette8(p color.Palette) [256][4]uint8 {
	var t [256][4]uint8
	for i, c := range p {
		if i >= 256 {
			break
		}
		r, g, b, a := c.RGBA()
		t[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
	return t
}

type palettedRows struct {
	m   *image.Paletted
	pal [256][4]uint8
}

func (p palettedRows) row(y int, scratch []uint8) []uint8 {
	b := p.m.Rect
	i := p.m.PixOffset(b.Min.X, b.Min.Y+y)
	scratch = scratch[:4*b.Dx()]
	for x, idx := range p.m.Pix[i : i+b.Dx()] {
		c := &p.pal[idx]
		d := scratch[4*x : 4*x+4 : 4*x+4]
		d[0], d[1], d[2], d[3] = c[0], c[1], c[2], c[3]
	}
	return scratch
}

type nycbcraRows struct{ m *image.NYCbCrA }

func (n nycbcraRows) row(y int, scratch []uint8) []uint8 {
	b := n.m.Rect
	yy := b.Min.Y + y
	scratch = scratch[:4*b.Dx()]
	for x := 0; x < b.Dx(); x++ {
		xx := b.Min.X + x
		yi, ci := n.m.YOffset(xx, yy), n.m.COffset(xx, yy)
		r, g, bl := ycc.RGB(n.m.Y[yi], n.m.Cb[ci], n.m.Cr[ci])
		a := n.m.A[n.m.AOffset(xx, yy)]
		d := scratch[4*x : 4*x+4 : 4*x+4]
		d[0], d[1], d[2], d[3] = premul(r, a), premul(g, a), premul(bl, a), a
	}
	return scratch
}

// genericRows reads any image through At; color.Color.RGBA is premultiplied.
type genericRows struct{ m image.Image }

func (g genericRows) row(y int, scratch []uint8) []uint8 {
	b := g.m.Bounds()
	scratch = scratch[:4*b.Dx()]
	for x := 0; x < b.Dx(); x++ {
		r, gg, bb, a := g.m.At(b.Min.X+x, b.Min.Y+y).RGBA()
		d := scratch[4*x : 4*x+4 : 4*x+4]
		d[0], d[1], d[2], d[3] = uint8(r>>8), uint8(gg>>8), uint8(bb>>8), uint8(a>>8)
	}
	return scratch
}
