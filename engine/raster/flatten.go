package raster

import (
	"image"
	"image/color"
)

// Flatten composites img over the opaque colour bg (bg's alpha is ignored) and
// returns an opaque image, for formats without transparency such as JPEG. Images
// without an alpha channel (YCbCr, Gray, CMYK) and images that are fully opaque
// are returned as they are; anything else becomes an opaque *image.RGBA.
func Flatten(img image.Image, bg color.NRGBA) image.Image {
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		return img
	}
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	br, bgg, bb := uint32(bg.R), uint32(bg.G), uint32(bg.B)
	if s, ok := img.(*image.NRGBA); ok {
		for y := 0; y < b.Dy(); y++ {
			i := s.PixOffset(b.Min.X, b.Min.Y+y)
			src := s.Pix[i : i+4*b.Dx()]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
			for x := 0; x < len(src); x += 4 {
				p := src[x : x+4 : x+4]
				q := d[x : x+4 : x+4]
				a := uint32(p[3])
				na := 255 - a
				q[0] = uint8((uint32(p[0])*a + br*na + 127) / 255)
				q[1] = uint8((uint32(p[1])*a + bgg*na + 127) / 255)
				q[2] = uint8((uint32(p[2])*a + bb*na + 127) / 255)
				q[3] = 255
			}
		}
		return dst
	}
	// Generic: color.Color.RGBA is premultiplied, so out = c + bg*(1-a).
	for y := 0; y < b.Dy(); y++ {
		d := dst.Pix[y*dst.Stride:]
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			na := 0xffff - a
			q := d[4*x : 4*x+4 : 4*x+4]
			q[0] = uint8(min(r+(br*257*na+0x7fff)/0xffff, 0xffff) >> 8)
			q[1] = uint8(min(g+(bgg*257*na+0x7fff)/0xffff, 0xffff) >> 8)
			q[2] = uint8(min(bl+(bb*257*na+0x7fff)/0xffff, 0xffff) >> 8)
			q[3] = 255
		}
	}
	return dst
}
