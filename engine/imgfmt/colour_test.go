package imgfmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTIFFCarriesICC: TIFF output embeds a fitting profile in tag 34675,
// which our reader and (when installed) Pillow read back byte for byte;
// the pixels are unchanged; a profile for another colour space is left out.
func TestTIFFCarriesICC(t *testing.T) {
	rgbICC, err := os.ReadFile("testdata/compatibleWithAdobeRGB1998.icc")
	if err != nil {
		t.Fatal(err)
	}
	greyICC, err := os.ReadFile("testdata/Gray.icc")
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 13)
	}
	grey := image.NewGray(image.Rect(0, 0, 37, 23))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 7)
	}
	py := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import PIL").Run() == nil {
			py = path
			break
		}
	}
	for _, tc := range []struct {
		name    string
		img     image.Image
		icc     []byte
		wantICC []byte
	}{
		{"rgb", rgba, rgbICC, rgbICC},
		{"grey", grey, greyICC, greyICC},
		{"grey-with-rgb-profile", grey, rgbICC, nil},
		{"rgb-with-grey-profile", rgba, greyICC, nil},
		{"no-profile", rgba, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultEncodeOptions(TIFF)
			o.ICC = tc.icc
			var buf bytes.Buffer
			if err := Encode(&buf, tc.img, o); err != nil {
				t.Fatal(err)
			}
			if got := ReadMeta(TIFF, buf.Bytes()).ICC; !bytes.Equal(got, tc.wantICC) {
				t.Fatalf("profile read back: %d bytes, want %d", len(got), len(tc.wantICC))
			}
			back, err := Decode(TIFF, buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var plain bytes.Buffer
			if err := Encode(&plain, tc.img, DefaultEncodeOptions(TIFF)); err != nil {
				t.Fatal(err)
			}
			want, _ := Decode(TIFF, plain.Bytes())
			if !samePixels(back, want) {
				t.Fatal("pixels differ from the same TIFF written without a profile")
			}
			if py == "" {
				t.Log("no python3 with Pillow: skipping the Pillow cross-check")
				return
			}
			f := filepath.Join(t.TempDir(), "x.tiff")
			if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, "-c", "import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.load(); sys.stdout.buffer.write(im.info.get('icc_profile') or b'')", f).Output()
			if err != nil {
				t.Fatalf("Pillow cannot read our TIFF: %v", err)
			}
			if !bytes.Equal(out, tc.wantICC) {
				t.Fatalf("Pillow reads a %d-byte profile, want %d", len(out), len(tc.wantICC))
			}
		})
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// TestSRGBEquivalentRemembered: verdicts on profile bytes (sRGB, Adobe RGB,
// damaged, none), the same on a second call, which is answered from the
// memo; the memo stays bounded however many distinct profiles pass.
func TestSRGBEquivalentRemembered(t *testing.T) {
	adobe, err := os.ReadFile("testdata/compatibleWithAdobeRGB1998.icc")
	if err != nil {
		t.Fatal(err)
	}
	cut := SRGBProfile()[:200]
	for round := 0; round < 2; round++ {
		for _, tc := range []struct {
			name string
			prof []byte
			want bool
		}{{"srgb", SRGBProfile(), true}, {"adobe", adobe, false}, {"cut short", cut, false}, {"none", nil, false}} {
			if got := SRGBEquivalent(tc.prof); got != tc.want {
				t.Errorf("round %d, %s: %v, want %v", round, tc.name, got, tc.want)
			}
		}
	}
	srgbVerdicts.Lock()
	_, cached := srgbVerdicts.m[sha256.Sum256(SRGBProfile())]
	srgbVerdicts.Unlock()
	if !cached {
		t.Error("the sRGB verdict was not remembered")
	}
	junk := make([]byte, 200)
	for i := 0; i < maxSRGBVerdicts+10; i++ {
		binary.BigEndian.PutUint32(junk, uint32(i))
		SRGBEquivalent(junk)
	}
	srgbVerdicts.Lock()
	n := len(srgbVerdicts.m)
	srgbVerdicts.Unlock()
	if n > maxSRGBVerdicts {
		t.Errorf("%d verdicts remembered, bound %d", n, maxSRGBVerdicts)
	}
}
