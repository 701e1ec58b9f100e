package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"strings"
)

// DecodeMax decodes a whole file's bytes as format f. Before any pixel
// memory is allocated it probes the header and fails with ErrTooLarge if it
// declares more than maxPixels pixels (maxPixels <= 0: no limit), and it
// fails if the content is not of format f.
//
// What comes back, by format: JPEG (std lib: baseline, progressive; grey as
// *image.Gray, colour as *image.YCbCr; CMYK and YCCK, Adobe-inverted or not,
// converted to *image.RGBA with the naive formula, no CMYK profile applied);
// PNG (all bit depths, palette, alpha; 16-bit stays 16-bit); GIF (the first
// frame only — the decoder stops reading there — placed on the logical
// screen); BMP; TIFF (first image; CMYK comes back as *image.CMYK, for the
// caller to convert through the file's profile or with the plain formula,
// as the JPEG pipeline does); WebP (still images). The EXIF
// orientation is not applied.
//
// Errors read "decode png: unexpected EOF"; a decoder that panics on a
// hostile file is reported as an error, not a crash.
func DecodeMax(f Format, data []byte, maxPixels int64) (img image.Image, err error) {
	if !f.CanDecode() {
		return nil, fmt.Errorf("decode %s: reading this format is %w", f, ErrUnsupported)
	}
	h, err := ProbeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", f, err)
	}
	if h.Format != f {
		return nil, fmt.Errorf("decode %s: the file's content is %s, not %s", f, h.Format, f)
	}
	if err := h.CheckPixels(maxPixels); err != nil {
		return nil, fmt.Errorf("decode %s: %w", f, err)
	}
	if err := h.Unsupported(); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decode %s: decoder panicked on malformed data: %v", f, r)
		}
	}()
	switch f {
	case JPEG:
		img, err = decodeJPEG(data)
	case PNG:
		img, err = decodePNG(data)
	case GIF:
		img, err = decodeGIF(data)
	case BMP:
		img, err = decodeBMP(data)
	case TIFF:
		img, err = decodeTIFF(data)
	case WebP:
		img, err = decodeWebP(data)
	case AVIF:
		img, err = decodeAVIF(data)
	case HEIC:
		img, err = decodeHEIC(data)
	}
	if err != nil {
		return nil, &decodeError{f: f, err: err}
	}
	return img, nil
}

// decodeError wraps a decoder's error with the format, dropping the
// decoder's own "png: " style prefix so that the line reads once.
type decodeError struct {
	f   Format
	err error
}

func (e *decodeError) Error() string {
	msg := e.err.Error()
	for _, p := range []string{string(e.f) + ": ", "image/" + string(e.f) + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	msg = strings.ReplaceAll(msg, "\n", " ")
	return "decode " + string(e.f) + ": " + msg
}

func (e *decodeError) Unwrap() error { return e.err }

func decodeJPEG(data []byte) (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	var ue jpeg.UnsupportedError
	if err != nil && errors.As(err, &ue) && strings.Contains(string(ue), "Adobe APP14") {
		// A 4-component JPEG without an Adobe segment is plain
		// (non-inverted) CMYK, as libjpeg reads it. image/jpeg refuses
		// it; mark it "Adobe, transform unknown" so that it decodes as
		// Adobe's inverted CMYK, then undo the inversion.
		patched := make([]byte, 0, len(data)+len(adobeAPP14))
		patched = append(patched, data[:2]...)
		patched = append(patched, adobeAPP14...)
		patched = append(patched, data[2:]...)
		img, err = jpeg.Decode(bytes.NewReader(patched))
		if c, ok := img.(*image.CMYK); ok && err == nil {
			for i := range c.Pix {
				c.Pix[i] = 255 - c.Pix[i]
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if c, ok := img.(*image.CMYK); ok {
		return cmykToRGBA(c), nil
	}
	return img, nil
}

// adobeAPP14 is an Adobe segment with transform 0 (RGB or CMYK as stored).
var adobeAPP14 = []byte{0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0x00, 0x64, 0, 0, 0, 0, 0}

// cmykToRGBA converts with R = (255-C)(255-K)/255 and so on, which is what
// color.CMYKModel does, in one pass.
func cmykToRGBA(c *image.CMYK) *image.RGBA {
	b := c.Bounds()
	dst := image.NewRGBA(b)
	for y := 0; y < b.Dy(); y++ {
		s := c.Pix[y*c.Stride : y*c.Stride+4*b.Dx()]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
		for i := 0; i < len(s); i += 4 {
			w := 255 - uint32(s[i+3])
			d[i+0] = uint8(((255-uint32(s[i+0]))*w + 127) / 255)
			d[i+1] = uint8(((255-uint32(s[i+1]))*w + 127) / 255)
			d[i+2] = uint8(((255-uint32(s[i+2]))*w + 127) / 255)
			d[i+3] = 255
		}
	}
	return dst
}
