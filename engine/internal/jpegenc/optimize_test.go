package jpegenc

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	_ "image/png"
)

// testImages returns the test photos (decoded by the standard library) and
// generated images of every type and subsampling the encoder reads, with
// odd sizes and sub-images.
// testPhotos decodes testdata/photos: one photo whole, of the others a
// 384x256 part (at an MCU boundary) with the photo's statistics, at a ninth
// of the cost: these tests encode every image many times.
func testPhotos(t testing.TB) []image.Image {
	var imgs []image.Image
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "photos", "*"))
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			continue
		}
		if len(imgs) > 0 {
			b := img.Bounds()
			img = img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(b.Dx()/2-192, b.Dy()/2-128, b.Dx()/2+192, b.Dy()/2+128).Add(b.Min))
		}
		imgs = append(imgs, img)
	}
	if len(imgs) < 8 {
		t.Fatalf("decoded %d test photos", len(imgs))
	}
	return imgs
}

func testImages(t testing.TB) []image.Image {
	imgs := testPhotos(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420} {
		m := image.NewYCbCr(image.Rect(0, 0, 61, 37), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(r.IntN(256))
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(3, 5, 50, 30)))
	}
	g := image.NewGray(image.Rect(0, 0, 33, 17))
	for i := range g.Pix {
		g.Pix[i] = uint8(r.IntN(256))
	}
	flat := image.NewGray(image.Rect(0, 0, 1, 1)) // one block, one symbol per table
	rgba := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(r.IntN(256))
	}
	return append(imgs, g, flat, rgba)
}

