package imgfmt

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"path/filepath"
	"testing"
)

// gifOf encodes frames on a w x h logical screen. Go's encoder refuses a
// frame outside the screen, so frames that overflow it are encoded on a
// screen big enough and the logical screen is rewritten afterwards.
func gifOf(t *testing.T, w, h int, frames ...*image.Paletted) []byte {
	t.Helper()
	g := &gif.GIF{Config: image.Config{ColorModel: frames[0].Palette, Width: w, Height: h}}
	big := image.Rect(0, 0, w, h)
	for _, f := range frames {
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
		big = big.Union(f.Rect)
	}
	g.Config.Width, g.Config.Height = big.Dx()+big.Min.X, big.Dy()+big.Min.Y
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	data[6], data[7], data[8], data[9] = byte(w), byte(w>>8), byte(h), byte(h>>8)
	return data
}

// photoFrame is a frame of real photo pixels (testdata/formats'
// palette PNG, cut to r and moved to r's position) with the palette pal.
func photoFrame(t *testing.T, r image.Rectangle, pal color.Palette) *image.Paletted {
	t.Helper()
	src := readPNGFile(t, filepath.Join(repoTestdata, "formats", "leaf-rgb8.png"))
	f := image.NewPaletted(r, pal)
	draw.Draw(f, r, src, image.Pt(40, 30), draw.Src)
	return f
}

// expectCanvas is the picture a browser shows for a first frame f on a
// canvas: f's colours inside it, transparent black elsewhere.
func expectCanvas(canvas image.Rectangle, f *image.Paletted) *image.RGBA {
	want := image.NewRGBA(canvas)
	draw.Draw(want, f.Rect, f, f.Rect.Min, draw.Src)
	return want
}

func TestDecodeGIFCanvas(t *testing.T) {
	small := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{200, 30, 30, 255}, color.RGBA{250, 250, 250, 255}, color.RGBA{30, 90, 200, 255}}
	cases := []struct {
		name       string
		w, h       int
		frame      image.Rectangle
		pal        color.Palette
		wantCanvas image.Rectangle
	}{
		// No transparent palette entry, index 0 black: the uncovered area
		// used to be painted with entry 0 (or the background index).
		{"small frame, 4-colour palette", 60, 40, image.Rect(10, 5, 40, 25), small, image.Rect(0, 0, 60, 40)},
		{"small frame, full 256-colour palette", 60, 40, image.Rect(10, 5, 40, 25), palette.Plan9, image.Rect(0, 0, 60, 40)},
		// Frames overflowing the screen grow the canvas (libnsgif, browsers).
		{"frame larger than the screen", 20, 10, image.Rect(0, 0, 50, 30), palette.Plan9, image.Rect(0, 0, 50, 30)},
		{"frame past the screen's corner", 40, 30, image.Rect(25, 20, 55, 38), small, image.Rect(0, 0, 55, 38)},
		{"zero-size screen", 0, 0, image.Rect(0, 0, 33, 21), small, image.Rect(0, 0, 33, 21)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := photoFrame(t, c.frame, c.pal)
			later := image.NewPaletted(image.Rect(0, 0, 5, 5), c.pal)
			data := gifOf(t, c.w, c.h, f, later)
			h, err := ProbeBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			if h.Width != c.wantCanvas.Dx() || h.Height != c.wantCanvas.Dy() {
				t.Errorf("probe %dx%d, want %v", h.Width, h.Height, c.wantCanvas.Size())
			}
			img, err := Decode(GIF, data)
			if err != nil {
				t.Fatal(err)
			}
			checkPSNR(t, c.name, img, expectCanvas(c.wantCanvas, f), identical)
		})
	}
}

// TestDecodeGIFNoColourTable: a GIF with neither a global nor a local
// colour table decodes with the default palette (0 black, 1 white).
func TestDecodeGIFNoColourTable(t *testing.T) {
	bw := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}}
	f := image.NewPaletted(image.Rect(0, 0, 16, 8), bw)
	for y := range 8 {
		for x := range 16 {
			f.Pix[f.PixOffset(x, y)] = uint8((x/4 + y/4) % 2)
		}
	}
	data := gifOf(t, 16, 8, f)
	if data[10]&0x80 == 0 {
		t.Fatal("expected Go's encoder to write a global colour table")
	}
	// Remove the global colour table.
	n := 3 << (data[10]&7 + 1)
	stripped := append(bytes.Clone(data[:13]), data[13+n:]...)
	stripped[10] &^= 0x87
	if _, err := gif.Decode(bytes.NewReader(stripped)); err == nil {
		t.Fatal("image/gif accepts a GIF without colour table: test is moot")
	}
	img, err := Decode(GIF, stripped)
	if err != nil {
		t.Fatal(err)
	}
	checkPSNR(t, "no colour table", img, f, identical)
}

// TestDecodeGIFRepoFirstFrame: the repository's 3-frame animation decodes
// as its first frame, the same picture as image/gif's first frame.
func TestDecodeGIFRepoFirstFrame(t *testing.T) {
	data := readRepoFile(t, "formats/leaf-anim-3frames.gif")
	all, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	img, err := Decode(GIF, data)
	if err != nil {
		t.Fatal(err)
	}
	checkPSNR(t, "leaf-anim-3frames.gif", img, all.Image[0], identical)
	if img.Bounds() != all.Image[0].Bounds() {
		t.Errorf("bounds %v", img.Bounds())
	}
}
