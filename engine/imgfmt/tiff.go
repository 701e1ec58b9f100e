package imgfmt

import (
	"encoding/binary"
	"fmt"
	"image"

	"github.com/imgpar/imgpar/engine/internal/tiff"
)

// decodeTIFF decodes a TIFF or BigTIFF file's first image with imgpar's
// fork of x/image/tiff (engine/internal/tiff: JPEG-compressed, CMYK,
// YCbCr, planar, floating-point and BigTIFF files too). CMYK is returned
// as *image.CMYK (0 = no ink), like the JPEG pipeline's CMYK, so that the
// engine converts it through the file's CMYK profile (ReadMeta finds it
// in tag 34675) or, without one, with the plain formula.
func decodeTIFF(data []byte) (image.Image, error) {
	return tiff.Decode(data)
}

// probeBigTIFF reads the dimensions, orientation, samples and depth from a
// BigTIFF header (magic 43: 8-byte offsets and counts, 20-byte entries).
func probeBigTIFF(p *probeReader, bo byteOrder) (Header, error) {
	h := Header{Orientation: 1, BitDepth: 8}
	var order binary.ByteOrder = binary.LittleEndian
	if bo {
		order = binary.BigEndian
	}
	b, err := p.at(0, 16)
	if err != nil {
		return h, err
	}
	if order.Uint16(b[4:]) != 8 {
		return h, fmt.Errorf("BigTIFF offset size %d, want 8", order.Uint16(b[4:]))
	}
	off := order.Uint64(b[8:])
	if off < 16 || off > uint64(p.size) {
		return h, fmt.Errorf("bad IFD offset %d", off)
	}
	c, err := p.at(int64(off), 8)
	if err != nil {
		return h, err
	}
	n := order.Uint64(c)
	if n == 0 || n > maxIFDEntries {
		return h, fmt.Errorf("bad IFD entry count %d", n)
	}
	entries, err := p.at(int64(off)+8, int(n)*20)
	if err != nil {
		return h, err
	}
	for i := 0; i < int(n); i++ {
		e := entries[i*20:]
		typ, count := order.Uint16(e[2:]), order.Uint64(e[4:])
		var v uint64
		switch typ {
		case typeShort:
			v = uint64(order.Uint16(e[12:]))
		case typeLong:
			v = uint64(order.Uint32(e[12:]))
		case 16: // LONG8
			v = order.Uint64(e[12:])
		default:
			continue
		}
		if v > 1<<31-1 {
			continue
		}
		switch order.Uint16(e) {
		case tagImageWidth:
			h.Width = int(v)
		case tagImageLength:
			h.Height = int(v)
		case tagOrientation:
			h.Orientation = int(v)
		case tagSamplesPerPixel:
			h.Components = int(v)
		case tagBitsPerSample:
			if typ == typeShort && count <= 4 {
				h.BitDepth = int(v)
			}
		}
	}
	if h.Width == 0 || h.Height == 0 {
		return h, fmt.Errorf("missing or zero ImageWidth/ImageLength (%dx%d)", h.Width, h.Height)
	}
	return h, nil
}

// bigTIFFICC returns the ICC profile (tag 34675, InterColorProfile) of a
// BigTIFF file's first IFD, or nil. Its 20-byte entries hold a 64-bit
// count and offset, which findIFD0Tag (classic TIFF) does not read.
func bigTIFFICC(data []byte) []byte {
	if len(data) < 16 {
		return nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		order = binary.BigEndian
	}
	if order.Uint16(data[2:]) != 43 || order.Uint16(data[4:]) != 8 {
		return nil
	}
	size := uint64(len(data))
	off := order.Uint64(data[8:])
	if off < 16 || off > size-8 {
		return nil
	}
	n := order.Uint64(data[off:])
	if n == 0 || n > maxIFDEntries || (size-off-8)/20 < n {
		return nil
	}
	for i := range n {
		e := data[off+8+i*20:]
		if order.Uint16(e) != tagICCProfile {
			continue
		}
		typ, count := order.Uint16(e[2:]), order.Uint64(e[4:])
		// A profile is at least 128 bytes, so never inline (<= 8).
		if (typ != typeUndefined && typ != typeByte) || count <= 8 || count > maxICCSize {
			return nil
		}
		p := order.Uint64(e[12:])
		if p > size || count > size-p {
			return nil
		}
		return data[p : p+count]
	}
	return nil
}
