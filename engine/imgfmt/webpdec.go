package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"

	xwebp "golang.org/x/image/webp"
)

// WebP input: golang.org/x/image/webp decodes the bitstream (VP8 planes,
// VP8L, ALPH) and imgpar converts lossy YUV to RGB itself, the way libwebp
// does. x/image/webp's own result is an image.YCbCr, which Go converts with
// the full-range JPEG formula: VP8 is limited range, so every lossy WebP came
// out washed out (about 28 dB against dwebp). webpToRGBA is libwebp's
// conversion (src/dsp/yuv.h: 14-bit fixed point, BT.601 limited range) with
// its default "fancy" chroma upsampling (src/dsp/upsampling.c), so the
// result is identical to dwebp's, and the decode stays pure Go: about four
// times faster than libwebp compiled to WebAssembly (gen2brain/webp) on this
// machine, with no module to compile per worker.
//
// Port note: webpYUVToRGB, webpClip8 and webpUpsampleRows are Go
// transcriptions of libwebp's VP8YuvToRgb/VP8Clip8 (src/dsp/yuv.h) and
// UpsampleRgbaLinePair (src/dsp/upsampling.c, the UPSAMPLE_FUNC macro),
// libwebp 1.2.4 (unchanged since 0.5), BSD-3-Clause, Copyright 2010-2011
// Google Inc. Changed: plain Go, one pixel format (RGBA, alpha filled
// afterwards). TestDecodeWebPMatchesDwebp proves them identical to dwebp.
//
// Animated WebP: the first ANMF frame is cut out into a still file of its
// own (webpFirstFrame), decoded, and placed on the animation's canvas over
// transparent black, as libwebp's animation decoder draws the first frame
// (sharp's default page 0). Later frames are not read.

// decodeWebP decodes a still WebP, or the first frame of an animated one on
// its canvas: lossy as *image.NRGBA (or *image.RGBA when opaque), lossless
// as x/image/webp returns it.
func decodeWebP(data []byte) (image.Image, error) {
	still, canvas, at, err := webpFirstFrame(data)
	if err != nil {
		return nil, err
	}
	img, err := xwebp.Decode(bytes.NewReader(still))
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		img = webpToRGBA(m, nil, 0)
	case *image.NYCbCrA:
		img = webpToRGBA(&m.YCbCr, m.A, m.AStride)
	}
	if canvas.Empty() || img.Bounds().Add(at) == canvas {
		return img, nil
	}
	out := image.NewNRGBA(canvas)
	draw.Draw(out, img.Bounds().Add(at), img, img.Bounds().Min, draw.Src)
	return out, nil
}

// webpToRGBA converts VP8's 4:2:0 planes to RGB as libwebp does, with
// alpha when a (stride as) is given: *image.NRGBA then (straight alpha,
// as dwebp writes it), *image.RGBA otherwise.
func webpToRGBA(m *image.YCbCr, a []uint8, as int) image.Image {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	var pix []uint8
	var stride int
	var out image.Image
	if a != nil {
		o := image.NewNRGBA(image.Rect(0, 0, w, h))
		pix, stride, out = o.Pix, o.Stride, o
	} else {
		o := image.NewRGBA(image.Rect(0, 0, w, h))
		pix, stride, out = o.Pix, o.Stride, o
	}
	if w == 0 || h == 0 {
		return out
	}
	y0 := m.YOffset(m.Rect.Min.X, m.Rect.Min.Y)
	c0 := m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	yRow := func(y int) []uint8 { return m.Y[y0+y*m.YStride:] }
	uRow := func(y int) []uint8 { return m.Cb[c0+y*m.CStride:] }
	vRow := func(y int) []uint8 { return m.Cr[c0+y*m.CStride:] }
	dRow := func(y int) []uint8 { return pix[y*stride:] }
	// libwebp's EmitFancyRGB: the first row alone (its chroma row used as
	// both neighbours), then pairs of rows between two chroma rows, then
	// the last row alone when the height is even.
	webpUpsampleRows(yRow(0), nil, uRow(0), vRow(0), uRow(0), vRow(0), dRow(0), nil, w)
	for y := 1; y+1 < h; y += 2 {
		k := (y + 1) / 2
		webpUpsampleRows(yRow(y), yRow(y+1), uRow(k-1), vRow(k-1), uRow(k), vRow(k), dRow(y), dRow(y+1), w)
	}
	if h%2 == 0 && h > 1 {
		k := (h - 1) / 2
		webpUpsampleRows(yRow(h-1), nil, uRow(k), vRow(k), uRow(k), vRow(k), dRow(h-1), nil, w)
	}
	if a != nil {
		for y := range h {
			d, s := dRow(y), a[y*as:y*as+w]
			for x, v := range s {
				d[4*x+3] = v
			}
		}
	}
	return out
}

