package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FuzzMatchesStdlib decodes each input with the fork at full size and with
// image/jpeg; where both accept it, every pixel must agree within
// stdTolerance in RGB. A panic fails too (raster recovers from one, but it
// still means a wrong state). Seeds: small files from Go's encoder, cjpeg's
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
		if d := maxRGBDiff(got, want); d > stdTolerance {
			t.Fatalf("%T differs from image/jpeg's %T by %d levels (tolerance %d)", got, want, d, stdTolerance)
		}
	})
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
