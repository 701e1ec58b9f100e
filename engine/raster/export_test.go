package raster

import (
	"fmt"
	"image"
)

// DecodeJPEG is DecodeJPEGScaled without the scale it used.
func DecodeJPEG(data []byte, denom int) (image.Image, error) {
	img, _, err := DecodeJPEGScaled(data, denom)
	return img, err
}

// Resize is ResizeScaled for an image decoded at full size.
func Resize(src image.Image, w, h int, f Filter) image.Image {
	b := src.Bounds()
	return resize(src, float64(b.Dx()), float64(b.Dy()), w, h, f)
}

// DecodeJPEGMemory is JPEGDecodeMemory with the frame header read from data
// by raster's own walk (the one DecodeJPEGScaled makes), for the tests that
// check the estimate against real allocations and against imgfmt.Probe's
// header.
func DecodeJPEGMemory(data []byte, denom int) (int64, error) {
	fh, err := jpegFrame(data)
	if err != nil {
		return 0, fmt.Errorf("jpeg header: %w", err)
	}
	if fh.width == 0 || fh.height == 0 || fh.ncomp < 1 || fh.ncomp > 4 {
		return 0, fmt.Errorf("jpeg header: bad frame %dx%d with %d components", fh.width, fh.height, fh.ncomp)
	}
	return fh.decodeMemory(denom), nil
}
