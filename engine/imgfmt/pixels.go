package imgfmt

import (
	"compress/zlib"
	"image"
	"image/color"
	"image/draw"
	"io"

	"github.com/imgpar/imgpar/engine/internal/ycc"
)

func zlibWriter(w io.Writer) (*zlib.Writer, error) {
	return zlib.NewWriterLevel(w, zlib.BestCompression)
}

// isOpaque reports whether img is known to be fully opaque.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// compactPix reports whether a 4-byte-per-pixel buffer holds exactly the
// rectangle's pixels with no row padding (as the WebAssembly codecs need).
func compactPix(pix []uint8, stride int, r image.Rectangle) bool {
	return stride == 4*r.Dx() && len(pix) == 4*r.Dx()*r.Dy()
}

// toRGBA returns img as a compact *image.RGBA (premultiplied alpha), without
// a copy when it already is one.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.RGBA:
		if compactPix(m.Pix, m.Stride, b) {
			return m
		}
	case *image.YCbCr:
		// Not draw.Draw, whose color.YCbCrToRGB is biased by up to half a
		// level (engine/internal/ycc).
		dst := ycc.ToRGBA(m)
		dst.Rect = image.Rect(0, 0, b.Dx(), b.Dy())
		return dst
	case *image.NRGBA:
		dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			s := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
			for i := 0; i < len(s); i += 4 {
				a := uint32(s[i+3])
				switch a {
				case 255:
					copy(d[i:i+4], s[i:i+4])
				case 0:
					d[i], d[i+1], d[i+2], d[i+3] = 0, 0, 0, 0
				default:
					d[i+0] = uint8((uint32(s[i+0])*a + 127) / 255)
					d[i+1] = uint8((uint32(s[i+1])*a + 127) / 255)
					d[i+2] = uint8((uint32(s[i+2])*a + 127) / 255)
					d[i+3] = uint8(a)
				}
			}
		}
		return dst
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// toNRGBA returns img as a compact *image.NRGBA (straight alpha), without a
// copy when it already is one.
func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.NRGBA:
		if compactPix(m.Pix, m.Stride, b) {
			return m
		}
		dst := image.NewNRGBA(r)
		for y := 0; y < b.Dy(); y++ {
			copy(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], m.Pix[y*m.Stride:])
		}
		return dst
	case *image.RGBA:
		if m.Opaque() {
			// Premultiplied and straight alpha agree when alpha is 255.
			rgba := toRGBA(m)
			return &image.NRGBA{Pix: rgba.Pix, Stride: rgba.Stride, Rect: r}
		}
	}
	if isOpaque(img) {
		// draw has fast paths into *image.RGBA (YCbCr, Gray, ...).
		rgba := toRGBA(img)
		return &image.NRGBA{Pix: rgba.Pix, Stride: rgba.Stride, Rect: r}
	}
	dst := image.NewNRGBA(r)
	draw.Draw(dst, r, img, b.Min, draw.Src)
	return dst
}

// flatten returns an opaque image: img itself if it is known opaque (an
// opaque *image.NRGBA is returned as an *image.RGBA view of the same
// pixels, which the encoders handle fastest), else img composited over bg.
func flatten(img image.Image, bg color.NRGBA) image.Image {
	b := img.Bounds()
	if isOpaque(img) {
		switch m := img.(type) {
		case *image.NRGBA:
			return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		case *image.RGBA, *image.Gray, *image.YCbCr:
			return m
		}
		return toRGBA(img)
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	br, bgG, bb := uint32(bg.R), uint32(bg.G), uint32(bg.B)
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < b.Dy(); y++ {
			s := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
			for i := 0; i < len(s); i += 4 {
				a := uint32(s[i+3])
				na := 255 - a
				d[i+0] = uint8((uint32(s[i+0])*a + br*na + 127) / 255)
				d[i+1] = uint8((uint32(s[i+1])*a + bgG*na + 127) / 255)
				d[i+2] = uint8((uint32(s[i+2])*a + bb*na + 127) / 255)
				d[i+3] = 255
			}
		}
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			s := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
			for i := 0; i < len(s); i += 4 {
				na := 255 - uint32(s[i+3])
				d[i+0] = uint8(min(255, uint32(s[i+0])+(br*na+127)/255))
				d[i+1] = uint8(min(255, uint32(s[i+1])+(bgG*na+127)/255))
				d[i+2] = uint8(min(255, uint32(s[i+2])+(bb*na+127)/255))
				d[i+3] = 255
			}
		}
	default:
		draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	}
	return dst
}

