package jpegn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FuzzMatchesStdlib decodes each input with the fork at full size and with
// image/jpeg; where both accept it, every pixel must agree within
// stdTolerance in RGB, or, where they disagree (damaged streams, which each
// conceals its own way), the fork must agree with libjpeg-turbo's djpeg
// within djpegTolerance; an input djpeg calls corrupt or refuses is not
// judged. A panic fails too (raster recovers from one, but it still means a
// wrong state). Seeds: small files from Go's encoder, cjpeg's
// progressive, restart and subsampled variants when cjpeg is installed, and the
// progressive test photo.
func FuzzMatchesStdlib(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		got, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("size %v, image/jpeg %v", got.Bounds(), want.Bounds())
		}
		d := maxRGBDiff(got, want)
		if d <= stdTolerance {
			return
		}
		// On a damaged stream the two may conceal differently (image/jpeg and
		// jpegn skip stray bytes in different ways), and image/jpeg's IDCT
		// overflows int32 on a dequantised coefficient past +-16383
		// (testdata/fuzz/FuzzMatchesStdlib/3fd18438ed9fc48a): libjpeg decides.
		src, kind, err := libjpegSource(data)
		if errors.Is(err, exec.ErrNotFound) {
			t.Skipf("differs from image/jpeg by %d levels; djpeg and jpegtran (libjpeg-turbo-progs) are not installed to tell which is right", d)
		}
		if err != nil {
			t.Fatal(err)
		}
		ref, err := djpegRGB(src)
		if err != nil || ref.Bounds() != got.Bounds() {
			return // libjpeg refuses it too, or reads another size: garbage in
		}
		dj := maxRGBDiff(got, ref)
		if dj <= djpegTolerance {
			return
		}
		if kind == sourceDamaged || !overflowsIDCT(t, src, kind, got) {
			t.Fatalf("%T differs from image/jpeg's %T by %d levels and from djpeg's by %d (tolerances %d, %d)", got, want, d, dj, stdTolerance, djpegTolerance)
		}
	})
}

// overflowsIDCT reports whether jpegn's difference from djpeg is the
// handling of samples far outside 0..255, where no reference picture
// exists: libjpeg's range-limit table wraps a sample past +-512 modulo
// 1024 (and libjpeg-turbo's SIMD IDCT saturates its 16-bit intermediates
// first), image/jpeg's int32 IDCT overflows, and jpegn computes such
// blocks exactly (idctExact) and clamps. In every case jpegn must read
// libjpeg's coefficients: its decode must equal, exactly, its decode of
// jpegtran's lossless copy with tables made for the coefficients
// (src, from libjpegSource), or the test fails. Where jpegtran cannot copy them
// (a coefficient past the 10- or 11-bit Huffman range), that proof is
// skipped and the samples below decide. Then every luma sample where jpegn
// differs from libjpeg's C IDCT (djpeg -grayscale of src with SIMD off: the
// same 64-bit sums) by more than djpegTolerance must be one jpegn clamped, 0
// or 255: libjpeg wrapped it. The blind spot: a wrong jpegn sample of 0 or
// 255 where libjpeg's wrapped.
func overflowsIDCT(t *testing.T, src []byte, kind sourceKind, got image.Image) bool {
	if kind == sourceCopy {
		gotBase, err := Decode(bytes.NewReader(src))
		if err != nil {
			t.Fatalf("jpegn on jpegtran's copy: %v", err)
		}
		if d := maxRGBDiff(got, gotBase); d != 0 {
			t.Fatalf("jpegn's decode differs by %d levels from its decode of jpegtran's copy: it reads other coefficients than libjpeg", d)
		}
	}
	refY, err := djpegRGBEnv([]string{"JSIMD_FORCENONE=1"}, src, "-grayscale")
	if err != nil || refY.Bounds() != got.Bounds() {
		return false
	}
	return differsOnlyOutOfRange(got, refY)
}

// differsOnlyOutOfRange reports whether, at every pixel where got's luma (a
// *image.YCbCr's Y or an *image.Gray) and ref's grey (djpeg -grayscale, in
// R) differ by more than djpegTolerance, got's is 0 or 255.
func differsOnlyOutOfRange(got, ref image.Image) bool {
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var l uint8
			switch m := got.(type) {
			case *image.YCbCr:
				l = m.Y[m.YOffset(x, y)]
			case *image.Gray:
				l = m.GrayAt(x, y).Y
			default:
				return false
			}
			r, _, _, _ := ref.At(x, y).RGBA()
			g := uint8(r >> 8)
			if d := int(l) - int(g); (d > djpegTolerance || d < -djpegTolerance) && l != 0 && l != 255 {
				return false
			}
		}
	}
	return true
}

