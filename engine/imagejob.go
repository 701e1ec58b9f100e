package engine

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"

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
			return FailFile(CodeIO, job.Input, "write %s: %v", job.Output, pe.Err)
		}
		return FailFile(CodeIO, job.Input, "encode %s: %v", spec.Format, err)
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
		return FailFile(ie.code, path, "%v", ie.err)
	}
	if errors.Is(err, context.Canceled) {
		return FailFile(CodeCanceled, path, "canceled")
	}
	return FailFile(CodeDecode, path, "%v", err)
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
	g := spec.Geometry
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
	filter := spec.Filter

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
	// WebP and AVIF encoders are WebAssembly modules compiled once per
	// worker process, on first use (0.5-2 s); other formats skip this.
	if err := imgfmt.InitCodec(spec.Format); err != nil {
		return err
	}
	return imgfmt.Encode(w, img, spec.encodeOptions(meta))
}