// quantize maps img onto an adaptive palette of at most 256 colours (median
// cut over a 5-bit-per-channel histogram, weighted by pixel count) with
// Floyd–Steinberg error diffusion. Pixels with alpha below 128 become a
// transparent palette entry; the rest are composited over bg.
func quantize(img image.Image, bg color.NRGBA) *image.Paletted {
	src := toNRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	// Opaque colours after compositing, and which pixels are transparent.
	rgb := make([]uint8, 3*w*h)
	transparent := make([]bool, w*h)
	hasTransparent := false
	var hist [1 << 15]struct {
		n       uint32
		r, g, b uint64
	}
	for i := 0; i < w*h; i++ {
		s := src.Pix[4*i : 4*i+4]
		a := uint32(s[3])
		if a < 128 {
			transparent[i], hasTransparent = true, true
			continue
		}
		na := 255 - a
		r := uint8((uint32(s[0])*a + uint32(bg.R)*na + 127) / 255)
		g := uint8((uint32(s[1])*a + uint32(bg.G)*na + 127) / 255)
		b := uint8((uint32(s[2])*a + uint32(bg.B)*na + 127) / 255)
		rgb[3*i], rgb[3*i+1], rgb[3*i+2] = r, g, b
		k := binKey(r, g, b)
		hist[k].n++
		hist[k].r += uint64(r)
		hist[k].g += uint64(g)
		hist[k].b += uint64(b)
	}
	maxColours := 256
	if hasTransparent {
		maxColours = 255
	}
	var bins []uint16
	for k := range hist {
		if hist[k].n > 0 {
			bins = append(bins, uint16(k))
		}
	}
	boxes := medianCut(bins, func(k uint16) uint32 { return hist[k].n }, maxColours)
	pal := make(color.Palette, 0, len(boxes)+1)
	for _, bx := range boxes {
		var n, r, g, b uint64
		for _, k := range bx {
			n += uint64(hist[k].n)
			r += hist[k].r
			g += hist[k].g
			b += hist[k].b
		}
		pal = append(pal, color.RGBA{uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((b + n/2) / n), 255})
	}
	transIndex := -1
	if hasTransparent {
		transIndex = len(pal)
		pal = append(pal, color.RGBA{})
	}
	if len(pal) == 0 {
		pal = append(pal, color.RGBA{0, 0, 0, 255})
	}
	dst := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	ditherFS(dst, rgb, transparent, transIndex, len(boxes))
	return dst
}

func binKey(r, g, b uint8) uint16 {
	return uint16(r>>3)<<10 | uint16(g>>3)<<5 | uint16(b>>3)
}

