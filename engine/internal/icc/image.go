package icc

import (
	"image"
	"image/color"
	"image/draw"

	"github.com/imgpar/imgpar/engine/internal/ycc"
)

// Apply converts img's colours to sRGB and returns the result, or img
// itself with false when the transform does not suit the image's colour
// model (a CMYK transform for RGB pixels, an RGB one for grey pixels) or
// changes nothing (Identity). It converts *image.RGBA, *image.NRGBA,
// *image.Gray and *image.Paletted in place, and *image.CMYK in place into
// an *image.RGBA sharing its pixels; *image.YCbCr becomes a new
// *image.RGBA, other types are first converted to NRGBA (or Gray).
// Alpha is kept; RGBA's premultiplied colours are converted unpremultiplied.
func (t *Transform) Apply(img image.Image) (image.Image, bool) {
	if t.identity {
		return img, false
	}
	switch t.in {
	case 4:
		c, ok := img.(*image.CMYK)
		if !ok {
			return img, false
		}
		return t.applyCMYK(c), true
	case 1:
		switch m := img.(type) {
		case *image.Gray:
			t.applyGray(m)
			return m, true
		case *image.Gray16:
			g := image.NewGray(m.Bounds())
			draw.Draw(g, g.Rect, m, m.Rect.Min, draw.Src)
			t.applyGray(g)
			return g, true
		}
		return img, false
	}
	switch m := img.(type) {
	case *image.CMYK, *image.Gray, *image.Gray16:
		return img, false
	case *image.NRGBA:
		t.applyRGBA(m.Pix, m.Stride, m.Rect, false)
		return m, true
	case *image.RGBA:
		t.applyRGBA(m.Pix, m.Stride, m.Rect, true)
		return m, true
	case *image.YCbCr:
		return t.applyYCbCr(m), true
	case *image.Paletted:
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			o := t.rgb(n.R, n.G, n.B)
			m.Palette[i] = color.NRGBA{o[0], o[1], o[2], n.A}
		}
		return m, true
	}
	b := img.Bounds()
	n := image.NewNRGBA(b)
	draw.Draw(n, b, img, b.Min, draw.Src)
	t.applyRGBA(n.Pix, n.Stride, n.Rect, false)
	return n, true
}

func (t *Transform) applyGray(g *image.Gray) {
	w := g.Rect.Dx()
	for y := 0; y < g.Rect.Dy(); y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for i, v := range row {
			row[i] = t.gray[v]
		}
	}
}

func (t *Transform) applyRGBA(pix []uint8, stride int, r image.Rectangle, premul bool) {
	w := r.Dx()
	for y := 0; y < r.Dy(); y++ {
		row := pix[y*stride : y*stride+4*w]
		for i := 0; i < len(row); i += 4 {
			p := row[i : i+4 : i+4]
			a := p[3]
			switch {
			case !premul || a == 255:
				var o [3]uint8
				if t.lin != nil {
					o = t.matrix(p[0], p[1], p[2])
				} else {
					o = t.tetra3(p[0], p[1], p[2])
				}
				p[0], p[1], p[2] = o[0], o[1], o[2]
			case a == 0:
			default:
				un := func(v uint8) uint8 { return uint8(min(255, (uint32(v)*255+uint32(a)/2)/uint32(a))) }
				o := t.rgb(un(p[0]), un(p[1]), un(p[2]))
				pre := func(v uint8) uint8 { return uint8((uint32(v)*uint32(a) + 127) / 255) }
				p[0], p[1], p[2] = pre(o[0]), pre(o[1]), pre(o[2])
			}
		}
	}
}

func (t *Transform) applyYCbCr(m *image.YCbCr) *image.RGBA {
	b := m.Rect
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		d := dst.Pix[(y-b.Min.Y)*dst.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, bl := ycc.RGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			o := t.rgb(r, g, bl)
			q := d[4*(x-b.Min.X) : 4*(x-b.Min.X)+4 : 4*(x-b.Min.X)+4]
			q[0], q[1], q[2], q[3] = o[0], o[1], o[2], 255
		}
	}
	return dst
}

// applyCMYK converts in place: a CMYK pixel and an RGBA pixel are both
// four bytes, so a full-size CMYK decode costs no second buffer.
func (t *Transform) applyCMYK(c *image.CMYK) *image.RGBA {
	w := c.Rect.Dx()
	for y := 0; y < c.Rect.Dy(); y++ {
		s := c.Pix[y*c.Stride : y*c.Stride+4*w]
		for i := 0; i < len(s); i += 4 {
			p := s[i : i+4 : i+4]
			o := t.cmyk(p[0], p[1], p[2], p[3])
			p[0], p[1], p[2], p[3] = o[0], o[1], o[2], 255
		}
	}
	return &image.RGBA{Pix: c.Pix, Stride: c.Stride, Rect: c.Rect}
}
