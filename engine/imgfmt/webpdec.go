package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"

	"github.com/gen2brain/webp"
)

// WebP is decoded by libwebp (github.com/gen2brain/webp, WebAssembly under
// wazero with -tags nodynamic), not golang.org/x/image/webp, whose VP8
// colour conversion is wrong (about 28 dB against dwebp: washed-out colours).
//
// gen2brain/webp's Decode returns lossy stills as raw YUV 4:2:0 planes in an
// image.NYCbCrA, which Go converts with the full-range JPEG formula: the same
// error again (VP8 is limited range), and it takes lossless files through
// YUV too. Its DecodeAll goes through libwebp's WebPAnimDecoder, which asks
// libwebp itself for RGBA (premultiplied, fancy chroma upsampling, as dwebp
// does) and handles stills as one-frame animations; that is what decodeWebP
// uses. For an animation, DecodeAll would decode every frame and size its
// buffer for all of them, so decodeWebP first cuts the first frame out into
// a still file of its own (webpFirstFrame).

// webpMaxWASMBytes bounds what one libwebp decode may need inside the
// 32-bit WebAssembly memory: the input, the animation decoder's canvas and
// its previous-frame copy, and the output buffer (four RGBA images).
const webpMaxWASMBytes = 3 << 30

// decodeWebP decodes the first frame of a WebP file (a still image or the
// first frame of an animation, placed on the animation's canvas over
// transparent black) as *image.RGBA.
func decodeWebP(data []byte) (image.Image, error) {
	still, canvas, at, err := webpFirstFrame(data)
	if err != nil {
		return nil, err
	}
	cfgW, cfgH, err := webpStillSize(still)
	if err != nil {
		return nil, err
	}
	if need := 4*4*int64(cfgW)*int64(cfgH) + int64(len(still)); need > webpMaxWASMBytes {
		return nil, fmt.Errorf("%dx%d is too large for the WebP decoder's 4 GiB memory", cfgW, cfgH)
	}
	dec, err := webp.DecodeAll(bytes.NewReader(still))
	if err != nil {
		return nil, webpError(err)
	}
	if len(dec.Image) == 0 { // libwebp's demuxer found no complete frame
		return nil, errWebPUndecodable
	}
	frame, ok := dec.Image[0].(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("libwebp returned %T, want *image.RGBA", dec.Image[0])
	}
	if frame.Rect.Dx() != cfgW || frame.Rect.Dy() != cfgH {
		return nil, fmt.Errorf("decoded %dx%d, header says %dx%d", frame.Rect.Dx(), frame.Rect.Dy(), cfgW, cfgH)
	}
	// The frame's pixels are a view into the decoder's WebAssembly memory
	// (input, canvases and all); copy them out so that memory can go.
	if canvas.Empty() {
		canvas = frame.Rect
	}
	out := image.NewRGBA(canvas)
	r := frame.Rect.Add(at).Intersect(canvas)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)],
			frame.Pix[frame.PixOffset(r.Min.X-at.X, y-at.Y):frame.PixOffset(r.Max.X-at.X, y-at.Y)])
	}
	return out, nil
}

// webpError turns gen2brain/webp's "webp: decode failed" into what the
// user needs to read: libwebp gives no reason.
func webpError(err error) error {
	if errors.Is(err, webp.ErrDecode) {
		return errWebPUndecodable
	}
	return err
}

var errWebPUndecodable = errors.New("libwebp could not decode the file (corrupt or truncated bitstream)")

// webpStillSize returns the dimensions of a still WebP file (simple VP8 or
// VP8L, or VP8X).
func webpStillSize(still []byte) (int, int, error) {
	h, err := ProbeBytes(still)
	if err != nil {
		return 0, 0, err
	}
	return h.Width, h.Height, nil
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
