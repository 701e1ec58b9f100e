package raster

import "image"

// DecodeJPEG decodes JPEG data at 1/denom scale (denom 1, 2, 4 or 8; others are
// rounded to one of those) using jpegn's DCT-domain scaling, which is much cheaper
// than decoding at full size and shrinking. Images jpegn cannot scale are
// decoded by jpegn at full size, and those it cannot decode (12-bit, lossless, arithmetic-coded, CMYK, unusual
// sampling, streams it rejects) by image/jpeg at full size; DecodeJPEGScaled
// tells which scale was used. The result is usually *image.YCbCr, else *image.Gray, *image.CMYK or
// *image.RGBA (RGB-coded JPEGs).
func DecodeJPEG(data []byte, denom int) (image.Image, error) {
	img, _, err := DecodeJPEGScaled(data, denom)
	return img, err
}

// Resize resamples src to exactly w x h pixels with filter f. Negative sizes count
// as 0; an empty source gives a blank image of the requested size.
//
// The result type depends on the source:
//   - *image.YCbCr gives *image.YCbCr, each plane resampled at its own resolution:
//     4:4:4 when a 4:2:0 result would hold less chroma detail than the source has
//     (any real reduction), else the source's subsampling (4:1:1 and 4:1:0 become
//     4:2:0) when enlarging.
//   - *image.Gray and *image.Gray16 give *image.Gray.
//   - Anything else gives *image.NRGBA, resampled as 8-bit RGBA premultiplied by
//     alpha, so that transparent pixels' colour does not bleed into edges.
func Resize(src image.Image, w, h int, f Filter) image.Image {
	b := src.Bounds()
	return resize(src, float64(b.Dx()), float64(b.Dy()), w, h, f)
}