func encode(t testing.TB, img image.Image, o Options) []byte {
	var buf bytes.Buffer
	if err := Encode(&buf, img, &o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeStd(t testing.TB, b []byte) image.Image {
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// samePixels reports where a and b (both from image/jpeg) differ.
func samePixels(a, b image.Image) error {
	if a.Bounds() != b.Bounds() {
		return fmt.Errorf("bounds %v != %v", a.Bounds(), b.Bounds())
	}
	if ya, ok := a.(*image.YCbCr); ok {
		if yb, ok := b.(*image.YCbCr); ok && ya.SubsampleRatio == yb.SubsampleRatio &&
			bytes.Equal(ya.Y, yb.Y) && bytes.Equal(ya.Cb, yb.Cb) && bytes.Equal(ya.Cr, yb.Cr) {
			return nil
		}
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return fmt.Errorf("pixel (%d,%d): %v != %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
	return nil
}

// Huffman coding is lossless: optimised and progressive files with plain
// rounding (plainTune: the default's rate-distortion rounding changes
// coefficients, see rdo_test.go) decode to exactly the pixels of the
// standard-table (image/jpeg) file, and the optimised file is never
// bigger on a photo.
func TestOptimizedSamePixels(t *testing.T) {
	for i, img := range testImages(t) {
		for _, q := range []int{1, 80, 100} {
			std := encode(t, img, Options{Quality: q, StandardTables: true})
			want := decodeStd(t, std)
			for _, o := range []Options{{Quality: q, tune: plainTune}, {Quality: q, Progressive: true, tune: plainTune}} {
				got := encode(t, img, o)
				if err := samePixels(want, decodeStd(t, got)); err != nil {
					t.Fatalf("image %d (%T %v) %+v: %v", i, img, img.Bounds(), o, err)
				}
				if !o.Progressive && img.Bounds().Dx() > 100 && len(got) >= len(std) {
					t.Errorf("image %d q%d: optimised %d bytes, standard tables %d", i, q, len(got), len(std))
				}
			}
		}
	}
}

// entropyData returns the entropy-coded bytes of every scan of a JPEG
// file, concatenated: what is left when the headers (and any difference in
// how the tables are laid out in markers) are ignored.
func entropyData(t testing.TB, b []byte) []byte {
	var out []byte
	for i := 2; i+2 <= len(b); {
		if b[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		marker := b[i+1]
		if marker == 0xd9 {
			return out
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		i += 2 + n
		if marker != 0xda {
			continue
		}
		j := i
		for j+1 < len(b) && (b[j] != 0xff || b[j+1] == 0 || (b[j+1] >= 0xd0 && b[j+1] <= 0xd7)) {
			j++
		}
		out = append(out, b[i:j]...)
		i = j
	}
	t.Fatal("no EOI")
	return nil
}

// The tables are libjpeg's: jpegtran -optimize re-codes the coefficients
// of our standard-table file (and, given our scan script, as a progressive
// file) into exactly the entropy-coded bytes we write.
func TestMatchesLibjpegOptimize(t *testing.T) {
	jpegtran, err := exec.LookPath("jpegtran")
	if err != nil {
		t.Skip("jpegtran (libjpeg-turbo-progs) not installed")
	}
	script := filepath.Join(t.TempDir(), "scans")
	if err := os.WriteFile(script, []byte("0,1,2: 0-0, 0, 0;\n0: 1-5, 0, 0;\n2: 1-63, 0, 0;\n1: 1-63, 0, 0;\n0: 6-63, 0, 0;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	greyScript := filepath.Join(t.TempDir(), "greyscans")
	if err := os.WriteFile(greyScript, []byte("0: 0-0, 0, 0;\n0: 1-5, 0, 0;\n0: 6-63, 0, 0;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, img := range testImages(t) {
		for _, q := range []int{50, 80, 95} {
			std := encode(t, img, Options{Quality: q, StandardTables: true})
			for _, prog := range []bool{false, true} {
				args := []string{"-optimize", "-copy", "none"}
				if prog {
					s := script
					if _, ok := img.(*image.Gray); ok {
						s = greyScript
					}
					args = append(args, "-scans", s)
				}
				cmd := exec.Command(jpegtran, args...)
				cmd.Stdin = bytes.NewReader(std)
				want, err := cmd.Output()
				if err != nil {
					t.Fatalf("jpegtran: %v", err)
				}
				got := encode(t, img, Options{Quality: q, Progressive: prog, tune: plainTune})
				if !bytes.Equal(entropyData(t, got), entropyData(t, want)) {
					t.Errorf("image %d (%T %v) q%d progressive=%v: entropy-coded data differs from jpegtran's (%d vs %d bytes in all)",
						i, img, img.Bounds(), q, prog, len(got), len(want))
				}
			}
		}
	}
}

// djpeg (libjpeg-turbo) decodes the optimised and progressive files (plain
// rounding) to the same pixels as the standard-table file.
func TestDjpegSamePixels(t *testing.T) {
	djpeg, err := exec.LookPath("djpeg")
	if err != nil {
		t.Skip("djpeg (libjpeg-turbo-progs) not installed")
	}
	run := func(b []byte) []byte {
		cmd := exec.Command(djpeg, "-pnm")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("djpeg: %v", err)
		}
		return out
	}
	for i, img := range testImages(t) {
		want := run(encode(t, img, Options{Quality: 80, StandardTables: true}))
		for _, o := range []Options{{Quality: 80, tune: plainTune}, {Quality: 80, Progressive: true, tune: plainTune}} {
			if !bytes.Equal(run(encode(t, img, o)), want) {
				t.Errorf("image %d %+v: djpeg decodes different pixels", i, o)
			}
		}
	}
}

// Same pixels in, our file with plain rounding is no bigger than
// libjpeg-turbo's `cjpeg -optimize` at the same quality and 4:2:0 (the
// default's rate-distortion rounding is logged beside it) (the two differ only in colour
// conversion and chroma downsampling rounding; cjpeg also writes a JFIF
// header). IMGPAR_JPEG_DIR adds the JPEGs and PNGs of a directory (e.g.
// sharp's outputs, or imgpar's --format png outputs, to compare encoders on
// the same resized pixels).
func TestSizeVsCjpeg(t *testing.T) {
	cjpeg, err := exec.LookPath("cjpeg")
	if err != nil {
		t.Skip("cjpeg (libjpeg-turbo-progs) not installed")
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "photos", "*.jpg"))
	if dir := os.Getenv("IMGPAR_JPEG_DIR"); dir != "" {
		for _, pat := range []string{"*.jpg", "*.png"} {
			more, _ := filepath.Glob(filepath.Join(dir, pat))
			files = append(files, more...)
		}
	}
	var ours, theirs, oursProg, theirsProg, std, rd int
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		b := src.Bounds()
		rgba := image.NewRGBA(b)
		var ppm bytes.Buffer
		fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := src.At(x, y).RGBA()
				i := rgba.PixOffset(x, y)
				rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2], rgba.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), 255
				ppm.Write(rgba.Pix[i : i+3])
			}
		}
		std += len(encode(t, rgba, Options{Quality: 80, StandardTables: true}))
		for _, prog := range []bool{false, true} {
			args := []string{"-quality", "80", "-optimize", "-sample", "2x2"}
			if prog {
				args = append(args, "-progressive")
			}
			cmd := exec.Command(cjpeg, args...)
			cmd.Stdin = bytes.NewReader(ppm.Bytes())
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("cjpeg: %v", err)
			}
			got := encode(t, rgba, Options{Quality: 80, Progressive: prog, tune: plainTune})
			if !prog {
				rd += len(encode(t, rgba, Options{Quality: 80}))
			}
			t.Logf("%s progressive=%v: ours %d bytes, cjpeg %d (%.3f)", filepath.Base(p), prog, len(got), len(want), float64(len(got))/float64(len(want)))
			if prog {
				oursProg, theirsProg = oursProg+len(got), theirsProg+len(want)
			} else {
				ours, theirs = ours+len(got), theirs+len(want)
			}
		}
	}
	t.Logf("all %d files: baseline ours/cjpeg -optimize %d/%d = %.4f; progressive ours/cjpeg -optimize -progressive %d/%d = %.4f; standard tables %d = %.4f; default (rate-distortion rounding) %d = %.4f",
		len(files), ours, theirs, float64(ours)/float64(theirs), oursProg, theirsProg, float64(oursProg)/float64(theirsProg), std, float64(std)/float64(theirs), rd, float64(rd)/float64(theirs))
	if float64(ours) > 1.005*float64(theirs) {
		t.Errorf("baseline: ours %d bytes in all, cjpeg -optimize %d", ours, theirs)
	}
}
