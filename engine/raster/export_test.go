package raster

import "image"

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
