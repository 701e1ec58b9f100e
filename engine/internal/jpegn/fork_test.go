package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	upstream "github.com/gen2brain/jpegn"
)

// The fork only narrows the progressive coefficient store from int32 to
// int16 (libjpeg's JCOEF), which halves a progressive decode's memory. Its
// output must equal upstream v0.4.2's bit for bit, at every scale, on every
// JPEG in the repository's test data (progressive ones included).
func TestForkMatchesUpstream(t *testing.T) {
	var files []string
	for _, dir := range []string{"photos", "formats", "orient", "icc"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", dir, "*.jp*g"))
		files = append(files, m...)
	}
	if dir := os.Getenv("IMGPAR_CORPUS"); dir != "" { // e.g. the bench corpus
		m, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d test JPEGs", len(files))
	}
	progressive := 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data[:min(len(data), 64<<10)], []byte{0xFF, 0xC2}) {
			progressive++
		}
		for _, denom := range []int{1, 2, 4, 8} {
			// Upstream panics on scaled CMYK/YCCK (raster sends those to
			// image/jpeg); the fork must behave the same there too.
			got, err1 := safely(func() (image.Image, error) { return Decode(bytes.NewReader(data), &Options{ScaleDenom: denom}) })
			want, err2 := safely(func() (image.Image, error) {
				return upstream.Decode(bytes.NewReader(data), &upstream.Options{ScaleDenom: denom})
			})
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s 1/%d: fork error %v, upstream error %v", filepath.Base(p), denom, err1, err2)
			}
			if err1 != nil {
				continue
			}
			if !samePixels(got, want) {
				t.Errorf("%s 1/%d: fork and upstream decode differently", filepath.Base(p), denom)
			}
		}
	}
	if progressive < 3 {
		t.Errorf("only %d progressive JPEGs among the test files", progressive)
	}
}

func safely(f func() (image.Image, error)) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

func samePixels(a, b image.Image) bool {
	switch a := a.(type) {
	case *image.YCbCr:
		b, ok := b.(*image.YCbCr)
		return ok && a.Rect == b.Rect && a.SubsampleRatio == b.SubsampleRatio &&
			bytes.Equal(a.Y, b.Y) && bytes.Equal(a.Cb, b.Cb) && bytes.Equal(a.Cr, b.Cr)
	case *image.Gray:
		b, ok := b.(*image.Gray)
		return ok && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
	case *image.RGBA:
		b, ok := b.(*image.RGBA)
		return ok && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
	case *image.NRGBA:
		b, ok := b.(*image.NRGBA)
		return ok && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
	}
	return false
}
