package engine

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// runImage turns one image file into another: probe the header (rejecting
// bombs before any pixel memory), decode (JPEG shrunk on load in the DCT
// domain), resample the planes, orient, crop, encode with the source's ICC
// profile, and write atomically.
func runImage(ctx context.Context, job Job) Result {
	spec := job.Image
	data, err := os.ReadFile(job.Input)
	if err != nil {
		return ioError("read", job.Input, err)
	}
	img, meta, err := TransformImage(ctx, data, spec)
	if err != nil {
		return imageError(job.Input, err)
	}
	b := img.Bounds()
	n, err := WriteAtomic(job.Output, func(w io.Writer) error {
		return encodeImage(w, img, meta, spec)
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			// Name the input, like every other failure, and the output
			// (not the temp file the OS error names).
			return Fail(CodeIO, "%s: write %s: %v", job.Input, job.Output, pe.Err)
		}
		return Fail(CodeIO, "%s: encode %s: %v", job.Input, spec.Format, err)
	}
	return Result{OK: true, BytesIn: int64(len(data)), BytesOut: n, Width: b.Dx(), Height: b.Dy(), SHA256: DataSHA256(data)}
}

// errTooLarge, errDecode classify TransformImage failures.
type imageErr struct {
	code string
	err  error
}

func (e *imageErr) Error() string { return e.err.Error() }
func (e *imageErr) Unwrap() error { return e.err }

func imageError(path string, err error) Result {
	var ie *imageErr
	if errors.As(err, &ie) {
		return Fail(ie.code, "%s: %v", path, ie.err)
	}
	if errors.Is(err, context.Canceled) {
		return Fail(CodeCanceled, "%s: canceled", path)
	}
	return Fail(CodeDecode, "%s: %v", path, err)
}

// ImageMeta is the metadata carried from the input to the output.
type ImageMeta struct {
	ICC  []byte
	EXIF []byte
}

// TransformImage decodes data and applies spec's geometry and orientation,
// returning the output pixels and the metadata to write with them. It is
// shared by the batch job and the HTTP server.
func TransformImage(ctx context.Context, data []byte, spec *ImageSpec) (image.Image, ImageMeta, error) {
	var meta ImageMeta
	hdr, err := imgfmt.ProbeBytes(data)
	if err != nil {
		if errors.Is(err, imgfmt.ErrUnknownFormat) {
			return nil, meta, &imageErr{CodeUnsupported, err}
		}
		return nil, meta, &imageErr{CodeDecode, fmt.Errorf("not a valid image: %w", err)}
	}
	if err := hdr.CheckPixels(spec.MaxPixels); err != nil {
		return nil, meta, &imageErr{CodeTooLarge, err}
	}
	if !hdr.Format.CanDecode() {
		return nil, meta, &imageErr{CodeUnsupported, fmt.Errorf("%s input is not supported", hdr.Format)}
	}
	if err := hdr.Unsupported(); err != nil {
		return nil, meta, &imageErr{CodeUnsupported, err}
	}
	orientation := hdr.Orientation
	if spec.NoRotate || orientation < 1 || orientation > 8 {
		orientation = 1
	}
	g, err := spec.Geometry()
	if err != nil {
		return nil, meta, &imageErr{CodeInternal, err}
	}
	dispW, dispH := hdr.Width, hdr.Height
	if orientation >= 5 {
		dispW, dispH = dispH, dispW
	}
	rw, rh, ow, oh := g.Plan(dispW, dispH)
	// The resize happens before orientation, on the stored pixels.
	sw, sh := rw, rh
	if orientation >= 5 {
		sw, sh = rh, rw
	}
	filter, err := raster.ParseFilter(orDefault(spec.Filter, "lanczos"))
	if err != nil {
		return nil, meta, &imageErr{CodeInternal, err}
	}

	var img image.Image
	denom := 1
	if hdr.Format == imgfmt.JPEG {
		if err := checkJPEGComplete(data, hdr.Width, hdr.Height); err != nil {
			return nil, meta, &imageErr{CodeDecode, fmt.Errorf("not a valid JPEG: %w", err)}
		}
		// raster's errors already read "decode jpeg: ...".
		img, denom, err = raster.DecodeJPEGScaled(data, raster.ShrinkDenom(hdr.Width, hdr.Height, sw, sh))
	} else {
		img, err = imgfmt.DecodeMax(hdr.Format, data, spec.MaxPixels)
	}
	if err != nil {
		return nil, meta, &imageErr{CodeDecode, err}
	}
	if err := ctx.Err(); err != nil {
		return nil, meta, err
	}
	m := imgfmt.ReadMeta(hdr.Format, data)
	img, icc := cmykToSRGB(img, m.ICC)
	if b := img.Bounds(); b.Dx() != sw || b.Dy() != sh {
		img = raster.ResizeScaled(img, hdr.Width, hdr.Height, denom, sw, sh, filter)
	}
	if orientation != 1 {
		img = raster.Orient(img, orientation)
	}
	if ow != rw || oh != rh {
		img = raster.CropCenter(img, ow, oh)
	}
	img, meta.ICC, err = outputColour(img, icc, spec)
	if err != nil {
		return nil, meta, &imageErr{CodeInternal, err}
	}
	if !spec.Strip {
		if spec.KeepMetadata && len(m.EXIF) > 0 {
			if orientation != 1 {
				meta.EXIF = imgfmt.ResetOrientation(m.EXIF)
			} else {
				meta.EXIF = m.EXIF
			}
		}
	}
	return img, meta, nil
}

