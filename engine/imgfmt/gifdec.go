package imgfmt

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"
)

// GIF input is the first frame, as sharp reads a GIF by default (page 0).
// image/gif stops reading after the first image descriptor, so a GIF of
// thousands of frames costs one frame. Three departures from the letter of
// the GIF89a spec, made the way browsers and libvips (libnsgif) make them:
//
//   - A first frame larger than the logical screen, or lying partly outside
//     it, grows the canvas to hold it (libnsgif: "allow first frame to grow
//     image dimensions"; Firefox and Chrome do the same). image/gif refuses
//     such a file ("frame bounds larger than image bounds"); Probe reports
//     the grown size.
//   - A first frame smaller than the canvas leaves the rest of the canvas
//     transparent, as browsers and libnsgif draw it (the background colour
//     index is not painted; browsers ignore it).
//   - A GIF with neither a global nor a local colour table gets a default
//     palette: entry 0 black, entry 1 white (libnsgif, MuPDF), the others
//     black.

// gifFrame is what the first image descriptor says.
type gifFrame struct {
	rect       image.Rectangle
	localTable bool
}

// gifMaxBlocks bounds the extension sub-blocks the first-frame scan walks
// before it gives up and keeps the logical screen's size.
const gifMaxBlocks = 1 << 16

// gifFirstFrame walks a GIF's blocks up to the first image descriptor. It
// reports false when there is none within the scan's limits (the file is
// then left to the decoder to judge).
func gifFirstFrame(p *probeReader) (gifFrame, bool) {
	b, err := p.at(0, 13)
	if err != nil {
		return gifFrame{}, false
	}
	off := int64(13)
	if b[10]&0x80 != 0 {
		off += 3 << (b[10]&7 + 1)
	}
	for blocks := 0; blocks < gifMaxBlocks && off <= probeMaxOffset; {
		c, err := p.at(off, 1)
		if err != nil {
			return gifFrame{}, false
		}
		switch c[0] {
		case 0x2C: // image descriptor
			d, err := p.at(off+1, 9)
			if err != nil {
				return gifFrame{}, false
			}
			x, y := int(le16(d)), int(le16(d[2:]))
			w, h := int(le16(d[4:])), int(le16(d[6:]))
			return gifFrame{rect: image.Rect(x, y, x+w, y+h), localTable: d[8]&0x80 != 0}, true
		case 0x21: // extension: label, then sub-blocks up to a zero length
			off += 2
			for ; blocks < gifMaxBlocks; blocks++ {
				n, err := p.at(off, 1)
				if err != nil {
					return gifFrame{}, false
				}
				off += 1 + int64(n[0])
				if n[0] == 0 {
					break
				}
			}
		default: // trailer or garbage: no frame
			return gifFrame{}, false
		}
	}
	return gifFrame{}, false
}

// gifCanvas is the size a GIF decodes to: the logical screen, grown to
// hold the first frame.
func gifCanvas(screen image.Rectangle, f gifFrame, ok bool) image.Rectangle {
	if !ok || f.rect.Empty() {
		return screen
	}
	return image.Rect(0, 0, max(screen.Max.X, f.rect.Max.X), max(screen.Max.Y, f.rect.Max.Y))
}

// defaultGIFPalette is the 256-entry colour table given to a GIF that has
// none: black, white, then black.
var defaultGIFPalette = func() []byte {
	p := make([]byte, 3*256)
	p[3], p[4], p[5] = 255, 255, 255
	return p
}()

func decodeGIF(data []byte) (image.Image, error) {
	if len(data) < 13 {
		return gif.Decode(bytes.NewReader(data)) // reports the truncation
	}
	frame, ok := gifFirstFrame(&probeReader{size: int64(len(data)), head: data})
	screen := image.Rect(0, 0, int(le16(data[6:])), int(le16(data[8:])))
	canvas := gifCanvas(screen, frame, ok)
	if canvas.Dx() > 0xFFFF || canvas.Dy() > 0xFFFF {
		return nil, errors.New("first frame extends the canvas beyond 65535 pixels")
	}
	// Give image/gif a logical screen that holds the frame and, if the file
	// has no colour table at all, the default one.
	head := bytes.Clone(data[:13])
	head[6], head[7] = byte(canvas.Dx()), byte(canvas.Dx()>>8)
	head[8], head[9] = byte(canvas.Dy()), byte(canvas.Dy()>>8)
	parts := []io.Reader{bytes.NewReader(head)}
	if head[10]&0x80 == 0 && ok && !frame.localTable {
		head[10] |= 0x80 | 7
		parts = append(parts, bytes.NewReader(defaultGIFPalette))
	}
	parts = append(parts, bytes.NewReader(data[13:]))
	img, err := gif.Decode(io.MultiReader(parts...))
	if err != nil {
		return nil, err
	}
	p, isPaletted := img.(*image.Paletted)
	if !isPaletted || p.Rect == canvas {
		return img, nil
	}
	// The frame covers part of the canvas: the rest is transparent. A
	// palette with a free slot takes a transparent entry and stays
	// paletted; a full one becomes RGBA.
	if len(p.Palette) < 256 {
		pal := append(append(color.Palette(nil), p.Palette...), color.RGBA{})
		clear := uint8(len(pal) - 1)
		out := image.NewPaletted(canvas, pal)
		for i := range out.Pix {
			out.Pix[i] = clear
		}
		r := p.Rect.Intersect(canvas)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)],
				p.Pix[p.PixOffset(r.Min.X, y):p.PixOffset(r.Max.X, y)])
		}
		return out, nil
	}
	out := image.NewRGBA(canvas)
	draw.Draw(out, p.Rect, p, p.Rect.Min, draw.Src)
	return out, nil
}
