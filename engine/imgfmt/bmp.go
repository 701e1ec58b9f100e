package imgfmt

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math/bits"
)

// decodeBMP reads the BMP variants that ImageMagick, Pillow and Windows
// write: OS/2 (12-byte BITMAPCOREHEADER) and Windows headers (40 to 124
// bytes, and OS/2 2.x's 16 and 64), 1/2/4/8-bit palettes, RLE8 and RLE4,
// 16-bit 555 and 565, 24-bit, 32-bit, BI_BITFIELDS and BI_ALPHABITFIELDS
// masks (with alpha when a mask says so), bottom-up and top-down rows.
// golang.org/x/image/bmp reads only uncompressed 8, 24 and 32-bit files.
//
// Palette files come back as *image.Paletted (pixels that an RLE delta
// skips keep index 0, as ImageMagick and Pillow leave them), bit-field
// files with an alpha mask as *image.NRGBA (opaque if every alpha value is
// zero, as browsers show them), the others as *image.RGBA.
func decodeBMP(data []byte) (image.Image, error) {
	if len(data) < 18 || data[0] != 'B' || data[1] != 'M' {
		return nil, errors.New("bmp: not a BMP file")
	}
	pixOff := int64(le32(data[10:]))
	hdr := int(le32(data[14:]))
	if hdr < 12 || 14+hdr > len(data) {
		return nil, fmt.Errorf("bmp: truncated header (%d-byte DIB header)", hdr)
	}
	var (
		w, h        int64
		bpp         int
		compression uint32
		colorsUsed  int
		masks       [4]uint32 // R, G, B, A
		paletteSize = 4
	)
	switch {
	case hdr == 12: // OS/2 1.x, BITMAPCOREHEADER
		w, h = int64(le16(data[18:])), int64(int16(le16(data[20:])))
		bpp = int(le16(data[24:]))
		paletteSize = 3
	case hdr >= 16:
		w, h = int64(int32(le32(data[18:]))), int64(int32(le32(data[22:])))
		bpp = int(le16(data[28:]))
		if hdr >= 20 {
			compression = le32(data[30:])
		}
		if hdr >= 36 {
			colorsUsed = int(le32(data[46:]))
		}
	default:
		return nil, fmt.Errorf("bmp: unknown %d-byte DIB header", hdr)
	}
	os2v2 := hdr == 16 || hdr == 64
	topDown := h < 0
	if topDown {
		h = -h
	}
	if w <= 0 || h <= 0 || w > 1<<20 || h > 1<<20 {
		return nil, fmt.Errorf("bmp: bad dimensions %dx%d", w, h)
	}
	switch compression {
	case 0, 1, 2, 3, 6:
	case 4:
		if os2v2 {
			return nil, errors.New("bmp: OS/2 RLE24 compression is not supported")
		}
		return nil, errors.New("bmp: embedded JPEG (compression 4) is not supported")
	case 5:
		return nil, errors.New("bmp: embedded PNG (compression 5) is not supported")
	default:
		return nil, fmt.Errorf("bmp: compression %d is not supported", compression)
	}
	if compression == 3 && os2v2 {
		return nil, errors.New("bmp: OS/2 Huffman 1D compression is not supported")
	}
	if (compression == 1 && bpp != 8) || (compression == 2 && bpp != 4) {
		return nil, fmt.Errorf("bmp: RLE%d with %d bits per pixel", map[uint32]int{1: 8, 2: 4}[compression], bpp)
	}
	after := 14 + hdr // where masks (for a 40-byte header) and the palette start
	if compression == 3 || compression == 6 {
		if bpp != 16 && bpp != 32 {
			return nil, fmt.Errorf("bmp: bit-field masks with %d bits per pixel", bpp)
		}
		n := 3
		if compression == 6 {
			n = 4
		}
		if hdr >= 52 {
			n = 3
			if hdr >= 56 {
				n = 4
			}
			for i := range n {
				masks[i] = le32(data[14+40+4*i:])
			}
		} else {
			if after+4*n > len(data) {
				return nil, errors.New("bmp: truncated bit-field masks")
			}
			for i := range n {
				masks[i] = le32(data[after+4*i:])
			}
			after += 4 * n
		}
	}
	// BI_RGB ignores the header's masks, alpha included, as Windows does:
	// its fourth byte at 32 bits is padding.
	switch bpp {
	case 16:
		if masks[0]|masks[1]|masks[2] == 0 {
			masks[0], masks[1], masks[2] = 0x7C00, 0x03E0, 0x001F
		}
	case 24:
	case 32:
		if masks[0]|masks[1]|masks[2] == 0 {
			masks[0], masks[1], masks[2] = 0xFF0000, 0x00FF00, 0x0000FF
		}
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("bmp: %d bits per pixel is not supported", bpp)
	}

	r := image.Rect(0, 0, int(w), int(h))
	// row returns the image row that the n-th stored row is.
	row := func(n int) int {
		if topDown {
			return n
		}
		return int(h) - 1 - n
	}
	if pixOff < int64(after) || pixOff > int64(len(data)) {
		return nil, fmt.Errorf("bmp: pixel data offset %d out of range", pixOff)
	}
	pix := data[pixOff:]

	if bpp <= 8 {
		n := colorsUsed
		if n <= 0 || n > 1<<bpp {
			n = 1 << bpp
		}
		if after+paletteSize*n > int(pixOff) {
			// Some writers declare more colours than they store.
			n = (int(pixOff) - after) / paletteSize
		}
		if n <= 0 {
			return nil, errors.New("bmp: palette image without a palette")
		}
		pal := make(color.Palette, n)
		for i := range pal {
			p := data[after+paletteSize*i:]
			pal[i] = color.RGBA{p[2], p[1], p[0], 0xff}
		}
		img := image.NewPaletted(r, pal)
		var err error
		if compression == 1 || compression == 2 {
			err = bmpRLE(img, pix, compression == 2, row)
		} else {
			err = bmpPacked(img, pix, bpp, row)
		}
		if err != nil {
			return nil, err
		}
		for _, v := range img.Pix {
			if int(v) >= n {
				return nil, fmt.Errorf("bmp: colour index %d outside the %d-colour palette", v, n)
			}
		}
		return img, nil
	}

	stride := (int(w)*bpp + 31) / 32 * 4
	if int64(stride)*h > int64(len(pix)) {
		return nil, errors.New("bmp: not enough pixel data")
	}
	var img image.Image
	var dst []uint8
	var dstStride int
	if masks[3] != 0 {
		m := image.NewNRGBA(r)
		img, dst, dstStride = m, m.Pix, m.Stride
	} else {
		m := image.NewRGBA(r)
		img, dst, dstStride = m, m.Pix, m.Stride
	}
	var fields [4]bitField
	for i := range fields {
		fields[i] = newBitField(masks[i])
	}
	for n := 0; n < int(h); n++ {
		src := pix[n*stride:]
		d := dst[row(n)*dstStride:]
		for x := 0; x < int(w); x++ {
			o := d[4*x : 4*x+4]
			switch bpp {
			case 24:
				o[0], o[1], o[2], o[3] = src[3*x+2], src[3*x+1], src[3*x], 0xff
				continue
			case 16:
				v := uint32(le16(src[2*x:]))
				o[0], o[1], o[2] = fields[0].get(v), fields[1].get(v), fields[2].get(v)
				o[3] = 0xff
				if masks[3] != 0 {
					o[3] = fields[3].get(v)
				}
			case 32:
				v := le32(src[4*x:])
				o[0], o[1], o[2] = fields[0].get(v), fields[1].get(v), fields[2].get(v)
				o[3] = 0xff
				if masks[3] != 0 {
					o[3] = fields[3].get(v)
				}
			}
		}
	}
	if m, ok := img.(*image.NRGBA); ok && allZeroAlpha(m.Pix) {
		// An alpha mask over alpha bytes that are all zero is a writer
		// that fills the mask and not the channel; browsers show such
		// files opaque, not blank.
		for i := 3; i < len(m.Pix); i += 4 {
			m.Pix[i] = 0xff
		}
	}
	return img, nil
}