func encodeImage(w io.Writer, img image.Image, meta ImageMeta, spec *ImageSpec) error {
	f, err := imgfmt.ParseFormat(spec.Format)
	if err != nil {
		return err
	}
	// WebP and AVIF encoders are WebAssembly modules compiled once per
	// worker process, on first use (0.5-2 s); other formats skip this.
	if err := imgfmt.InitCodec(f); err != nil {
		return err
	}
	o := imgfmt.DefaultEncodeOptions(f)
	o.Quality = spec.Quality
	o.Lossless = spec.Lossless
	if spec.PNGLevel != 0 {
		o.PNGLevel = spec.PNGLevel
	}
	if spec.Background != "" {
		bg, err := ParseColor(spec.Background)
		if err != nil {
			return err
		}
		o.Background = bg
	}
	o.ICC = meta.ICC
	o.EXIF = meta.EXIF
	return imgfmt.Encode(w, img, o)
}

// Geometry maps the spec's size fields onto the shared geometry type.
func (s *ImageSpec) Geometry() (imgfmt.Geometry, error) {
	g := imgfmt.Geometry{Width: s.Width, Height: s.Height, Percent: s.Percent, Enlarge: s.Enlarge, OnlyShrink: s.OnlyShrink}
	if s.Fit != "" {
		f, err := imgfmt.ParseFit(s.Fit)
		if err != nil {
			return g, err
		}
		g.Fit = f
	}
	return g, g.Validate()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ParseColor reads a background colour: a name (white, black, grey, red,
// green, blue) or #rgb / #rrggbb / #rrggbbaa in hex.
func ParseColor(s string) (color.NRGBA, error) {
	names := map[string]color.NRGBA{
		"white": {255, 255, 255, 255}, "black": {0, 0, 0, 255}, "gray": {128, 128, 128, 255},
		"grey": {128, 128, 128, 255}, "red": {255, 0, 0, 255}, "green": {0, 128, 0, 255}, "blue": {0, 0, 255, 255},
	}
	if c, ok := names[strings.ToLower(s)]; ok {
		return c, nil
	}
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) == 6 {
		h += "ff"
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 8 || err != nil {
		return color.NRGBA{}, fmt.Errorf("background %q: want a colour name or #rrggbb", s)
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}
