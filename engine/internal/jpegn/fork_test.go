package jpegn

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	upstream "github.com/gen2brain/jpegn"
)

// The fork narrows the progressive coefficient store from int32 to int16
// (libjpeg's JCOEF), which must not change a single pixel, and fixes
// upstream's progressive end-of-scan bug (README.md), which changes the last
// blocks of some progressive files. So on every JPEG in the repository's test
// data, at every scale, the fork's output equals upstream v0.4.2's bit for bit,
// except on progressive files where upstream is wrong: there the fork's full
// size decode must be within stdTolerance of image/jpeg everywhere and closer
// to it than upstream's. At 1/2 the fork has its own IDCT (change 11) and
// must be closer than upstream to image/jpeg's decode averaged 2x2.
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
	progressive, fixed, halfCloser := 0, 0, 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		orig := bytes.Clone(data)
		isProgressive := bytes.Contains(data[:min(len(data), 64<<10)], []byte{0xFF, 0xC2})
		if isProgressive {
			progressive++
		}
		differsAtFull := false
		for _, denom := range []int{1, 2, 4, 8} {
			// Upstream panics on scaled CMYK/YCCK (raster sends those to
			// image/jpeg); the fork must behave the same there too.
			// DecodeBytes reads the caller's slice in place (change 13): it
			// must leave it as it was.
			got, err1 := safely(func() (image.Image, error) { return DecodeBytes(data, &Options{ScaleDenom: denom}) })
			if !bytes.Equal(data, orig) {
				t.Fatalf("%s 1/%d: DecodeBytes modified its input", filepath.Base(p), denom)
			}
			want, err2 := safely(func() (image.Image, error) {
				return upstream.Decode(bytes.NewReader(data), &upstream.Options{ScaleDenom: denom})
			})
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s 1/%d: fork error %v, upstream error %v", filepath.Base(p), denom, err1, err2)
			}
			if err1 != nil {
				continue
			}
			if samePixels(got, want) {
				continue
			}
			name := fmt.Sprintf("%s 1/%d", filepath.Base(p), denom)
			switch {
			case denom == 2 && !differsAtFull:
				// Change 10 replaced the 1/2-scale IDCT: the fork must be
				// closer than upstream to image/jpeg's full-size decode
				// averaged over 2x2 pixels.
				ref, err := jpeg.Decode(bytes.NewReader(data))
				if err != nil {
					t.Errorf("%s: image/jpeg: %v", name, err)
					continue
				}
				fork, up := meanAbsDiffHalf(got, ref), meanAbsDiffHalf(want, ref)
				if fork >= up {
					t.Errorf("%s: fork %.3f levels from image/jpeg's decode averaged 2x2, upstream %.3f: not closer", name, fork, up)
				}
				halfCloser++
			case !isProgressive:
				t.Errorf("%s: baseline file, yet fork and upstream decode differently", name)
			case denom == 1:
				ref, err := jpeg.Decode(bytes.NewReader(data))
				if err != nil {
					t.Errorf("%s: image/jpeg: %v", name, err)
					continue
				}
				fork, up := maxRGBDiff(got, ref), maxRGBDiff(want, ref)
				if fork > stdTolerance {
					t.Errorf("%s: fork differs from upstream and from image/jpeg by %d levels (tolerance %d)", name, fork, stdTolerance)
				}
				// Which one reads the file's coefficients as libjpeg does: its
				// decode must equal its decode of jpegtran's lossless baseline
				// copy (libjpeg's coefficients). The IDCTs round alike, so the
				// difference in max levels from image/jpeg may not show it.
				base, err := libjpegCopy(data)
				switch {
				case errors.Is(err, exec.ErrNotFound):
					if fork >= up {
						t.Errorf("%s: fork differs from upstream and is not closer to image/jpeg (%d, upstream %d); jpegtran (libjpeg-turbo-progs) would tell which reads libjpeg's coefficients", name, fork, up)
					}
				case err != nil:
					t.Errorf("%s: jpegtran: %v", name, err)
				default:
					fromBase, err := Decode(bytes.NewReader(base))
					if err != nil || !samePixels(got, fromBase) {
						t.Errorf("%s: fork differs from upstream, and from its own decode of libjpeg's coefficients (jpegtran's baseline copy; err %v)", name, err)
					}
				}
				t.Logf("%s: upstream's end-of-scan bug fixed: max difference from image/jpeg %d -> %d", name, up, fork)
				differsAtFull = true
				fixed++
			case !differsAtFull:
				// The fix is in entropy decoding, before any scaling.
				t.Errorf("%s: fork and upstream differ at this scale only", name)
			}
		}
	}
	if progressive < 3 {
		t.Errorf("only %d progressive JPEGs among the test files", progressive)
	}
	if fixed == 0 {
		t.Logf("no test file hits upstream's progressive end-of-scan bug")
	}
	if halfCloser < 10 {
		t.Errorf("the 1/2-scale IDCT changed only %d decodes", halfCloser)
	}
}

// meanAbsDiffHalf is the mean absolute difference, in 8-bit RGB levels per
// channel, between half (a 1/2-scale decode) and full averaged over 2x2
// pixels (rounded), over half's bounds.
func meanAbsDiffHalf(half, full image.Image) float64 {
	sum, n := 0, 0
	r := half.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			var avg [3]uint32
			for _, d := range [4]image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				r1, g1, b1, _ := full.At(min(2*x+d.X, full.Bounds().Max.X-1), min(2*y+d.Y, full.Bounds().Max.Y-1)).RGBA()
				avg[0], avg[1], avg[2] = avg[0]+r1>>8, avg[1]+g1>>8, avg[2]+b1>>8
			}
			r2, g2, b2, _ := half.At(x, y).RGBA()
			for i, v := range [3]uint32{r2 >> 8, g2 >> 8, b2 >> 8} {
				d := int(v) - int((avg[i]+2)/4)
				sum += max(d, -d)
				n++
			}
		}
	}
	return float64(sum) / float64(max(n, 1))
}

// stdTolerance is the largest difference, in 8-bit RGB levels, between
// jpegn's and image/jpeg's decodes of a valid JPEG: their integer IDCTs round
// differently (±1 in Y, Cb, Cr) and YCbCr to RGB amplifies that to at most 3.
const stdTolerance = 3

// maxRGBDiff is the largest per-channel difference between a and b in 8-bit
// RGB (At's colour conversion), over a's bounds.
func maxRGBDiff(a, b image.Image) int {
	m := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range [3]int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				m = max(m, d, -d)
			}
		}
	}
	return m
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
