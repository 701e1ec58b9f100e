package raster

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gen2brain/jpegn"
)

// ShrinkDenom returns the shrink-on-load denominator (1, 2, 4 or 8) for decoding a
// srcW x srcH JPEG that will be resized to dstW x dstH, by libvips' rule: with
// shrink the smaller of the two axis ratios, 8 if shrink >= 16, 4 if >= 8, 2 if
// >= 4, else 1. That always leaves at least a 2x reduction for the resampler, so
// the DCT-domain downscale never has the last word on quality. A non-positive
// target size on one axis leaves that axis out; on both, the result is 1.
func ShrinkDenom(srcW, srcH, dstW, dstH int) int {
	if srcW <= 0 || srcH <= 0 {
		return 1
	}
	var shrink float64
	switch {
	case dstW > 0 && dstH > 0:
		shrink = min(float64(srcW)/float64(dstW), float64(srcH)/float64(dstH))
	case dstW > 0:
		shrink = float64(srcW) / float64(dstW)
	case dstH > 0:
		shrink = float64(srcH) / float64(dstH)
	default:
		return 1
	}
	switch {
	case shrink >= 16:
		return 8
	case shrink >= 8:
		return 4
	case shrink >= 4:
		return 2
	}
	return 1
}

// DecodeJPEG decodes JPEG data at 1/denom scale (denom 1, 2, 4 or 8; others are
// rounded to one of those) using jpegn's DCT-domain scaling, which is much cheaper
// than decoding at full size and shrinking. Images jpegn cannot decode (12-bit,
// lossless, unusual sampling, CMYK without an Adobe marker, streams it rejects)
// are decoded at full size by image/jpeg instead; DecodeJPEGScaled tells which
// happened. The result is usually *image.YCbCr, else *image.Gray, *image.CMYK or
// *image.RGBA (RGB-coded JPEGs).
func DecodeJPEG(data []byte, denom int) (image.Image, error) {
	img, _, err := DecodeJPEGScaled(data, denom)
	return img, err
}

// DecodeJPEGScaled is DecodeJPEG that also returns the denominator the image was
// actually decoded at: denom (normalised to 1, 2, 4 or 8) on the fast path, 1 when
// it fell back to a full-size decode. Pass it on to ResizeScaled.
func DecodeJPEGScaled(data []byte, denom int) (image.Image, int, error) {
	switch {
	case denom <= 1:
		denom = 1
	case denom <= 2:
		denom = 2
	case denom <= 4:
		denom = 4
	default:
		denom = 8
	}
	if jpegnCanTry(data) {
		if img, err := decodeJpegn(data, denom); err == nil {
			return img, denom, nil
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("decode jpeg: %w", err)
	}
	return img, 1, nil
}

// decodeJpegn runs jpegn, turning a panic on a malformed stream into an error so
// that the caller falls back to image/jpeg.
func decodeJpegn(data []byte, denom int) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("jpegn: panic: %v", r)
		}
	}()
	return jpegn.Decode(bytes.NewReader(data), &jpegn.Options{ScaleDenom: denom})
}

// errNoFrame reports a JPEG header without a frame marker.
var errNoFrame = errors.New("no frame header")

// jpegnCanTry reports whether data looks like an 8-bit baseline or progressive
// Huffman-coded JPEG with 1 or 3 components, the kinds jpegn decodes well. jpegn
// treats arithmetic-coded frames as Huffman-coded and would return garbage for them
// rather than an error, so only SOF0 and SOF2 go to it; and its CMYK/YCCK
// conversion can index out of range at reduced scale, so 4-component images
// (rare, print-oriented) go to image/jpeg.
func jpegnCanTry(data []byte) bool {
	sof, precision, ncomp, err := jpegFrame(data)
	return err == nil && (sof == 0xC0 || sof == 0xC2) && precision == 8 && (ncomp == 1 || ncomp == 3)
}

// jpegFrame walks the marker segments of data up to the first SOFn marker and
// returns its marker code, sample precision and number of components.
func jpegFrame(data []byte) (marker byte, precision, ncomp int, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0, 0, 0, errNoFrame
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 0, 0, 0, errNoFrame
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD8): // no length
			i += 2
			continue
		case m == 0xDA || m == 0xD9: // scan or end before any frame
			return 0, 0, 0, errNoFrame
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 {
			return 0, 0, 0, errNoFrame
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if i+9 >= len(data) {
				return 0, 0, 0, errNoFrame
			}
			return m, int(data[i+4]), int(data[i+9]), nil
		}
		i += 2 + n
	}
	return 0, 0, 0, errNoFrame
}
