package imgfmt

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gen2brain/webp"
	xwebp "golang.org/x/image/webp"
)

// Every WebP decode must be identical to libwebp's own (dwebp): imgpar
// converts lossy YUV with libwebp's formulas and upsampling, and alpha is
// kept straight, as dwebp writes it.

// identical is a PSNR threshold only +Inf (no difference at all) meets.
const identical = 1000

// TestDecodeWebPMatchesDwebp encodes real photos with cwebp (lossy and
// lossless, with and without alpha) and compares decodeWebP with dwebp
// -pam by PSNR. golang.org/x/image/webp's own image.YCbCr result is
// logged beside it: about 28 dB on lossy files, the bug this fixes.
func TestDecodeWebPMatchesDwebp(t *testing.T) {
	cwebp := needTool(t, "cwebp", "webp")
	dwebp := needTool(t, "dwebp", "webp")
	dir := t.TempDir()
	photo := filepath.Join(repoTestdata, "formats", "leaf-rgb8.png")
	alpha := filepath.Join(repoTestdata, "formats", "leaf-grey-alpha.png")
	rgba := filepath.Join(dir, "leaf-rgba.png")
	writeRGBAPhoto(t, photo, alpha, rgba)
	cases := []struct {
		name, src string
		args      []string
		minDB     float64
	}{
		{"lossy-q80", photo, []string{"-q", "80"}, identical},
		{"lossy-q30-sharp-yuv", photo, []string{"-q", "30", "-sharp_yuv"}, identical},
		{"lossy-alpha", rgba, []string{"-q", "75"}, identical},
		{"lossless", photo, []string{"-lossless"}, identical},
		{"lossless-alpha", rgba, []string{"-lossless", "-exact"}, identical},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wp := filepath.Join(dir, c.name+".webp")
			pam := filepath.Join(dir, c.name+".pam")
			runTool(t, cwebp, append(c.args, "-quiet", c.src, "-o", wp)...)
			runTool(t, dwebp, "-quiet", wp, "-pam", "-o", pam)
			data, err := os.ReadFile(wp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(WebP, data)
			if err != nil {
				t.Fatal(err)
			}
			want := readPNM(t, pam)
			checkPSNR(t, c.name, got, want, c.minDB)
			if old, err := xwebp.Decode(bytes.NewReader(data)); err == nil {
				t.Logf("%s: golang.org/x/image/webp scores %.2f dB", c.name, psnr(old, want))
			}
		})
	}
}

// writeRGBAPhoto writes the colour photo with the grey-alpha file's soft
// alpha vignette as a PNG: real colours and every alpha level.
func writeRGBAPhoto(t *testing.T, photo, alpha, dst string) {
	t.Helper()
	c := readPNGFile(t, photo)
	a := readPNGFile(t, alpha)
	out := image.NewNRGBA(c.Bounds())
	draw.Draw(out, out.Rect, c, c.Bounds().Min, draw.Src)
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			_, _, _, av := a.At(x, y).RGBA()
			out.Pix[out.PixOffset(x, y)+3] = uint8(av >> 8)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeWebPRepoFiles compares the repository's WebP files with the
// PNGs dwebp made of them (testdata/*.dwebp.png, see testdata/README.md),
// so that a machine without dwebp still checks
// the colours.
func TestDecodeWebPRepoFiles(t *testing.T) {
	for _, name := range []string{"leaf-lossy", "leaf-lossless-alpha"} {
		data := readRepoFile(t, "formats/"+name+".webp")
		ref := readLocal(t, name+".dwebp.png")
		want, err := png.Decode(bytes.NewReader(ref))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(WebP, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPSNR(t, name, got, want, identical)
	}
}

// TestDecodeWebPAnimatedFirstFrame builds animated WebPs around a real
// lossy and a real lossless frame, the first frame smaller than the canvas
// and offset, and checks that Decode returns the canvas with that frame on
// it and transparent black elsewhere, as libwebp's animation decoder (and
// sharp's default, page 0) does.
func TestDecodeWebPAnimatedFirstFrame(t *testing.T) {
	for _, name := range []string{"leaf-lossy", "leaf-lossless-alpha"} {
		still := readRepoFile(t, "formats/"+name+".webp")
		frame, err := Decode(WebP, still)
		if err != nil {
			t.Fatal(err)
		}
		fw, fh := frame.Bounds().Dx(), frame.Bounds().Dy()
		at := image.Pt(10, 6)
		anim := animatedWebP(t, still, fw+30, fh+20, at, 3)
		h, err := ProbeBytes(anim)
		if err != nil || h.Width != fw+30 || h.Height != fh+20 {
			t.Fatalf("%s: probe %+v, %v", name, h, err)
		}
		got, err := Decode(WebP, anim)
		if err != nil {
			t.Fatalf("%s animated: %v", name, err)
		}
		want := image.NewNRGBA(image.Rect(0, 0, fw+30, fh+20))
		draw.Draw(want, frame.Bounds().Add(at), frame, image.Point{}, draw.Src)
		checkPSNR(t, name+" animated", got, want, identical)
		if _, _, _, a := got.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: uncovered canvas is %v, want transparent", name, got.At(0, 0))
		}
	}
}

// animatedWebP wraps a still WebP's image chunks in an animation of n
// copies on a w x h canvas, the first at point at (even coordinates).
func animatedWebP(t *testing.T, still []byte, w, h int, at image.Point, n int) []byte {
	t.Helper()
	sh, err := ProbeBytes(still)
	if err != nil {
		t.Fatal(err)
	}
	// The still's image chunks: everything after the header chunk(s).
	var img []byte
	for off := 12; off+8 <= len(still); {
		sz := int(le32(still[off+4:]))
		end := off + 8 + sz + sz&1
		switch string(still[off : off+4]) {
		case "ALPH", "VP8 ", "VP8L":
			img = append(img, still[off:min(end, len(still))]...)
		}
		off = end
	}
	chunk := func(typ string, body []byte) []byte {
		b := append([]byte(typ), byte(len(body)), byte(len(body)>>8), byte(len(body)>>16), byte(len(body)>>24))
		b = append(b, body...)
		if len(body)&1 == 1 {
			b = append(b, 0)
		}
		return b
	}
	var body []byte
	body = append(body, "WEBP"...)
	vp8x := []byte{0x12, 0, 0, 0} // animation + alpha
	vp8x = append(vp8x, le24bytes(w-1)...)
	vp8x = append(vp8x, le24bytes(h-1)...)
	body = append(body, chunk("VP8X", vp8x)...)
	body = append(body, chunk("ANIM", []byte{0, 0, 0, 0, 0, 0})...)
	for i := range n {
		x, y := at.X, at.Y
		if i > 0 {
			x, y = 0, 0
		}
		f := append(le24bytes(x/2), le24bytes(y/2)...)
		f = append(f, le24bytes(sh.Width-1)...)
		f = append(f, le24bytes(sh.Height-1)...)
		f = append(f, 100, 0, 0, 0)
		f = append(f, img...)
		body = append(body, chunk("ANMF", f)...)
	}
	return append([]byte("RIFF"), append([]byte{byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16), byte(len(body) >> 24)}, body...)...)
}

