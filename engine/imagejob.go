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
	if len(job.Renditions) > 0 {
		return runSet(ctx, job)
	}
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
	d, err := decodeImage(ctx, data, spec, func(imgfmt.Header) []imgfmt.Geometry { return []imgfmt.Geometry{spec.Geometry} })
	if err != nil {
		return nil, ImageMeta{}, err
	}
	return d.finish(d.resample(spec.Geometry, spec.Filter), spec)
}

// decodedImage is an input decoded once, at the scale its largest output
// needs, for one output or every rendition of a set.
type decodedImage struct {
	hdr         imgfmt.Header
	img         image.Image
	denom       int // shrink-on-load denominator img was decoded at
	orientation int // EXIF orientation to apply, 1 for none
	icc         []byte
	exif        []byte
}

// decodeImage probes data (rejecting bombs before any pixel memory) and
// decodes it; a JPEG is shrunk on load as far as the largest of sizes (given
// the header) allows.
func decodeImage(ctx context.Context, data []byte, spec *ImageSpec, sizes func(imgfmt.Header) []imgfmt.Geometry) (*decodedImage, error) {
	hdr, err := imgfmt.ProbeBytes(data)
	if err != nil {
		if errors.Is(err, imgfmt.ErrUnknownFormat) {
			return nil, &imageErr{CodeUnsupported, err}
		}
		return nil, &imageErr{CodeDecode, fmt.Errorf("not a valid image: %w", err)}
	}
	if err := hdr.CheckPixels(spec.MaxPixels); err != nil {
		return nil, &imageErr{CodeTooLarge, err}
	}
	if !hdr.Format.CanDecode() {
		return nil, &imageErr{CodeUnsupported, fmt.Errorf("%s input is not supported", hdr.Format)}
	}
	if err := hdr.Unsupported(); err != nil {
		return nil, &imageErr{CodeUnsupported, err}
	}
	d := &decodedImage{hdr: hdr, orientation: hdr.Orientation, denom: 1}
	if spec.NoRotate || d.orientation < 1 || d.orientation > 8 {
		d.orientation = 1
	}
	if hdr.Format == imgfmt.JPEG {
		if err := checkJPEGComplete(data, hdr.Width, hdr.Height); err != nil {
			return nil, &imageErr{CodeDecode, fmt.Errorf("not a valid JPEG: %w", err)}
		}
		denom := 8
		for _, g := range sizes(hdr) {
			_, _, sw, sh := d.plan(g)
			denom = min(denom, raster.ShrinkDenom(hdr.Width, hdr.Height, sw, sh))
		}
		// raster's errors already read "decode jpeg: ...".
		d.img, d.denom, err = raster.DecodeJPEGScaled(data, denom)
	} else {
		d.img, err = imgfmt.DecodeMax(hdr.Format, data, spec.MaxPixels)
	}
	if err != nil {
		return nil, &imageErr{CodeDecode, err}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := imgfmt.ReadMeta(hdr.Format, data)
	d.img, d.icc = cmykToSRGB(d.img, m.ICC)
	d.exif = m.EXIF
	return d, nil
}

// plan gives geometry g's output size (ow x oh, as displayed) and the size
// to resample the stored pixels to (sw x sh, before orientation).
func (d *decodedImage) plan(g imgfmt.Geometry) (ow, oh, sw, sh int) {
	dispW, dispH := d.hdr.Width, d.hdr.Height
	if d.orientation >= 5 {
		dispW, dispH = dispH, dispW
	}
	rw, rh, ow, oh := g.Plan(dispW, dispH)
	// The resize happens before orientation, on the stored pixels.
	sw, sh = rw, rh
	if d.orientation >= 5 {
		sw, sh = rh, rw
	}
	return ow, oh, sw, sh
}

// resample returns the decoded pixels resized to g, oriented and cropped. It
// does not change d, so that every rendition of a set starts from the same
// decoded planes.
func (d *decodedImage) resample(g imgfmt.Geometry, filter raster.Filter) image.Image {
	return d.orientCrop(d.resized(d.img, d.denom, g, filter), g)
}

// resized returns src, the whole picture (the decoded pixels at 1/denom
// scale, or a set's larger size of them with denom 1), resized to g's size
// before orientation and cropping.
func (d *decodedImage) resized(src image.Image, denom int, g imgfmt.Geometry, filter raster.Filter) image.Image {
	_, _, sw, sh := d.plan(g)
	if b := src.Bounds(); b.Dx() != sw || b.Dy() != sh {
		return raster.ResizeScaled(src, d.hdr.Width, d.hdr.Height, denom, sw, sh, filter)
	}
	return src
}

// orientCrop turns img, the picture resized for g (resized), into g's
// output: oriented upright and cropped.
func (d *decodedImage) orientCrop(img image.Image, g imgfmt.Geometry) image.Image {
	ow, oh, sw, sh := d.plan(g)
	if d.orientation != 1 {
		img = raster.Orient(img, d.orientation)
	}
	rw, rh := sw, sh
	if d.orientation >= 5 {
		rw, rh = sh, sw
	}
	if ow != rw || oh != rh {
		img = raster.CropCenter(img, ow, oh)
	}
	return img
}

// finish applies the output colour policy for spec's format and picks the
// metadata to write. The colour conversion may work in place on img.
func (d *decodedImage) finish(img image.Image, spec *ImageSpec) (image.Image, ImageMeta, error) {
	var meta ImageMeta
	var err error
	img, meta.ICC, err = outputColour(img, d.icc, spec)
	if err != nil {
		return nil, meta, &imageErr{CodeInternal, err}
	}
	meta.EXIF = d.exifFor(spec)
	return img, meta, nil
}

// exifFor is the EXIF block an output of spec carries: the input's, with
// the orientation reset when it was applied, if spec keeps metadata.
func (d *decodedImage) exifFor(spec *ImageSpec) []byte {
	if spec.Strip || !spec.KeepMetadata || len(d.exif) == 0 {
		return nil
	}
	if d.orientation != 1 {
		return imgfmt.ResetOrientation(d.exif)
	}
	return d.exif
}

func encodeImage(w io.Writer, img image.Image, meta ImageMeta, spec *ImageSpec) error {
	// WebP and AVIF encoders are WebAssembly modules compiled once per
	// worker process, on first use (0.5-2 s); other formats skip this.
	if err := imgfmt.InitCodec(spec.Format); err != nil {
		return err
	}
	return imgfmt.Encode(w, img, spec.encodeOptions(meta))
}
