package imgfmt

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	xtiff "golang.org/x/image/tiff"
)

// TestEncodeTIFFSamples checks that TIFF output carries an alpha channel
// only when the image has transparency: opaque colour is written as 3
// samples, grey as 1, and every kind reads back exactly, by our decoder
// and by libtiff's tiff2rgba when it is installed.
func TestEncodeTIFFSamples(t *testing.T) {
	opaque := gradient(33, 17)
	rgba64 := image.NewRGBA64(opaque.Rect)
	for i := range rgba64.Pix {
		rgba64.Pix[i] = 0xFF
	}
	for y := range 17 {
		for x := range 33 {
			rgba64.SetRGBA64(x, y, color.RGBA64{uint16(x * 1999), uint16(y * 3001), 0x1234, 0xFFFF})
		}
	}
	grey := image.NewGray(opaque.Rect)
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 7)
	}
	tiff2rgba, _ := exec.LookPath("tiff2rgba")
	if tiff2rgba == "" {
		t.Log("tiff2rgba not installed (Debian: libtiff-tools): checking with our decoder only")
	}
	for _, tt := range []struct {
		name         string
		img          image.Image
		samples, bps uint16
		extra        bool
	}{
		{"opaque NRGBA", opaque, 3, 8, false},
		{"opaque RGBA", toRGBA(opaque), 3, 8, false},
		{"opaque RGBA64", rgba64, 3, 16, false},
		{"alpha NRGBA", withAlphaBorder(opaque), 4, 8, true},
		{"grey", grey, 1, 8, false},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, tt.img, DefaultEncodeOptions(TIFF)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		data := buf.Bytes()
		if got := ifd0Short(t, data, 277); got != tt.samples {
			t.Errorf("%s: SamplesPerPixel %d, want %d", tt.name, got, tt.samples)
		}
		if got := ifd0Short(t, data, 258); got != tt.bps {
			t.Errorf("%s: BitsPerSample %d, want %d", tt.name, got, tt.bps)
		}
		if _, _, ok := findIFD0Tag(data, 338); ok != tt.extra {
			t.Errorf("%s: ExtraSamples present %v, want %v", tt.name, ok, tt.extra)
		}
		back, err := Decode(TIFF, data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if p := psnr(tt.img, back); !math.IsInf(p, 1) {
			t.Errorf("%s: round trip PSNR %.1f dB, want identical", tt.name, p)
		}
		if tiff2rgba != "" && tt.bps == 8 {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.tif"), filepath.Join(dir, "out.tif")
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command(tiff2rgba, "-c", "none", in, out).CombinedOutput(); err != nil {
				t.Fatalf("%s: tiff2rgba: %v\n%s", tt.name, err, msg)
			}
			ref, _ := os.ReadFile(out)
			refImg, err := xtiff.Decode(bytes.NewReader(ref))
			if err != nil {
				t.Fatal(err)
			}
			if p := psnr(tt.img, refImg); !math.IsInf(p, 1) {
				t.Errorf("%s: libtiff reads our file at %.1f dB, want identical", tt.name, p)
			}
		}
	}
}

// ifd0Short returns the first SHORT value of an IFD0 tag.
func ifd0Short(t *testing.T, data []byte, tag uint16) uint16 {
	t.Helper()
	off, bo, ok := findIFD0Tag(data, tag)
	if !ok {
		t.Fatalf("tag %d missing", tag)
	}
	if bo.u32(data[off+4:]) > 2 { // values elsewhere: read the first
		return bo.u16(data[bo.u32(data[off+8:]):])
	}
	return bo.u16(data[off+8:])
}
