package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/gen2brain/avif"
)

// decodeAny decodes our output, AVIF included (through gen2brain/avif,
// which imgfmt does not use for reading).
func decodeAny(t testing.TB, f Format, data []byte) image.Image {
	t.Helper()
	if f == AVIF {
		img, err := avif.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("avif decode: %v", err)
		}
		return img
	}
	img, err := Decode(f, data)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return img
}

// photoLike returns an 800x450 synthetic test image with smooth shading,
// a few hard edges and mild noise, roughly like a photo for the codecs.
func photoLike(t testing.TB) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 450))
	seed := uint32(1)
	for y := range 450 {
		for x := range 800 {
			seed = seed*1664525 + 1013904223
			noise := float64(seed>>24)/255*6 - 3
			fx, fy := float64(x), float64(y)
			r := 40 + fx/4 + noise
			g := 128 + 90*math.Sin(fx/57)*math.Cos(fy/41) + noise
			b := 60 + fy/3 + noise
			if (x-500)*(x-500)+(y-200)*(y-200) < 90*90 { // a disc
				r, g, b = 230+noise, 200+noise, 60+noise
			}
			if x > 100 && x < 260 && y > 250 && y < 400 { // a box
				r, g, b = 30+noise, 40+noise, 120+fx/10
			}
			img.SetNRGBA(x, y, color.NRGBA{clamp8(r), clamp8(g), clamp8(b), 255})
		}
	}
	return img
}

func clamp8(v float64) uint8 { return uint8(min(255, max(0, math.Round(v)))) }

// photoLikeCrop is a 400x225 part of photoLike holding some of each of its
// features: the encoders' tests need a photo, not a big one (AVIF and WebP
// encoding dominate the package's test time).
func photoLikeCrop(t testing.TB) image.Image {
	return photoLike(t).(*image.NRGBA).SubImage(image.Rect(200, 100, 600, 325))
}

func TestEncodeRoundTripEveryFormat(t *testing.T) {
	if err := InitCodecs(); err != nil {
		t.Fatal(err)
	}
	src := photoLikeCrop(t)
	odd := gradient(37, 23)
	tests := []struct {
		o        EncodeOptions
		minPSNR  float64 // +Inf: lossless
		oddToo   bool
		wantType string
	}{
		{EncodeOptions{Format: JPEG}, 28, true, "*image.YCbCr"},
		{EncodeOptions{Format: JPEG, Quality: 95}, 33, true, "*image.YCbCr"},
		{EncodeOptions{Format: PNG, PNGLevel: -1}, math.Inf(1), true, "*image.RGBA"},
		{EncodeOptions{Format: PNG, PNGLevel: 0}, math.Inf(1), false, "*image.RGBA"},
		{EncodeOptions{Format: PNG, PNGLevel: 9}, math.Inf(1), false, "*image.RGBA"},
		{EncodeOptions{Format: GIF}, 22, true, "*image.Paletted"},
		{EncodeOptions{Format: BMP}, math.Inf(1), true, "*image.RGBA"},
		{EncodeOptions{Format: TIFF}, math.Inf(1), true, "*image.RGBA"}, // opaque: written as RGB
		{EncodeOptions{Format: WebP}, 28, true, "*image.RGBA"},
		{EncodeOptions{Format: WebP, Lossless: true}, math.Inf(1), true, "*image.NRGBA"},
		{EncodeOptions{Format: AVIF}, 28, true, ""},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s q%d lossless=%v png%d", tt.o.Format, tt.o.Quality, tt.o.Lossless, tt.o.PNGLevel)
		var buf bytes.Buffer
		if err := Encode(&buf, src, tt.o); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f, ok := Sniff(buf.Bytes()); !ok || f != tt.o.Format {
			t.Errorf("%s: output sniffs as %q", name, f)
		}
		got := decodeAny(t, tt.o.Format, buf.Bytes())
		if b := got.Bounds(); b.Dx() != 400 || b.Dy() != 225 {
			t.Errorf("%s: decoded size %v", name, b)
		}
		if tt.wantType != "" && fmt.Sprintf("%T", got) != tt.wantType {
			t.Errorf("%s: decoded as %T, want %s", name, got, tt.wantType)
		}
		p := psnr(src, got)
		if p < tt.minPSNR {
			t.Errorf("%s: PSNR %.1f dB, want >= %.1f", name, p, tt.minPSNR)
		}
		t.Logf("%-40s %7d bytes  PSNR %.1f dB", name, buf.Len(), p)
		if tt.oddToo {
			buf.Reset()
			if err := Encode(&buf, odd, tt.o); err != nil {
				t.Fatalf("%s odd size: %v", name, err)
			}
			if b := decodeAny(t, tt.o.Format, buf.Bytes()).Bounds(); b.Dx() != 37 || b.Dy() != 23 {
				t.Errorf("%s odd size: decoded %v", name, b)
			}
		}
	}
}

