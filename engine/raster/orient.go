package raster

import (
	"image"
	"image/draw"
)

// CropCenter returns the centred w x h part of img (clamped to img's size). It
// shares img's pixels when the image type supports SubImage (all of the standard
// library's do) and copies into an NRGBA otherwise.
func CropCenter(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	w = clampInt(w, 0, b.Dx())
	h = clampInt(h, 0, b.Dy())
	x0 := b.Min.X + (b.Dx()-w)/2
	y0 := b.Min.Y + (b.Dy()-h)/2
	r := image.Rect(x0, y0, x0+w, y0+h)
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Rect, img, r.Min, draw.Src)
	return dst
}

// Orient returns img turned upright according to an EXIF orientation value:
// 1 as is, 2 mirrored horizontally, 3 rotated 180°, 4 mirrored vertically,
// 5 transposed, 6 rotated 90° clockwise, 7 transversed, 8 rotated 90°
// counter-clockwise. Other values return img unchanged. Orientations 5 to 8 swap
// width and height.
//
// *image.YCbCr stays YCbCr (each plane is transformed; 4:2:2 becomes 4:4:0 when
// transposed and back), *image.Gray stays Gray, *image.RGBA stays RGBA, and
// everything else becomes *image.NRGBA. The result is a new image starting at (0, 0).
// Apply it after resizing: it touches every output pixel once.
func Orient(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	transpose := orientation >= 5
	dw, dh := w, h
	if transpose {
		dw, dh = h, w
	}
	switch s := img.(type) {
	case *image.YCbCr:
		ratio, ok := orientedRatio(s.SubsampleRatio, transpose)
		if ok {
			dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), ratio)
			orientPlane(dst.Y, dst.YStride, s.Y[s.YOffset(b.Min.X, b.Min.Y):], s.YStride, w, h, 1, orientation)
			// The destination's chroma planes fix how many source chroma samples
			// are used (a sub-image at odd offsets has one more, half covered).
			dcw, dch := dst.CStride, 0
			if dcw > 0 {
				dch = len(dst.Cb) / dcw
			}
			cw, ch := dcw, dch
			if transpose {
				cw, ch = dch, dcw
			}
			co := s.COffset(b.Min.X, b.Min.Y)
			orientPlane(dst.Cb, dst.CStride, s.Cb[co:], s.CStride, cw, ch, 1, orientation)
			orientPlane(dst.Cr, dst.CStride, s.Cr[co:], s.CStride, cw, ch, 1, orientation)
			return dst
		}
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		orientPlane(dst.Pix, dst.Stride, s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride, w, h, 1, orientation)
		return dst
	case *image.RGBA:
		dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
		orientPlane(dst.Pix, dst.Stride, s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride, w, h, 4, orientation)
		return dst
	case *image.NRGBA:
		dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
		orientPlane(dst.Pix, dst.Stride, s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride, w, h, 4, orientation)
		return dst
	}
	n := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return Orient(n, orientation)
}

// orientedRatio returns the subsampling of a YCbCr image after the orientation,
// and false if it cannot be represented.
func orientedRatio(r image.YCbCrSubsampleRatio, transpose bool) (image.YCbCrSubsampleRatio, bool) {
	if !transpose {
		return r, true
	}
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		return r, true
	case image.YCbCrSubsampleRatio422:
		return image.YCbCrSubsampleRatio440, true
	case image.YCbCrSubsampleRatio440:
		return image.YCbCrSubsampleRatio422, true
	}
	return r, false
}

// orientPlane writes the w x h plane src (bpp bytes per pixel) into dst, oriented.
// Output row y walks a source row or column: it starts at source index base(y)
// and steps by step bytes per output pixel.
func orientPlane(dst []uint8, dstStride int, src []uint8, stride, w, h, bpp, orientation int) {
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	var base0, baseStep, step int
	switch orientation {
	case 2: // x = w-1-x', y = y'
		base0, baseStep, step = (w-1)*bpp, stride, -bpp
	case 3: // x = w-1-x', y = h-1-y'
		base0, baseStep, step = (h-1)*stride+(w-1)*bpp, -stride, -bpp
	case 4: // x = x', y = h-1-y'
		base0, baseStep, step = (h-1)*stride, -stride, bpp
	case 5: // x = y', y = x'
		base0, baseStep, step = 0, bpp, stride
	case 6: // x = y', y = h-1-x'
		base0, baseStep, step = (h-1)*stride, bpp, -stride
	case 7: // x = w-1-y', y = h-1-x'
		base0, baseStep, step = (h-1)*stride+(w-1)*bpp, -bpp, -stride
	case 8: // x = w-1-y', y = x'
		base0, baseStep, step = (w-1)*bpp, -bpp, stride
	default:
		base0, baseStep, step = 0, stride, bpp
	}
	for y := 0; y < dh; y++ {
		d := dst[y*dstStride : y*dstStride+dw*bpp]
		i := base0 + y*baseStep
		if bpp == 1 {
			for x := range d {
				d[x] = src[i]
				i += step
			}
			continue
		}
		for x := 0; x < len(d); x += 4 {
			p := src[i : i+4 : i+4]
			q := d[x : x+4 : x+4]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], p[3]
			i += step
		}
	}
}
