package raster

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/imgpar/imgpar/engine/imgfmt/jpegseg"
	"github.com/imgpar/imgpar/engine/internal/jpegn"
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

// DecodeJPEGScaled decodes JPEG data at 1/denom scale (denom 1, 2, 4 or 8;
// others are rounded to one of those) using jpegn's DCT-domain scaling, which
// is much cheaper than decoding at full size and shrinking. Images jpegn
// cannot scale are decoded by jpegn at full size, and those it cannot decode
// (12-bit, lossless, arithmetic-coded, CMYK, unusual sampling, streams it
// rejects) by image/jpeg at full size. It returns the denominator the image
// was actually decoded at: denom (normalised) on the fast path, 1 when it
// fell back to a full-size decode; pass it on to ResizeScaled. The image is
// usually *image.YCbCr, else *image.Gray, *image.CMYK or *image.RGBA
// (RGB-coded JPEGs).
func DecodeJPEGScaled(data []byte, denom int) (image.Image, int, error) {
	denom = normDenom(denom)
	if jpegnCanTry(data) {
		if img, err := decodeJpegn(data, denom); err == nil {
			return img, denom, nil
		}
		// jpegn declines some scales it cannot do (subsampled planes of
		// RGB-coded files under 3 pixels) yet decodes them at full size, and
		// image/jpeg refuses some valid progressive files with restarts.
		if denom > 1 {
			if img, err := decodeJpegn(data, 1); err == nil {
				return img, 1, nil
			}
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
	return jpegn.DecodeBytes(data, &jpegn.Options{ScaleDenom: denom})
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
	fh, err := jpegFrame(data)
	return err == nil && fh.jpegnCan()
}

func (fh frameHeader) jpegnCan() bool {
	return (fh.marker == 0xC0 || fh.marker == 0xC2) && fh.precision == 8 && (fh.ncomp == 1 || fh.ncomp == 3)
}

// frameHeader is what a JPEG's SOFn segment says.
type frameHeader struct {
	marker        byte // 0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...
	precision     int
	width, height int
	ncomp         int
	h, v          [4]int // sampling factors of the first four components
}

// jpegFrame walks the marker segments of data up to the first SOFn marker and
// parses it.
func jpegFrame(data []byte) (frameHeader, error) {
	var fh frameHeader
	for s, err := range jpegseg.Segments(data) {
		if err != nil || s.Skipped > 0 || s.Marker == jpegseg.SOS || s.Marker == jpegseg.EOI {
			return fh, errNoFrame // no frame before the scan or the end, or a damaged header
		}
		if !jpegseg.IsSOF(s.Marker) {
			continue
		}
		p := s.Payload(data)
		if len(p) < 6 {
			return fh, errNoFrame
		}
		fh.marker = s.Marker
		fh.precision = int(p[0])
		fh.height = int(p[1])<<8 | int(p[2])
		fh.width = int(p[3])<<8 | int(p[4])
		fh.ncomp = int(p[5])
		for c := 0; c < min(fh.ncomp, 4); c++ {
			j := 6 + 3*c
			if j+3 > len(p) {
				return fh, errNoFrame
			}
			fh.h[c], fh.v[c] = max(int(p[j+1]>>4), 1), max(int(p[j+1]&15), 1)
		}
		return fh, nil
	}
	return fh, errNoFrame
}

// JPEGDecodeMemory estimates, from the frame header alone, how many bytes
// DecodeJPEGScaled(data, denom) allocates: the decoder's pixel planes (at the
// reduced size), the whole-image coefficient buffers of a progressive JPEG (2
// bytes per coefficient in the jpegn fork, which keeps at 1/denom only the
// (8/denom)^2 of each block its IDCT reads and a bit for each other: 90 MB for
// a 5120x2880 4:4:4 progressive photo at full size, 28 MB at 1/2; 4 bytes per
// coefficient in image/jpeg). jpegn decodes the caller's data in place, so
// the input itself is not counted. A scheduler can budget memory with it
// before decoding anything. The caller has read the frame header (a planner probing many
// files, with imgfmt.Probe): sof is the SOFn marker
// (0xC0 baseline, 0xC2 progressive, ...), sampling holds each component's
// H<<4|V.
func JPEGDecodeMemory(sof byte, precision, width, height int, sampling []byte, denom int) int64 {
	fh := frameHeader{marker: sof, precision: precision, width: width, height: height, ncomp: min(len(sampling), 4)}
	for c := 0; c < fh.ncomp; c++ {
		fh.h[c], fh.v[c] = int(sampling[c]>>4), int(sampling[c]&15)
	}
	if fh.width <= 0 || fh.height <= 0 || fh.ncomp < 1 {
		return 0
	}
	return fh.decodeMemory(denom)
}

func (fh frameHeader) decodeMemory(denom int) int64 {
	hMax, vMax := 1, 1
	for c := 0; c < fh.ncomp; c++ {
		hMax, vMax = max(hMax, fh.h[c]), max(vMax, fh.v[c])
	}
	if fh.ncomp == 1 {
		fh.h[0], fh.v[0], hMax, vMax = 1, 1, 1, 1
	}
	mcuX := int64((fh.width + 8*hMax - 1) / (8 * hMax))
	mcuY := int64((fh.height + 8*vMax - 1) / (8 * vMax))
	var blocks int64 // 8x8 blocks over all components, MCU-padded
	for c := 0; c < fh.ncomp; c++ {
		blocks += mcuX * int64(fh.h[c]) * mcuY * int64(fh.v[c])
	}
	progressive := fh.marker == 0xC2 || fh.marker == 0xC6 || fh.marker == 0xCA || fh.marker == 0xCE
	if !fh.jpegnCan() {
		denom = 1 // image/jpeg, full size
	} else {
		denom = normDenom(denom)
	}
	d := int64(denom)
	const overhead = 64 << 10           // tables, decoder state, the image header
	total := overhead + blocks*64/(d*d) // pixel planes
	if progressive {
		if fh.jpegnCan() {
			// coefficients: int16 in imgpar's jpegn fork, and at 1/d only
			// the (8/d)^2 the scaled IDCT reads, plus a word of bits a block
			// (the refinement scans' non-zero map, at every scale)
			total += blocks*64/(d*d)*2 + blocks*8
		} else {
			total += blocks * 64 * 4 // coefficients: int32 in image/jpeg
		}
	}
	if !fh.jpegnCan() && fh.ncomp == 4 {
		total += int64(fh.width) * int64(fh.height) * 4 // image/jpeg's CMYK result
	}
	return total
}

// normDenom rounds a shrink-on-load denominator to one jpegn supports.
func normDenom(denom int) int {
	switch {
	case denom <= 1:
		return 1
	case denom <= 2:
		return 2
	case denom <= 4:
		return 4
	}
	return 8
}
