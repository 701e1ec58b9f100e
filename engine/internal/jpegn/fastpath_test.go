package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpar/imgpar/engine/internal/jpegenc"
)

// decodeVLC decodes data at 1/denom with the one-look-up fast path for
// codes and magnitudes (slow false) or with getVLC for every code.
func decodeVLC(data []byte, denom int, slow bool) (image.Image, error) {
	d := newDecoder()
	d.reset()
	d.scaleDenom = denom
	d.slowVLC = slow
	return d.decode(data, false)
}

// fastPathInputs returns JPEGs covering what the fast path must decode
// exactly as getVLC does: the repository's test JPEGs (including corrupt and
// truncated ones), files of odd sizes written by our encoder with standard
// and per-image tables, grey and progressive, and, when cjpeg is installed,
// every sampling with restart intervals, plus truncated copies.
func fastPathInputs(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	for _, dir := range []string{"photos", "formats", "orient", "icc", "bad"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", dir, "*.jp*g"))
		for _, p := range m {
			if strings.Contains(p, "bomb") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(p)] = b
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	cjpeg, _ := exec.LookPath("cjpeg")
	for _, size := range []image.Point{{1, 1}, {9, 7}, {33, 17}, {64, 48}, {127, 61}} {
		// Smooth gradients plus noise: codes of every length.
		m := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		for y := 0; y < size.Y; y++ {
			for x := 0; x < size.X; x++ {
				i := m.PixOffset(x, y)
				m.Pix[i] = uint8(x*255/max(size.X, 1)) + uint8(r.IntN(40))
				m.Pix[i+1] = uint8(y*255/max(size.Y, 1)) ^ uint8(r.IntN(8))
				m.Pix[i+2] = uint8(r.IntN(256))
				m.Pix[i+3] = 255
			}
		}
		g := image.NewGray(m.Bounds())
		for i := range g.Pix {
			g.Pix[i] = m.Pix[4*i]
		}
		for _, q := range []int{20, 90, 100} {
			for _, o := range []jpegenc.Options{{Quality: q, StandardTables: true}, {Quality: q}, {Quality: q, Progressive: true}} {
				for name, img := range map[string]image.Image{"rgb": m, "grey": g} {
					var buf bytes.Buffer
					if err := jpegenc.Encode(&buf, img, &o); err != nil {
						t.Fatal(err)
					}
					files[fmt.Sprintf("jpegenc-%s-%v-%+v", name, size, o)] = buf.Bytes()
				}
			}
		}
		if cjpeg == "" || size.X < 9 {
			continue
		}
		var ppm bytes.Buffer
		fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", size.X, size.Y)
		for i := 0; i < len(m.Pix); i += 4 {
			ppm.Write(m.Pix[i : i+3])
		}
		for _, args := range [][]string{
			{"-sample", "1x1", "-restart", "1"}, {"-sample", "2x1"}, {"-sample", "2x2", "-restart", "2B"},
			{"-sample", "1x2"}, {"-sample", "4x1"}, {"-quality", "100", "-sample", "1x1"},
			{"-progressive", "-restart", "1"}, {"-progressive", "-sample", "1x1"},
		} {
			cmd := exec.Command(cjpeg, args...)
			cmd.Stdin = bytes.NewReader(ppm.Bytes())
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("cjpeg %v: %v", args, err)
			}
			files[fmt.Sprintf("cjpeg-%v-%v", size, args)] = out
		}
	}
	if cjpeg == "" {
		t.Log("cjpeg (libjpeg-turbo-progs) not installed: no cjpeg-made files")
	}
	for name, b := range files {
		if len(b) > 400 && !strings.HasPrefix(name, "trunc") {
			files[name+"-truncated"] = b[:len(b)*2/3]
		}
	}
	return files
}

// addTestdataSeeds seeds f with the repository's test JPEGs under 200 KiB,
// valid and damaged (not the bomb).
func addTestdataSeeds(f *testing.F) {
	for _, dir := range []string{"photos", "bad"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", dir, "*.jp*g"))
		for _, p := range m {
			if b, err := os.ReadFile(p); err == nil && len(b) < 200<<10 && !strings.Contains(p, "bomb") {
				f.Add(b)
			}
		}
	}
}

// sameDecode fails t unless decode(false), named a, and decode(true), named
// b, give the same error and, without one, the same pixels.
func sameDecode(t *testing.T, what, a, b string, decode func(bool) (image.Image, error)) {
	t.Helper()
	imgA, errA := safely(func() (image.Image, error) { return decode(false) })
	imgB, errB := safely(func() (image.Image, error) { return decode(true) })
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("%s: %s error %v, %s error %v", what, a, errA, b, errB)
	}
	if errA == nil && !samePixels(imgA, imgB) {
		t.Fatalf("%s: %s and %s decode different pixels", what, a, b)
	}
}

// The fast path decodes every input, valid or not, at every scale exactly
// as the code-by-code path does: same pixels, same errors.
func TestFastVLCMatchesSlow(t *testing.T) {
	files := fastPathInputs(t)
	if len(files) < 100 {
		t.Fatalf("only %d inputs", len(files))
	}
	for name, data := range files {
		for _, denom := range []int{1, 2, 4, 8} {
			sameDecode(t, fmt.Sprintf("%s 1/%d", name, denom), "fast", "slow",
				func(slow bool) (image.Image, error) { return decodeVLC(data, denom, slow) })
		}
	}
}

// FuzzFastVLCMatchesSlow: on any input, the fast paths (one look-up per
// code, decodeBlockFast with its partial clearing and flat blocks) and the
// code-by-code path agree (pixels and errors) at every scale.
func FuzzFastVLCMatchesSlow(f *testing.F) {
	addTestdataSeeds(f)
	// Small undamaged cjpeg files (restart intervals, every sampling):
	// the photos alone make each execution slow.
	for name, b := range baselineInputs(f) {
		if len(b) < 4<<10 && !strings.Contains(name, "-cut") && !strings.Contains(name, "-flip") && !strings.HasSuffix(name, "-noRST1") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for _, denom := range []int{1, 2, 4, 8} {
			sameDecode(t, fmt.Sprintf("1/%d", denom), "fast", "slow",
				func(slow bool) (image.Image, error) { return decodeVLC(data, denom, slow) })
		}
	})
}

// BenchmarkDecodeVLC decodes test photos (baseline and progressive) with the
// one-look-up path and with getVLC for every code, at full size and 1/8.
func BenchmarkDecodeVLC(b *testing.B) {
	for _, name := range []string{"boats-lake-landscape-420.jpg", "kite-sky-landscape-progressive-444.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "photos", name))
		if err != nil {
			b.Fatal(err)
		}
		for _, denom := range []int{1, 8} {
			for _, slow := range []bool{true, false} {
				path := "fast"
				if slow {
					path = "slow"
				}
				b.Run(fmt.Sprintf("%s/1_%d/%s", strings.TrimSuffix(name, ".jpg"), denom, path), func(b *testing.B) {
					for b.Loop() {
						if _, err := decodeVLC(data, denom, slow); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
