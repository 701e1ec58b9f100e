package pngenc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// testImages returns images of every kind image/png writes differently:
// grey 8/16, opaque and translucent 8/16-bit colour, palettes of 2..256.
func testImages(t testing.TB) map[string]image.Image {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 67, 45
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(i*7/3) + uint8(r.IntN(16))
	}
	opaque := image.NewRGBA(nrgba.Bounds())
	draw.Draw(opaque, opaque.Bounds(), nrgba, image.Point{}, draw.Src)
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 255
	}
	m := map[string]image.Image{"nrgba": nrgba, "rgba-opaque": opaque}
	gray, gray16 := image.NewGray(nrgba.Bounds()), image.NewGray16(nrgba.Bounds())
	rgba64, nrgba64 := image.NewRGBA64(nrgba.Bounds()), image.NewNRGBA64(nrgba.Bounds())
	draw.Draw(gray, gray.Bounds(), nrgba, image.Point{}, draw.Src)
	draw.Draw(gray16, gray16.Bounds(), nrgba, image.Point{}, draw.Src)
	draw.Draw(rgba64, rgba64.Bounds(), opaque, image.Point{}, draw.Src)
	draw.Draw(nrgba64, nrgba64.Bounds(), nrgba, image.Point{}, draw.Src)
	m["gray"], m["gray16"], m["rgba64"], m["nrgba64"] = gray, gray16, rgba64, nrgba64
	for _, n := range []int{2, 4, 16, 256} {
		pal := make(color.Palette, n)
		for i := range pal {
			pal[i] = color.NRGBA{uint8(i * 255 / n), uint8(r.IntN(256)), uint8(255 - i), uint8(255 - i%3)}
		}
		p := image.NewPaletted(nrgba.Bounds(), pal)
		for i := range p.Pix {
			p.Pix[i] = uint8(r.IntN(n))
		}
		m[fmt.Sprintf("paletted%d", n)] = p
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "photos", "boats-lake-landscape-420.jpg")); err == nil {
		if p, err := jpeg.Decode(bytes.NewReader(b)); err == nil {
			// A 320x200 corner keeps the test quick.
			photo := image.NewRGBA(image.Rect(0, 0, 320, 200))
			draw.Draw(photo, photo.Bounds(), p, p.Bounds().Min.Add(image.Pt(400, 300)), draw.Src)
			m["photo"] = photo
		}
	}
	if _, ok := m["photo"]; !ok {
		t.Fatal("testdata photo missing")
	}
	return m
}

// At the settings image/png has, the fork writes image/png's bytes.
func TestMatchesImagePNG(t *testing.T) {
	for name, img := range testImages(t) {
		for _, l := range []CompressionLevel{DefaultCompression, NoCompression, BestSpeed, BestCompression} {
			var a, b bytes.Buffer
			if err := (&Encoder{CompressionLevel: l}).Encode(&a, img); err != nil {
				t.Fatal(err)
			}
			if err := (&png.Encoder{CompressionLevel: png.CompressionLevel(l)}).Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%s level %d: fork writes other bytes than image/png", name, l)
			}
		}
	}
}

// Every zlib level writes a PNG that image/png decodes to the same pixels
// as the default's; higher levels are not bigger on a photo.
func TestLevelsLossless(t *testing.T) {
	for name, img := range testImages(t) {
		var ref bytes.Buffer
		if err := png.Encode(&ref, img); err != nil {
			t.Fatal(err)
		}
		want, err := png.Decode(&ref)
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[int]int{}
		for l := 1; l <= 9; l++ {
			var buf bytes.Buffer
			if err := (&Encoder{CompressionLevel: CompressionLevel(l)}).Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			sizes[l] = buf.Len()
			got, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("%s level %d: %v", name, l, err)
			}
			if !samePixels(got, want) {
				t.Fatalf("%s level %d: pixels differ from image/png's file", name, l)
			}
		}
		if name == "photo" && !(sizes[9] <= sizes[4] && sizes[4] < sizes[1]) {
			t.Errorf("photo sizes by level: %v", sizes)
		}
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
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

// BenchmarkEncodeLevel encodes a 320x200 piece of a photo at zlib levels 1, 4, 6.
func BenchmarkEncodeLevel(b *testing.B) {
	img := testImages(b)["photo"]
	for _, l := range []int{1, 4, 6} {
		b.Run(fmt.Sprintf("level%d", l), func(b *testing.B) {
			enc := Encoder{CompressionLevel: CompressionLevel(l)}
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := enc.Encode(&buf, img); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}