func TestEncodeQualityAndLevel(t *testing.T) {
	src := photoLikeCrop(t)
	size := func(o EncodeOptions) int {
		var buf bytes.Buffer
		if err := Encode(&buf, src, o); err != nil {
			t.Fatal(err)
		}
		return buf.Len()
	}
	for _, f := range []Format{JPEG, WebP, AVIF} {
		lo, hi := size(EncodeOptions{Format: f, Quality: 20}), size(EncodeOptions{Format: f, Quality: 90})
		if lo >= hi {
			t.Errorf("%s: q20 %d bytes >= q90 %d bytes", f, lo, hi)
		}
	}
	// Quality 0 is the format default; out-of-range values are clamped.
	if size(EncodeOptions{Format: JPEG}) != size(EncodeOptions{Format: JPEG, Quality: 80}) {
		t.Error("JPEG default quality is not 80")
	}
	if size(EncodeOptions{Format: JPEG, Quality: 1000}) != size(EncodeOptions{Format: JPEG, Quality: 100}) {
		t.Error("JPEG quality not clamped to 100")
	}
	if size(EncodeOptions{Format: AVIF}) != size(EncodeOptions{Format: AVIF, Quality: 50}) {
		t.Error("AVIF default quality is not 50")
	}
	stored, best := size(EncodeOptions{Format: PNG, PNGLevel: 0}), size(EncodeOptions{Format: PNG, PNGLevel: 9})
	if stored <= best || stored < 400*225*3 {
		t.Errorf("PNG level 0: %d bytes, level 9: %d bytes", stored, best)
	}
	fast, slow := size(EncodeOptions{Format: WebP, Effort: 1}), size(EncodeOptions{Format: WebP, Effort: 10})
	if fast == slow {
		t.Errorf("WebP effort has no effect (%d bytes)", fast)
	}
}

