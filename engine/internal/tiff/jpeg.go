package tiff

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// jpegBlock decodes one JPEG-compressed (compression 7, TIFF Technical
// Note 2) strip or tile at (x0, y0). Each is a JPEG stream; its tables may
// be kept once in the JPEGTables tag, an abbreviated stream of its own
// (SOI, DQT, DHT, EOI), which is spliced in front of the strip's frame.
func (d *decoder) jpegBlock(dst image.Image, tables []byte, off, n uint64, x0, y0, bw, bh int) error {
	seg, err := d.segment(off, n)
	if err != nil {
		return err
	}
	stream := seg
	if len(tables) >= 4 && len(seg) >= 2 && seg[0] == 0xFF && seg[1] == 0xD8 {
		t := tables
		if t[len(t)-2] == 0xFF && t[len(t)-1] == 0xD9 {
			t = t[:len(t)-2]
		}
		if t[0] == 0xFF && t[1] == 0xD8 {
			stream = make([]byte, 0, len(t)+len(seg))
			stream = append(append(stream, t...), seg[2:]...)
		}
	}
	if err := checkJPEGSize(stream, bw, bh); err != nil {
		return err
	}
	img, err := decodeJPEG(stream)
	if err != nil {
		return fmt.Errorf("tiff: JPEG-compressed strip or tile at (%d,%d): %w", x0, y0, err)
	}
	return d.placeJPEG(dst, img, stream, x0, y0)
}

// decodeOldJPEG decodes old-style JPEG (compression 6) the way most of its
// writers meant it: the whole image as one JPEG stream at
// JPEGInterchangeFormat. Old-style files that describe the JPEG only by
// their table tags are refused.
func (d *decoder) decodeOldJPEG(dst image.Image) error {
	off, err := d.first(tJPEGInterchangeFormat, 0)
	if err != nil {
		return err
	}
	var n uint64
	if off == 0 {
		// No interchange format: some writers put the whole stream,
		// SOI first, in the strips, one after another.
		if off, n, err = d.stripStream(); err != nil {
			return err
		}
	} else {
		if off >= uint64(len(d.data)) {
			return FormatError("JPEGInterchangeFormat lies past the end of the file")
		}
		if n, err = d.first(tJPEGInterchangeFormatLength, uint64(len(d.data))-off); err != nil {
			return err
		}
	}
	seg, err := d.segment(off, min(n, uint64(len(d.data))-off))
	if err != nil {
		return err
	}
	if err := checkJPEGSize(seg, d.width, d.height); err != nil {
		return err
	}
	img, err := decodeJPEG(seg)
	if err != nil {
		return fmt.Errorf("tiff: old-style JPEG stream: %w", err)
	}
	if b := img.Bounds(); b.Dx() < d.width || b.Dy() < d.height {
		return FormatError(fmt.Sprintf("old-style JPEG stream is %dx%d, the image %dx%d", b.Dx(), b.Dy(), d.width, d.height))
	}
	return d.placeJPEG(dst, img, seg, 0, 0)
}

// stripStream returns the extent of an old-style JPEG's strips when they
// are contiguous and start with a JPEG SOI marker.
func (d *decoder) stripStream() (off, n uint64, err error) {
	refuse := UnsupportedError("old-style JPEG (compression 6) without a JPEGInterchangeFormat stream")
	offsets, err := d.uints(tStripOffsets, 1<<16)
	if err != nil {
		return 0, 0, err
	}
	counts, err := d.uints(tStripByteCounts, 1<<16)
	if err != nil {
		return 0, 0, err
	}
	if len(offsets) == 0 || len(counts) != len(offsets) {
		return 0, 0, refuse
	}
	end := offsets[0]
	for i := range offsets {
		if offsets[i] != end {
			return 0, 0, refuse
		}
		end += counts[i]
	}
	off = offsets[0]
	if end > uint64(len(d.data)) || off+2 > end || d.data[off] != 0xFF || d.data[off+1] != 0xD8 {
		return 0, 0, refuse
	}
	return off, end - off, nil
}

// checkJPEGSize refuses a JPEG stream whose frame is larger than the strip
// or tile (w x h) it stands for, plus the padding to whole MCUs, before
// image/jpeg allocates for it.
func checkJPEGSize(stream []byte, w, h int) error {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(stream))
	if err != nil {
		return fmt.Errorf("tiff: JPEG-compressed data: %w", err)
	}
	if cfg.Width > w+16 || cfg.Height > h+16 {
		return FormatError(fmt.Sprintf("JPEG frame %dx%d in a %dx%d strip or tile", cfg.Width, cfg.Height, w, h))
	}
	return nil
}

