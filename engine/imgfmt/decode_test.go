package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func meanRGB(img image.Image) (r, g, b float64) {
	bd := img.Bounds()
	n := 0.0
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			r, g, b = r+float64(cr>>8), g+float64(cg>>8), b+float64(cb>>8)
			n++
		}
	}
	return r / n, g / n, b / n
}

func TestDecodeRepoFormats(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoTestdata, "formats", "*"))
	if len(files) == 0 {
		t.Skip("testdata/formats not present; skipping")
	}
	types := map[string]string{
		"leaf-grey.jpg":         "*image.Gray",
		"leaf-cmyk.jpg":         "*image.RGBA",
		"leaf-rgb16.png":        "*image.RGBA64",
		"leaf-palette.png":      "*image.Paletted",
		"leaf-grey-alpha.png":   "*image.NRGBA",
		"leaf-baseline.jpg":     "*image.YCbCr",
		"leaf-progressive.jpeg": "*image.YCbCr",
	}
	for _, path := range files {
		f, ok := FormatFromExt(path)
		if !ok {
			continue
		}
		base := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ProbeBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		img, err := Decode(f, data)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
			t.Errorf("%s: decoded %v, probed %dx%d", base, b, h.Width, h.Height)
		}
		if want := types[base]; want != "" && fmt.Sprintf("%T", img) != want {
			t.Errorf("%s: decoded as %T, want %s", base, img, want)
		}
		// Every opaque colour variant has about the baseline's mean colour
		// (165,106,59 per the README); CMYK must not come out inverted.
		if base == "leaf-cmyk.jpg" || base == "leaf-baseline.jpg" || base == "leaf-24bit.bmp" || base == "leaf-deflate.tiff" {
			r, g, b := meanRGB(img)
			if abs(r-165) > 6 || abs(g-106) > 6 || abs(b-59) > 6 {
				t.Errorf("%s: mean colour %.0f,%.0f,%.0f, want about 165,106,59", base, r, g, b)
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestDecodeCMYK(t *testing.T) {
	// An Adobe YCCK JPEG (as Photoshop and ImageMagick write CMYK): a
	// gradient from red to blue.
	data := readLocal(t, "ycck-gradient-16x16.jpg")
	img, err := Decode(JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("decoded as %T", img)
	}
	top, bottom := rgba.RGBAAt(8, 0), rgba.RGBAAt(8, 15)
	if top.R < 200 || top.B > 60 || bottom.B < 200 || bottom.R > 60 {
		t.Errorf("top %v bottom %v: want red at the top, blue at the bottom", top, bottom)
	}
	// The same file with its Adobe segment removed is plain CMYK to
	// libjpeg; image/jpeg refuses it, Decode reads it as non-inverted.
	stripped := stripSegment(data, 0xEE)
	if len(stripped) != len(data)-16 {
		t.Fatalf("APP14 not stripped (%d -> %d bytes)", len(data), len(stripped))
	}
	img2, err := Decode(JPEG, stripped)
	if err != nil {
		t.Fatalf("CMYK without Adobe segment: %v", err)
	}
	if img2.Bounds() != img.Bounds() {
		t.Errorf("bounds %v", img2.Bounds())
	}
	// Not inverted: the stored channels read as ink amounts give the
	// complement of the Adobe reading in every channel before K.
	c1 := rgba.RGBAAt(0, 0)
	c2 := img2.(*image.RGBA).RGBAAt(0, 0)
	if c1 == c2 {
		t.Errorf("non-Adobe CMYK decoded the same as Adobe-inverted: %v", c1)
	}
}

// stripSegment removes every marker segment of the given type before SOS.
func stripSegment(data []byte, marker byte) []byte {
	out := append([]byte(nil), data[:2]...)
	off := 2
	for off+4 <= len(data) && data[off] == 0xFF && data[off+1] != 0xDA {
		n := int(be16(data[off+2:]))
		if data[off+1] != marker {
			out = append(out, data[off:off+2+n]...)
		}
		off += 2 + n
	}
	return append(out, data[off:]...)
}

func TestDecodeGIFFirstFrameOnly(t *testing.T) {
	// Three thousand frames, the later ones with corrupt image data: if
	// Decode read past the first frame it would fail.
	first := image.NewPaletted(image.Rect(0, 0, 20, 10), palette.Plan9)
	for i := range first.Pix {
		first.Pix[i] = 200
	}
	var buf bytes.Buffer
	anim := &gif.GIF{}
	for i := range 3000 {
		fr := image.NewPaletted(image.Rect(0, 0, 20, 10), palette.Plan9)
		if i == 0 {
			fr = first
		}
		anim.Image = append(anim.Image, fr)
		anim.Delay = append(anim.Delay, 1)
	}
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// Corrupt everything after the first frame's data.
	firstLen := len(encodeGIFFrame(t, first))
	for i := firstLen + 200; i < len(data)-1; i += 7 {
		data[i] = 0xFF
	}
	img, err := Decode(GIF, data)
	if err != nil {
		t.Fatalf("decode 3000-frame GIF: %v", err)
	}
	if img.Bounds() != first.Rect || img.(*image.Paletted).Pix[0] != 200 {
		t.Errorf("got %v, first pixel %d", img.Bounds(), img.(*image.Paletted).Pix[0])
	}
	// The repository's hostile 3000-frame GIF, when present.
	if path := filepath.Join(repoTestdata, "bad", "many-frames-3000.gif"); fileExists(path) {
		data, _ := os.ReadFile(path)
		if _, err := Decode(GIF, data); err != nil {
			t.Errorf("many-frames-3000.gif: %v", err)
		}
	}
}

func encodeGIFFrame(t *testing.T, p *image.Paletted) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestDecodeGIFSmallFirstFrame(t *testing.T) {
	pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{}}
	fr := image.NewPaletted(image.Rect(5, 4, 15, 8), pal)
	for i := range fr.Pix {
		fr.Pix[i] = 1
	}
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{
		Image: []*image.Paletted{fr}, Delay: []int{0},
		Config: image.Config{ColorModel: pal, Width: 20, Height: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Decode(GIF, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 20, 10) {
		t.Fatalf("bounds %v, want the 20x10 screen", img.Bounds())
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("outside the frame is not transparent")
	}
	if r, _, _, _ := img.At(6, 5).RGBA(); r>>8 != 255 {
		t.Errorf("inside the frame is not red")
	}
}

func TestDecodeErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, gradient(64, 64), EncodeOptions{Format: PNG, PNGLevel: -1}); err != nil {
		t.Fatal(err)
	}
	png := buf.Bytes()
	jpg := encodeStdJPEG(t, gradient(64, 64))
	tests := []struct {
		name string
		f    Format
		data []byte
		want string
		is   error
	}{
		{"truncated png", PNG, png[:len(png)/2], "decode png: invalid format: not enough pixel data", nil},
		{"truncated jpeg", JPEG, jpg[:len(jpg)/2], "decode jpeg: unexpected EOF", nil},
		{"wrong format", JPEG, png, "decode jpeg: the file's content is png, not jpeg", nil},
		{"heic named, png inside", HEIC, png, "decode heic: the file's content is png, not heic", nil},
		{"empty", PNG, nil, "decode png: not a recognised image format: empty file", ErrUnknownFormat},
		{"header only", PNG, png[:33], "decode png: unexpected EOF", nil},
		{"bomb", PNG, bombPNG(60000, 60000), "decode png: image too large: png header declares 60000x60000 = 3600000000 pixels, more than the limit of 268402689", ErrTooLarge},
	}
	for _, tt := range tests {
		img, err := Decode(tt.f, tt.data)
		if img != nil || err == nil || err.Error() != tt.want {
			t.Errorf("%s: Decode = %v, %v; want %q", tt.name, img, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v is not %v", tt.name, err, tt.is)
		}
	}
	// A corrupt PNG: "png: invalid format" reads once, without the
	// decoder's own prefix doubled.
	bad := bytes.Clone(png)
	for i := 60; i < len(bad)-20; i += 3 {
		bad[i] ^= 0x5A
	}
	_, err := Decode(PNG, bad)
	if err == nil || strings.Count(err.Error(), "png") != 1 {
		t.Errorf("corrupt PNG: %v", err)
	}
	// DecodeMax with a tight limit, and without one.
	if _, err := DecodeMax(PNG, png, 64*63); !errors.Is(err, ErrTooLarge) {
		t.Errorf("DecodeMax under the size: %v", err)
	}
	if _, err := DecodeMax(PNG, png, 0); err != nil {
		t.Errorf("DecodeMax without limit: %v", err)
	}
}

func TestDecodeRepoBadNoPanics(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoTestdata, "bad", "*"))
	if len(files) == 0 {
		t.Skip("testdata/bad not present; skipping")
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, ok := Sniff(data)
		if !ok {
			f, ok = FormatFromExt(path)
		}
		if !ok {
			continue
		}
		// A low limit keeps the under-the-default-limit bombs cheap.
		img, err := DecodeMax(f, data, 4<<20)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "decode "+string(f)+": ") {
				t.Errorf("%s: error %q", filepath.Base(path), err)
			}
			continue
		}
		t.Logf("%s: decoded %v", filepath.Base(path), img.Bounds())
	}
}

func TestDecodeErrorUnwraps(t *testing.T) {
	jpg := encodeStdJPEG(t, gradient(64, 64))
	_, err := Decode(JPEG, jpg[:len(jpg)/2])
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v does not wrap io.ErrUnexpectedEOF", err)
	}
}