// libjpegSource is what djpeg should decode to give the reference for
// data: jpegtran's lossless copy (libjpegCopy) where libjpeg can make one,
// else data itself. The copy is sequential, and that matters:
// libjpeg block-smooths a progressive image whose AC coefficients were never
// sent (jdcoefct.c decompress_smooth_data guesses them from neighbouring
// DCs, in the final output too), and djpeg has no switch to turn that off
// (-nosmooth is the upsampler's). So a progressive stream without AC scans,
// which jpegn and image/jpeg render as flat blocks, would be compared with
// a guess (testdata/fuzz/FuzzMatchesStdlib/3fd18438ed9fc48a). The copy
// has the same coefficients: overflowsIDCT checks that jpegn reads them.
// Coefficients no Huffman table can carry ("DCT coefficient out of range")
// and a damaged stream (any other jpegtran warning) are judged on data as it
// is. The error wraps exec.ErrNotFound when a tool is missing.
func libjpegSource(data []byte) ([]byte, sourceKind, error) {
	if _, err := exec.LookPath("djpeg"); err != nil {
		return nil, 0, err
	}
	c, err := libjpegCopy(data)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return c, sourceCopy, nil
	case errors.As(err, &exitErr) && bytes.Contains(exitErr.Stderr, []byte("DCT coefficient out of range")):
		return data, sourceOutOfRange, nil
	case errors.As(err, &exitErr):
		return data, sourceDamaged, nil
	default:
		return nil, 0, err
	}
}

// sourceKind says what libjpegSource returned.
type sourceKind int

const (
	sourceCopy       sourceKind = iota // jpegtran's copy
	sourceOutOfRange                   // data: coefficients no table can carry
	sourceDamaged                      // data: jpegtran warned; djpeg alone decides
)

// libjpegCopy is jpegtran's lossless copy of data with Huffman tables made
// for its coefficients (-optimize): the coefficients libjpeg reads from it,
// entropy-coded the plainest way. Without -optimize jpegtran would code
// them with the standard tables, which have no code for a coefficient past
// 10 bits: libjpeg-turbo then writes a symbol of no bits, silently, and the
// copy holds other coefficients (testdata/fuzz/.../FuzzMatchesStdlib-
// e6ecae793cb15d36); with it, jpegtran refuses them ("DCT coefficient out
// of range"). The error wraps exec.ErrNotFound when jpegtran is missing; a
// warning counts as an error.
func libjpegCopy(data []byte) ([]byte, error) {
	path, err := exec.LookPath("jpegtran")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "-copy", "none", "-optimize")
	cmd.Stdin = bytes.NewReader(data)
	return cmd.Output()
}

// djpegTolerance is stdTolerance for libjpeg-turbo's djpeg (its islow
// IDCT against jpegn's; the test matrix sees 3 at most).
const djpegTolerance = 4

// djpegRGB decodes data with djpeg and extra options; -nosmooth replicates
// chroma, as jpegn and image/jpeg do. The error wraps exec.ErrNotFound when djpeg is missing; a
// warning about corrupt data counts as an error.
func djpegRGB(data []byte, extra ...string) (image.Image, error) {
	return djpegRGBEnv(nil, data, extra...)
}

// djpegRGBEnv is djpegRGB with env added to djpeg's environment.
func djpegRGBEnv(env []string, data []byte, extra ...string) (image.Image, error) {
	path, err := exec.LookPath("djpeg")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, append([]string{"-nosmooth", "-pnm"}, extra...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output() // exit status 2: decoded with warnings
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || maxv != 255 || (magic != "P5" && magic != "P6") {
		return nil, fmt.Errorf("djpeg: unexpected output header")
	}
	if _, err := r.ReadByte(); err != nil {
		return nil, err
	}
	n := 3
	if magic == "P5" {
		n = 1
	}
	px := make([]byte, n*w*h)
	if _, err := io.ReadFull(r, px); err != nil {
		return nil, err
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		if n == 1 {
			m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2] = px[i], px[i], px[i]
		} else {
			copy(m.Pix[4*i:], px[3*i:3*i+3])
		}
		m.Pix[4*i+3] = 255
	}
	return m, nil
}

func fuzzSeeds(f *testing.F) [][]byte {
	src := image.NewRGBA(image.Rect(0, 0, 40, 23))
	for y := 0; y < 23; y++ {
		for x := 0; x < 40; x++ {
			src.Set(x, y, color.RGBA{uint8(6 * x), uint8(11 * y), uint8(x*y + 7*(x%5)), 255})
		}
	}
	var seeds [][]byte
	for _, m := range []image.Image{src, src.SubImage(image.Rect(0, 0, 17, 9))} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 80}); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	if data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "formats", "leaf-progressive.jpeg")); err == nil {
		seeds = append(seeds, data)
	}
	if _, err := exec.LookPath("cjpeg"); err != nil {
		return seeds
	}
	var ppm bytes.Buffer
	fmt.Fprintf(&ppm, "P6\n40 23\n255\n")
	for i := 0; i < len(src.Pix); i += 4 {
		ppm.Write(src.Pix[i : i+3])
	}
	for _, args := range [][]string{
		{"-sample", "1x1", "-progressive"},
		{"-sample", "2x2", "-progressive", "-restart", "2B"},
		{"-sample", "2x1", "-restart", "1B"},
		{"-sample", "4x1", "-progressive"},
		{"-sample", "1x2", "-progressive"},
		{"-grayscale", "-progressive"},
	} {
		cmd := exec.Command("cjpeg", append([]string{"-quality", "80"}, args...)...)
		cmd.Stdin = bytes.NewReader(ppm.Bytes())
		out, err := cmd.Output()
		if err != nil {
			f.Fatalf("cjpeg %v: %v", args, err)
		}
		seeds = append(seeds, out)
	}
	return seeds
}