// decodeJPEG decodes a JPEG stream with image/jpeg. A CMYK stream comes
// back with libjpeg's meaning (0 = no ink): image/jpeg assumes Adobe's
// inverted CMYK, which libtiff's JPEG codec does not write, so the
// inversion is undone; a CMYK stream without an Adobe segment, which
// image/jpeg refuses, gets one.
func decodeJPEG(stream []byte) (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(stream))
	var ue jpeg.UnsupportedError
	if err != nil && errors.As(err, &ue) && bytes.Contains([]byte(ue), []byte("Adobe APP14")) && len(stream) > 2 {
		adobe := []byte{0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0x00, 0x64, 0, 0, 0, 0, 0}
		patched := append(append(append([]byte(nil), stream[:2]...), adobe...), stream[2:]...)
		img, err = jpeg.Decode(bytes.NewReader(patched))
	}
	if err != nil {
		return nil, err
	}
	if c, ok := img.(*image.CMYK); ok {
		for i := range c.Pix {
			c.Pix[i] = 255 - c.Pix[i]
		}
	}
	return img, nil
}

// placeJPEG copies a decoded JPEG block into dst at (x0, y0), clipped to
// the image.
func (d *decoder) placeJPEG(dst image.Image, img image.Image, stream []byte, x0, y0 int) error {
	sb := img.Bounds()
	r := image.Rect(x0, y0, x0+sb.Dx(), y0+sb.Dy()).Intersect(dst.Bounds())
	if r.Empty() {
		return nil
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if d.mode == mRGB && !hasAdobe(stream) {
			// Photometric RGB: libtiff wrote the components untransformed
			// (no Adobe segment to say so), so the "Y, Cb, Cr" planes are
			// R, G and B.
			out, ok := dst.(*image.RGBA)
			if !ok {
				return FormatError("JPEG colour data in a non-colour image")
			}
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					sx, sy := sb.Min.X+x-x0, sb.Min.Y+y-y0
					yi, ci := m.YOffset(sx, sy), m.COffset(sx, sy)
					i := out.PixOffset(x, y)
					out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = m.Y[yi], m.Cb[ci], m.Cr[ci], 0xff
				}
			}
			return nil
		}
	case *image.CMYK:
		if out, ok := dst.(*image.CMYK); ok {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				copy(out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)],
					m.Pix[m.PixOffset(sb.Min.X+r.Min.X-x0, sb.Min.Y+y-y0):])
			}
			return nil
		}
		return FormatError("CMYK JPEG data in a non-CMYK image")
	}
	if _, ok := dst.(*image.CMYK); ok {
		return FormatError("non-CMYK JPEG data in a CMYK image")
	}
	draw.Draw(dst.(draw.Image), r, img, image.Pt(sb.Min.X+r.Min.X-x0, sb.Min.Y+r.Min.Y-y0), draw.Src)
	if g, ok := dst.(*image.Gray); ok && d.mode == mGrayInvert {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := g.Pix[g.PixOffset(r.Min.X, y):g.PixOffset(r.Max.X, y)]
			for i := range row {
				row[i] = 255 - row[i]
			}
		}
	}
	return nil
}

// hasAdobe reports whether a JPEG stream has an Adobe APP14 segment
// before its first scan.
func hasAdobe(s []byte) bool {
	for i := 2; i+4 <= len(s); {
		if s[i] != 0xFF {
			return false
		}
		m := s[i+1]
		if m == 0xDA || m == 0xD9 {
			return false
		}
		if m == 0xD8 || m == 0x01 || m == 0xFF || (m >= 0xD0 && m <= 0xD7) {
			i += 2
			continue
		}
		n := int(s[i+2])<<8 | int(s[i+3])
		if m == 0xEE && n >= 7 && i+9 <= len(s) && string(s[i+4:i+9]) == "Adobe" {
			return true
		}
		i += 2 + n
	}
	return false
}

// ycbcrBlock decodes one uncompressed, LZW, Deflate or PackBits strip or
// tile of YCbCr data into dst at (x0, y0). The data comes in units of
// ssH x ssV luma samples followed by one Cb and one Cr (TIFF 6.0 section
// 21), which map onto image.YCbCr's planes directly.
func (d *decoder) ycbcrBlock(dst *image.YCbCr, off, n uint64, x0, y0, w, rows int) error {
	ua, ud := (w+d.ssH-1)/d.ssH, (rows+d.ssV-1)/d.ssV
	unit := d.ssH*d.ssV + 2
	buf, err := d.block(off, n, w, ua*unit, ud, 3)
	if err != nil {
		return err
	}
	b := dst.Bounds()
	for uy := range ud {
		for ux := range ua {
			u := buf[(uy*ua+ux)*unit:]
			px, py := x0+ux*d.ssH, y0+uy*d.ssV
			if px >= b.Max.X || py >= b.Max.Y {
				continue
			}
			for dy := range d.ssV {
				for dx := range d.ssH {
					if px+dx < b.Max.X && py+dy < b.Max.Y {
						v := u[dy*d.ssH+dx]
						if d.ycc != nil {
							v = d.ycc[0][v]
						}
						dst.Y[dst.YOffset(px+dx, py+dy)] = v
					}
				}
			}
			cb, cr := u[unit-2], u[unit-1]
			if d.ycc != nil {
				cb, cr = d.ycc[1][cb], d.ycc[2][cr]
			}
			ci := dst.COffset(px, py)
			dst.Cb[ci], dst.Cr[ci] = cb, cr
		}
	}
	return nil
}