func allZeroAlpha(pix []uint8) bool {
	for i := 3; i < len(pix); i += 4 {
		if pix[i] != 0 {
			return false
		}
	}
	return true
}

// bitField extracts one channel from a pixel by its mask and scales it to
// 8 bits.
type bitField struct {
	shift, width uint
	max          uint32
}

func newBitField(mask uint32) bitField {
	if mask == 0 {
		return bitField{}
	}
	shift := uint(bits.TrailingZeros32(mask))
	width := uint(bits.OnesCount32(mask >> shift))
	return bitField{shift: shift, width: width, max: 1<<width - 1}
}

func (f bitField) get(v uint32) uint8 {
	if f.max == 0 {
		return 0
	}
	c := v >> f.shift & f.max
	if f.width >= 8 {
		return uint8(c >> (f.width - 8))
	}
	return uint8((c*255 + f.max/2) / f.max)
}

// bmpPacked unpacks uncompressed 1, 2, 4 and 8-bit rows (padded to 4
// bytes).
func bmpPacked(img *image.Paletted, pix []byte, bpp int, row func(int) int) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	stride := (w*bpp + 31) / 32 * 4
	if stride*h > len(pix) {
		return errors.New("bmp: not enough pixel data")
	}
	mask := byte(1<<bpp - 1)
	for n := range h {
		src := pix[n*stride:]
		d := img.Pix[row(n)*img.Stride:]
		for x := range w {
			bit := x * bpp
			d[x] = src[bit/8] >> (8 - bpp - bit%8) & mask
		}
	}
	return nil
}

// bmpRLE decodes RLE8 or RLE4 data. A file that ends early keeps the rows
// decoded so far only if it reached its end-of-bitmap marker; otherwise it
// is refused.
func bmpRLE(img *image.Paletted, pix []byte, four bool, row func(int) int) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	x, n := 0, 0 // column, stored row
	put := func(v byte) {
		if x < w && n < h {
			img.Pix[row(n)*img.Stride+x] = v
		}
		x++
	}
	for i := 0; ; {
		if i+2 > len(pix) {
			if n >= h-1 {
				return nil // ended without its end-of-bitmap marker, but complete
			}
			return errors.New("bmp: RLE data ends early")
		}
		count, v := int(pix[i]), pix[i+1]
		i += 2
		if count > 0 {
			for k := range count {
				if four {
					if k%2 == 0 {
						put(v >> 4)
					} else {
						put(v & 0x0F)
					}
				} else {
					put(v)
				}
			}
			continue
		}
		switch v {
		case 0: // end of line
			x, n = 0, n+1
		case 1: // end of bitmap
			return nil
		case 2: // delta
			if i+2 > len(pix) {
				return errors.New("bmp: RLE data ends early")
			}
			x += int(pix[i])
			n += int(pix[i+1])
			i += 2
		default: // absolute run of v pixels, padded to 16 bits
			m := int(v)
			nb := m
			if four {
				nb = (m + 1) / 2
			}
			if i+nb > len(pix) {
				return errors.New("bmp: RLE data ends early")
			}
			for k := range m {
				if four {
					b := pix[i+k/2]
					if k%2 == 0 {
						put(b >> 4)
					} else {
						put(b & 0x0F)
					}
				} else {
					put(pix[i+k])
				}
			}
			i += nb + nb&1
		}
		if n > h {
			return nil
		}
	}
}