// TestDecodeWebPImg2webpAnimation decodes an animation made by libwebp's
// own img2webp from three real frames: the first frame must be the first
// source picture (lossless: identical).
func TestDecodeWebPImg2webpAnimation(t *testing.T) {
	img2webp := needTool(t, "img2webp", "webp")
	dir := t.TempDir()
	photo := filepath.Join(repoTestdata, "formats", "leaf-rgb8.png")
	grey := filepath.Join(repoTestdata, "formats", "leaf-grey-alpha.png")
	out := filepath.Join(dir, "anim.webp")
	runTool(t, img2webp, "-loop", "0", "-lossless", photo, "-d", "100", grey, photo, "-o", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(WebP, data)
	if err != nil {
		t.Fatal(err)
	}
	checkPSNR(t, "img2webp first frame", got, readPNGFile(t, photo), identical)
}

// BenchmarkDecodeWebP compares imgpar's WebP decode (x/image/webp planes
// plus libwebp's conversion in Go) with libwebp compiled to WebAssembly
// (gen2brain/webp, the alternative that gives the same pixels) and with
// x/image/webp's own, wrongly converted, result; 800x450 photo, lossy and
// lossless.
func BenchmarkDecodeWebP(b *testing.B) {
	if err := InitCodec(WebP); err != nil {
		b.Fatal(err)
	}
	img := benchImage(b)
	for _, lossless := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Encode(&buf, img, EncodeOptions{Format: WebP, Lossless: lossless}); err != nil {
			b.Fatal(err)
		}
		name := "lossy"
		if lossless {
			name = "lossless"
		}
		b.Run(name+"/imgpar", func(b *testing.B) {
			for b.Loop() {
				if _, err := Decode(WebP, buf.Bytes()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/libwebp-wasm", func(b *testing.B) {
			for b.Loop() {
				if _, err := webp.DecodeAll(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/x-image-webp", func(b *testing.B) {
			for b.Loop() {
				if _, err := xwebp.Decode(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeWebPTruncated: a WebP cut short fails in one line, lossy,
// lossless and animated.
func TestDecodeWebPTruncated(t *testing.T) {
	lossy := readRepoFile(t, "formats/leaf-lossy.webp")
	lossless := readRepoFile(t, "formats/leaf-lossless-alpha.webp")
	anim := animatedWebP(t, lossy, 400, 300, image.Pt(0, 0), 2)
	for name, data := range map[string][]byte{
		"lossy": lossy[:len(lossy)/2], "lossless": lossless[:len(lossless)/2], "animated": anim[:len(lossy)/2],
	} {
		img, err := Decode(WebP, data)
		if err == nil {
			t.Errorf("%s cut in half: decoded %v", name, img.Bounds())
			continue
		}
		if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "decode webp: ") {
			t.Errorf("%s: %q", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}