func TestAlphaFlattenedOverBackground(t *testing.T) {
	src := withAlphaBorder(gradient(64, 48))
	for _, f := range []Format{JPEG, BMP} {
		for _, bg := range []color.NRGBA{{}, {255, 0, 0, 255}, {0, 0, 0, 255}} {
			var buf bytes.Buffer
			if err := Encode(&buf, src, EncodeOptions{Format: f, Background: bg}); err != nil {
				t.Fatal(err)
			}
			got := decodeAny(t, f, buf.Bytes())
			want := bg
			if want.A == 0 {
				want = color.NRGBA{255, 255, 255, 255} // default white
			}
			r, g, b, _ := got.At(1, 1).RGBA()
			tol := uint32(2)
			if f == JPEG {
				tol = 30 // chroma subsampling at the border
			}
			if absDiff(r>>8, uint32(want.R)) > tol || absDiff(g>>8, uint32(want.G)) > tol || absDiff(b>>8, uint32(want.B)) > tol {
				t.Errorf("%s bg %v: corner is %d,%d,%d", f, bg, r>>8, g>>8, b>>8)
			}
			// The half-transparent inside is a 50/50 mix with the
			// background.
			c := src.NRGBAAt(32, 24)
			wantR := (uint32(c.R)*128 + uint32(want.R)*127 + 127) / 255
			r, _, _, _ = got.At(32, 24).RGBA()
			if absDiff(r>>8, wantR) > 10 {
				t.Errorf("%s bg %v: inside red %d, want about %d", f, bg, r>>8, wantR)
			}
		}
	}
	// The same through a premultiplied *image.RGBA and a generic image.
	rgba := image.NewRGBA(src.Rect)
	draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
	for _, img := range []image.Image{rgba, &genericImage{src}} {
		var buf bytes.Buffer
		if err := Encode(&buf, img, EncodeOptions{Format: JPEG}); err != nil {
			t.Fatal(err)
		}
		if r, g, b, _ := decodeAny(t, JPEG, buf.Bytes()).At(1, 1).RGBA(); r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
			t.Errorf("%T: corner %d,%d,%d, want white", img, r>>8, g>>8, b>>8)
		}
	}
	// Formats with alpha keep it; GIF keeps 1-bit transparency.
	for _, f := range []Format{PNG, GIF, TIFF, WebP, AVIF} {
		var buf bytes.Buffer
		if err := Encode(&buf, src, EncodeOptions{Format: f, PNGLevel: -1, Lossless: true}); err != nil {
			t.Fatal(err)
		}
		got := decodeAny(t, f, buf.Bytes())
		if _, _, _, a := got.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: transparent corner has alpha %d", f, a>>8)
		}
		if _, _, _, a := got.At(32, 24).RGBA(); a == 0 {
			t.Errorf("%s: inside became transparent", f)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// genericImage hides the concrete type of an image.
type genericImage struct{ image.Image }

func TestEncodePassThroughTypes(t *testing.T) {
	// YCbCr straight from a JPEG, grey stays grey, subimages with a
	// stride wider than their width.
	jpg := encodeStdJPEG(t, gradient(64, 48))
	ycc, err := Decode(JPEG, jpg)
	if err != nil {
		t.Fatal(err)
	}
	grey := image.NewGray(image.Rect(0, 0, 30, 20))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i)
	}
	sub := gradient(100, 80).SubImage(image.Rect(10, 20, 60, 50))
	subRGBA := toRGBA(gradient(100, 80)).SubImage(image.Rect(5, 5, 55, 35))
	for _, f := range []Format{JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF} {
		for name, img := range map[string]image.Image{"ycbcr": ycc, "grey": grey, "sub": sub, "subRGBA": subRGBA} {
			var buf bytes.Buffer
			if err := Encode(&buf, img, EncodeOptions{Format: f, PNGLevel: -1}); err != nil {
				t.Fatalf("%s %s: %v", f, name, err)
			}
			got := decodeAny(t, f, buf.Bytes())
			if got.Bounds().Dx() != img.Bounds().Dx() || got.Bounds().Dy() != img.Bounds().Dy() {
				t.Errorf("%s %s: decoded %v from %v", f, name, got.Bounds(), img.Bounds())
			}
			if p := psnr(img, got); p < 25 {
				t.Errorf("%s %s: PSNR %.1f", f, name, p)
			}
			if name == "grey" && (f == JPEG || f == PNG) {
				if _, ok := got.(*image.Gray); !ok {
					t.Errorf("%s grey decoded as %T", f, got)
				}
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	img := gradient(4, 4)
	tests := []struct {
		img  image.Image
		o    EncodeOptions
		want string
	}{
		{img, EncodeOptions{Format: "heic"}, `encode: unknown format "heic"`},
		{nil, EncodeOptions{Format: JPEG}, "encode jpeg: no image"},
		{image.NewNRGBA(image.Rect(0, 0, 0, 5)), EncodeOptions{Format: PNG}, "encode png: empty image (0x5)"},
		{image.NewGray(image.Rect(0, 0, 16384, 1)), EncodeOptions{Format: WebP}, "encode webp: image is 16384x1, the format allows at most 16383 pixels a side"},
		{image.NewGray(image.Rect(0, 0, 1, 65536)), EncodeOptions{Format: JPEG}, "encode jpeg: image is 1x65536, the format allows at most 65535 pixels a side"},
	}
	for _, tt := range tests {
		err := Encode(&bytes.Buffer{}, tt.img, tt.o)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Encode(%s) = %v, want %q", tt.o.Format, err, tt.want)
		}
	}
	// A failing writer's error comes back wrapped.
	boom := errors.New("disk full")
	for _, f := range Formats {
		if !f.CanEncode() {
			continue
		}
		err := Encode(failWriter{boom}, gradient(64, 64), EncodeOptions{Format: f, ICC: readLocal(t, "compatibleWithAdobeRGB1998.icc")})
		if !errors.Is(err, boom) && !strings.Contains(fmt.Sprint(err), "disk full") {
			t.Errorf("%s: error %v does not carry the writer's", f, err)
		}
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestInitCodecsConcurrentEncodes(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := WebP
			if i%2 == 1 {
				f = AVIF
			}
			if err := InitCodec(f); err != nil {
				errs <- err
				return
			}
			var buf bytes.Buffer
			if err := Encode(&buf, gradient(64+i, 32), EncodeOptions{Format: f}); err != nil {
				errs <- err
				return
			}
			if f == WebP {
				if h, err := ProbeBytes(buf.Bytes()); err != nil || h.Width != 64+i {
					errs <- fmt.Errorf("webp %d: %+v %v", i, h, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := InitCodec(JPEG); err != nil {
		t.Errorf("InitCodec(jpeg) = %v", err)
	}
	if err := InitCodecs(); err != nil {
		t.Errorf("InitCodecs = %v", err)
	}
	for err := range errs {
		t.Error(err)
	}
}

func TestWebPContainerWithMeta(t *testing.T) {
	icc := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	exif := makeEXIF(false, 1, 0)
	for name, img := range map[string]image.Image{"opaque": gradient(33, 17), "alpha": withAlphaBorder(gradient(33, 17))} {
		for _, lossless := range []bool{false, true} {
			var buf bytes.Buffer
			if err := Encode(&buf, img, EncodeOptions{Format: WebP, Lossless: lossless, ICC: icc, EXIF: exif}); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			// RIFF size, VP8X first, ICCP second, EXIF last.
			if int(le32(data[4:])) != len(data)-8 {
				t.Errorf("%s lossless=%v: RIFF size %d for %d bytes", name, lossless, le32(data[4:]), len(data))
			}
			var chunks []string
			for off := 12; off+8 <= len(data); {
				n := int(le32(data[off+4:]))
				chunks = append(chunks, string(data[off:off+4]))
				off += 8 + n + n&1
			}
			if len(chunks) < 4 || chunks[0] != "VP8X" || chunks[1] != "ICCP" || chunks[len(chunks)-1] != "EXIF" {
				t.Errorf("%s lossless=%v: chunks %q", name, lossless, chunks)
			}
			flags := data[20]
			wantAlpha := name == "alpha"
			if flags&0x20 == 0 || flags&0x08 == 0 || (flags&0x10 != 0) != wantAlpha {
				t.Errorf("%s lossless=%v: VP8X flags %08b", name, lossless, flags)
			}
			h, err := ProbeBytes(data)
			if err != nil || h.Width != 33 || h.Height != 17 {
				t.Errorf("%s: Probe = %+v, %v", name, h, err)
			}
			got, err := Decode(WebP, data)
			if err != nil {
				t.Fatalf("%s lossless=%v: %v", name, lossless, err)
			}
			if _, _, _, a := got.At(0, 0).RGBA(); wantAlpha && a != 0 {
				t.Errorf("%s lossless=%v: alpha lost", name, lossless)
			}
		}
	}
}