// webpUpsampleRows is libwebp's UpsampleRgbaLinePair: the chroma of each
// pixel is interpolated from the four nearest chroma samples with weights
// 9/16, 3/16, 3/16, 1/16 (U and V packed in one word, as libwebp does, so
// the rounding is the same).
func webpUpsampleRows(topY, botY, topU, topV, curU, curV, topDst, botDst []uint8, n int) {
	uv := func(u, v uint8) uint32 { return uint32(u) | uint32(v)<<16 }
	last := (n - 1) >> 1
	tl, l := uv(topU[0], topV[0]), uv(curU[0], curV[0])
	put := func(y uint8, c uint32, d []uint8) { webpYUVToRGB(int(y), int(c&0xff), int(c>>16&0xff), d) }
	put(topY[0], (3*tl+l+0x00020002)>>2, topDst)
	if botY != nil {
		put(botY[0], (3*l+tl+0x00020002)>>2, botDst)
	}
	for x := 1; x <= last; x++ {
		t, c := uv(topU[x], topV[x]), uv(curU[x], curV[x])
		avg := tl + t + l + c + 0x00080008
		diag12 := (avg + 2*(t+l)) >> 3
		diag03 := (avg + 2*(tl+c)) >> 3
		put(topY[2*x-1], (diag12+tl)>>1, topDst[(2*x-1)*4:])
		put(topY[2*x], (diag03+t)>>1, topDst[2*x*4:])
		if botY != nil {
			put(botY[2*x-1], (diag03+l)>>1, botDst[(2*x-1)*4:])
			put(botY[2*x], (diag12+c)>>1, botDst[2*x*4:])
		}
		tl, l = t, c
	}
	if n&1 == 0 {
		put(topY[n-1], (3*tl+l+0x00020002)>>2, topDst[(n-1)*4:])
		if botY != nil {
			put(botY[n-1], (3*l+tl+0x00020002)>>2, botDst[(n-1)*4:])
		}
	}
}

// webpYUVToRGB is libwebp's VP8YuvToRgb (BT.601, limited range, 14-bit
// fixed point), writing R, G, B and an opaque alpha.
func webpYUVToRGB(y, u, v int, d []uint8) {
	mulHi := func(v, c int) int { return (v * c) >> 8 }
	yy := mulHi(y, 19077)
	d[0] = webpClip8(yy + mulHi(v, 26149) - 14234)
	d[1] = webpClip8(yy - mulHi(u, 6419) - mulHi(v, 13320) + 8708)
	d[2] = webpClip8(yy + mulHi(u, 33050) - 17685)
	d[3] = 255
}

func webpClip8(v int) uint8 {
	if v&^(256<<6-1) == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// webpFirstFrame returns data itself for a still WebP. For an animated one
// (VP8X with the animation flag) it returns a still WebP file made of the
// first ANMF frame's image chunks (ALPH + VP8, or VP8L), the canvas
// rectangle, and where on the canvas the frame lies. The first frame is
// drawn on a transparent canvas, so blending and disposal do not matter:
// canvas and frame are all the first picture is.
func webpFirstFrame(data []byte) (still []byte, canvas image.Rectangle, at image.Point, err error) {
	if len(data) < 30 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" ||
		string(data[12:16]) != "VP8X" || data[20]&0x02 == 0 {
		return data, image.Rectangle{}, image.Point{}, nil
	}
	cw, ch := int(le24(data[24:]))+1, int(le24(data[27:]))+1
	canvas = image.Rect(0, 0, cw, ch)
	end := min(len(data), 8+int(le32(data[4:])))
	for off := 12; off+8 <= end; {
		n := int(le32(data[off+4:]))
		if n < 0 || off+8+n > end {
			return nil, canvas, at, fmt.Errorf("animated WebP cut short inside its %q chunk", data[off:off+4])
		}
		if string(data[off:off+4]) != "ANMF" {
			off += 8 + n + n&1
			continue
		}
		body := data[off+8 : off+8+n]
		if len(body) < 16 {
			return nil, canvas, at, errors.New("animation frame (ANMF) chunk too short")
		}
		at = image.Pt(2*int(le24(body)), 2*int(le24(body[3:])))
		fw, fh := int(le24(body[6:]))+1, int(le24(body[9:]))+1
		if !image.Rect(at.X, at.Y, at.X+fw, at.Y+fh).In(canvas) {
			return nil, canvas, at, fmt.Errorf("first animation frame %dx%d at (%d,%d) lies outside the %dx%d canvas", fw, fh, at.X, at.Y, cw, ch)
		}
		return webpStillFromFrame(body[16:], fw, fh), canvas, at, nil
	}
	return nil, canvas, at, errors.New("animated WebP without any frame (ANMF chunk)")
}

// webpStillFromFrame wraps a frame's image chunks (ALPH, VP8, VP8L; others
// dropped) in a RIFF container of their own: VP8X when there is an ALPH
// chunk, the simple format otherwise.
func webpStillFromFrame(chunks []byte, w, h int) []byte {
	var img bytes.Buffer
	hasAlpha := false
	for off := 0; off+8 <= len(chunks); {
		n := int(le32(chunks[off+4:]))
		if n < 0 || off+8+n > len(chunks) {
			// A cut-short chunk: pass it on whole and let libwebp say so.
			img.Write(chunks[off:])
			break
		}
		next := off + 8 + n + n&1
		switch string(chunks[off : off+4]) {
		case "ALPH":
			hasAlpha = true
			fallthrough
		case "VP8 ", "VP8L":
			img.Write(chunks[off:min(next, len(chunks))])
		}
		off = next
	}
	var out bytes.Buffer
	out.WriteString("RIFF\x00\x00\x00\x00WEBP")
	if hasAlpha {
		out.WriteString("VP8X")
		out.Write([]byte{10, 0, 0, 0, 0x10, 0, 0, 0})
		out.Write(le24bytes(w - 1))
		out.Write(le24bytes(h - 1))
	}
	out.Write(img.Bytes())
	b := out.Bytes()
	n := uint32(len(b) - 8)
	b[4], b[5], b[6], b[7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return b
}

func le24bytes(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }
