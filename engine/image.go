package engine

import (
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"github.com/disintegration/imaging"
)

// runImage decodes, resizes and encodes one image (first cut: standard
// library decoders and imaging's Lanczos).
func runImage(ctx context.Context, job Job) Result {
	spec := job.Image
	data, err := os.ReadFile(job.Input)
	if err != nil {
		return ioError("read", job.Input, err)
	}
	cfg, format, err := image.DecodeConfig(bytesReader(data))
	if err != nil {
		return Fail(CodeDecode, "%s: not a valid image: %v", job.Input, err)
	}
	if spec.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > spec.MaxPixels {
		return Fail(CodeTooLarge, "%s: %dx%d is over the %d-pixel limit", job.Input, cfg.Width, cfg.Height, spec.MaxPixels)
	}
	img, _, err := image.Decode(bytesReader(data))
	if err != nil {
		return Fail(CodeDecode, "%s: decode %s: %v", job.Input, format, err)
	}
	if err := ctx.Err(); err != nil {
		return Fail(CodeCanceled, "%s: canceled", job.Input)
	}
	w, h := fitInside(cfg.Width, cfg.Height, spec.Width, spec.Height)
	if w != cfg.Width || h != cfg.Height {
		img = imaging.Resize(img, w, h, imaging.Lanczos)
	}
	n, err := WriteAtomic(job.Output, func(wr io.Writer) error {
		switch spec.Format {
		case "jpeg":
			return jpeg.Encode(wr, img, &jpeg.Options{Quality: spec.Quality})
		case "png":
			return png.Encode(wr, img)
		case "gif":
			return gif.Encode(wr, img, nil)
		}
		return fmt.Errorf("unsupported output format %q", spec.Format)
	})
	if err != nil {
		return ioError("write", job.Output, err)
	}
	return Result{OK: true, BytesIn: int64(len(data)), BytesOut: n, Width: w, Height: h}
}

// fitInside scales w x h to fit within maxW x maxH (0 = unconstrained),
// never enlarging, rounding the other side to nearest as libvips does.
func fitInside(w, h, maxW, maxH int) (int, int) {
	scale := 1.0
	if maxW > 0 && w > maxW {
		scale = float64(maxW) / float64(w)
	}
	if maxH > 0 && float64(h)*scale > float64(maxH) {
		scale = float64(maxH) / float64(h)
	}
	if scale >= 1 {
		return w, h
	}
	nw, nh := int(float64(w)*scale+0.5), int(float64(h)*scale+0.5)
	return max(nw, 1), max(nh, 1)
}