// medianCut splits the set of histogram bins into at most n boxes,
// repeatedly splitting the box with the largest count × extent along its
// longest axis at the population median.
func medianCut(bins []uint16, count func(uint16) uint32, n int) [][]uint16 {
	if len(bins) == 0 {
		return nil
	}
	boxes := [][]uint16{bins}
	for len(boxes) < n {
		best, bestScore, bestAxis := -1, 0.0, 0
		for i, bx := range boxes {
			if len(bx) < 2 {
				continue
			}
			axis, extent := longestAxis(bx)
			var total uint64
			for _, k := range bx {
				total += uint64(count(k))
			}
			if score := float64(total) * float64(extent); score > bestScore {
				best, bestScore, bestAxis = i, score, axis
			}
		}
		if best < 0 {
			break
		}
		bx := boxes[best]
		shift := uint(10 - 5*bestAxis)
		// Counting sort by the axis coordinate (0..31).
		var buckets [32][]uint16
		var total uint64
		for _, k := range bx {
			c := k >> shift & 31
			buckets[c] = append(buckets[c], k)
			total += uint64(count(k))
		}
		sorted := bx[:0:0]
		for _, b := range buckets {
			sorted = append(sorted, b...)
		}
		// Split where the running count passes half, keeping both sides
		// non-empty and on a coordinate boundary.
		var run uint64
		cut := 0
		for i, k := range sorted {
			run += uint64(count(k))
			if run*2 >= total {
				cut = i + 1
				break
			}
		}
		c := sorted[min(cut, len(sorted)-1)] >> shift & 31
		for cut < len(sorted) && sorted[cut]>>shift&31 == c && cut > 0 && sorted[cut-1]>>shift&31 == c {
			cut++
		}
		if cut <= 0 || cut >= len(sorted) {
			// All on one side: split by coordinate instead.
			cut = 1
			for cut < len(sorted) && sorted[cut]>>shift&31 == sorted[0]>>shift&31 {
				cut++
			}
		}
		boxes[best] = sorted[:cut]
		boxes = append(boxes, sorted[cut:])
	}
	return boxes
}

// longestAxis returns the channel (0 r, 1 g, 2 b) with the largest extent
// of 5-bit coordinates in a box, and that extent.
func longestAxis(bx []uint16) (axis, extent int) {
	lo := [3]int{31, 31, 31}
	hi := [3]int{}
	for _, k := range bx {
		for a := range 3 {
			c := int(k >> uint(10-5*a) & 31)
			lo[a] = min(lo[a], c)
			hi[a] = max(hi[a], c)
		}
	}
	for a := range 3 {
		if hi[a]-lo[a] > extent {
			axis, extent = a, hi[a]-lo[a]
		}
	}
	return axis, extent
}

// ditherFS fills dst.Pix from rgb with Floyd–Steinberg error diffusion over
// the first n palette entries (the opaque ones); transparent pixels get
// transIndex and spread no error.
func ditherFS(dst *image.Paletted, rgb []uint8, transparent []bool, transIndex, n int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	pal := make([][3]int32, n)
	for i := range n {
		c := dst.Palette[i].(color.RGBA)
		pal[i] = [3]int32{int32(c.R), int32(c.G), int32(c.B)}
	}
	var cache [1 << 15]int16
	for i := range cache {
		cache[i] = -1
	}
	nearest := func(r, g, b int32) int {
		k := binKey(uint8(r), uint8(g), uint8(b))
		if c := cache[k]; c >= 0 {
			return int(c)
		}
		// Match the bin's centre so the cache is exact for its key.
		cr, cg, cb := r&^7|4, g&^7|4, b&^7|4
		best, bestD := 0, int32(1<<30)
		for i, p := range pal {
			dr, dg, db := p[0]-cr, p[1]-cg, p[2]-cb
			if d := 3*dr*dr + 4*dg*dg + 2*db*db; d < bestD {
				best, bestD = i, d
			}
		}
		cache[k] = int16(best)
		return best
	}
	// Errors in 1/16 units for this row and the next, with a one-pixel
	// margin on each side.
	cur := make([][3]int32, w+2)
	next := make([][3]int32, w+2)
	for y := range h {
		for x := range w {
			i := y*w + x
			if transparent[i] || n == 0 {
				dst.Pix[y*dst.Stride+x] = uint8(max(transIndex, 0))
				continue
			}
			var v [3]int32
			for c := range 3 {
				v[c] = min(255, max(0, int32(rgb[3*i+c])+(cur[x+1][c]+8)>>4))
			}
			idx := nearest(v[0], v[1], v[2])
			dst.Pix[y*dst.Stride+x] = uint8(idx)
			for c := range 3 {
				e := v[c] - pal[idx][c]
				cur[x+2][c] += e * 7
				next[x][c] += e * 3
				next[x+1][c] += e * 5
				next[x+2][c] += e
			}
		}
		cur, next = next, cur
		clear(next)
	}
}
