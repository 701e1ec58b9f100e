package engine

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzTransformImage runs the image decode path (probe, bomb check, JPEG
// completeness check, scaled decode, resample, orient, crop, metadata) and
// the encoder on arbitrary bytes, seeded from testdata/bad and
// testdata/formats: an error is one line with a known code, never a panic;
// an image is the planned size and encodes.
func FuzzTransformImage(f *testing.F) {
	for i, data := range fuzzSeeds(f, 64<<10) {
		f.Add(data, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		o := ImageOptions{Width: new(48), Format: []string{"jpeg", "png", "gif"}[int(mode)%3], Quality: new(75), MaxPixels: new(int64(1 << 20))}
		if mode&4 != 0 {
			o.Height, o.Fit = new(32), []string{"cover", "fill"}[int(mode>>3)%2]
		}
		o.NoRotate = mode&16 != 0
		o.Strip = mode&32 != 0
		o.KeepMetadata = mode&64 != 0
		s := mustSpec(t, o)
		spec := &s
		img, meta, err := TransformImage(context.Background(), data, spec)
		if err != nil {
			res := imageError("in.jpg", err)
			switch res.Error.Code {
			case CodeUnsupported, CodeDecode, CodeTooLarge:
			default:
				t.Fatalf("error code %q for %v", res.Error.Code, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("multi-line error %q", err)
			}
			var ie *imageErr
			if !errors.As(err, &ie) {
				t.Fatalf("error %v without a code", err)
			}
			return
		}
		b := img.Bounds()
		switch {
		case b.Dx() <= 0 || b.Dy() <= 0:
			t.Fatalf("empty image %v", b)
		case spec.Geometry.Height == 0 && b.Dx() > spec.Geometry.Width:
			t.Fatalf("image %v wider than %d", b, spec.Geometry.Width)
		case spec.Geometry.Height != 0 && (b.Dx() > spec.Geometry.Width || b.Dy() > spec.Geometry.Height):
			t.Fatalf("image %v larger than %dx%d (%s)", b, spec.Geometry.Width, spec.Geometry.Height, spec.Geometry.Fit)
		}
		if err := encodeImage(io.Discard, img, meta, spec); err != nil {
			t.Fatalf("encode %s of a decoded %v image: %v", spec.Format, b, err)
		}
	})
}
