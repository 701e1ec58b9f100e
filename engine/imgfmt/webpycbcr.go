package imgfmt

import (
	"context"
	"image"
	"io"

	"github.com/tetratelabs/wazero/api"
)

// Lossy WebP from YCbCr planes (encodeWebP takes this path for every
// *image.YCbCr it can: JPEG input, single outputs and sets alike). libwebp
// codes lossy WebP as 4:2:0 Y'CbCr in BT.601's studio range; from RGBA it
// converts every pixel itself (WebPPictureImportRGBA, then its RGB to YUV
// with 2x2 chroma averaging), after the JPEG's YCbCr planes were converted
// to RGBA. From the planes, the module's encode is given YUV420A instead
// (the same export and settings, colorspace WEBP_YUV420A, as gen2brain/webp's
// glue allows): luma and chroma mapped from JPEG's full range to the studio
// range (Y' = 16 + Y*219/255, C' = 128 + (C-128)*224/255, the scaling
// libwebp's VP8RGBToY/U/V build in), chroma averaged 2x2 where the planes
// are 4:4:4, and an opaque alpha plane (libwebp writes no alpha for it).
// That is two whole-image conversions and a 4-byte per pixel copy fewer;
// the file is not the RGBA path's byte for byte (rounding, and chroma
// averaged in Y'CbCr rather than in libwebp's gamma-adjusted RGB), and
// TestWebPFromYCbCr bounds the difference.

// webpYUVA is libwebp's WEBP_YUV420A: 4:2:0 planes with an alpha plane.
const webpYUVA = 4

// studioY and studioC map full-range JPEG luma and chroma to BT.601's
// studio range, rounded to nearest.
var studioY, studioC = func() (y, c [256]uint8) {
	for i := range 256 {
		y[i] = uint8((i*219 + 16*255 + 127) / 255)
		d := (i - 128) * 224
		if d >= 0 {
			d = (d + 127) / 255
		} else {
			d = -((-d + 127) / 255)
		}
		c[i] = uint8(128 + d)
	}
	return y, c
}()

// yuvSource reports whether img takes the YUV path: *image.YCbCr at 4:4:4,
// 4:2:0, 4:2:2 or 4:4:0 whose chroma lines up with its luma from the
// top-left corner.
func yuvSource(img image.Image) (*image.YCbCr, bool) {
	m, ok := img.(*image.YCbCr)
	if !ok || m.Rect.Min.X%2 != 0 || m.Rect.Min.Y%2 != 0 {
		return nil, false
	}
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440:
		return m, true
	}
	return nil, false
}

// encodeYUV encodes src as lossy WebP from its planes, as encode does from
// RGBA.
func (c *wasmWebP) encodeYUV(w io.Writer, src *image.YCbCr, quality, method int) error {
	quality, method = webpSettings(quality, method)
	return c.run(w, func(ctx context.Context, mod api.Module) ([]byte, error) {
		return wasmWebPEncodeYUV(ctx, mod, src, quality, method)
	})
}

// wasmWebPEncodeYUV is wasmWebPEncode with YUV420A planes for its input.
func wasmWebPEncodeYUV(ctx context.Context, mod api.Module, src *image.YCbCr, quality, method int) ([]byte, error) {
	wd, ht := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := (wd+1)/2, (ht+1)/2
	n := 2*wd*ht + 2*cw*ch // Y, U, V, A, in the glue's order
	fill := func(planes []byte) { fillYUVA(planes, src, wd, ht, cw, ch) }
	return wasmWebPCall(ctx, mod, n, fill, wd, ht, webpYUVA, quality, method, 0, 0)
}

// fillYUVA writes src's planes into dst as libwebp's YUV420A: Y (wd x ht),
// U and V (cw x ch) in the studio range, then an opaque A (wd x ht).
func fillYUVA(dst []byte, src *image.YCbCr, wd, ht, cw, ch int) {
	y, u, v, a := dst[:wd*ht], dst[wd*ht:wd*ht+cw*ch], dst[wd*ht+cw*ch:wd*ht+2*cw*ch], dst[wd*ht+2*cw*ch:]
	y0 := src.YOffset(src.Rect.Min.X, src.Rect.Min.Y)
	for r := range ht {
		row := src.Y[y0+r*src.YStride : y0+r*src.YStride+wd]
		out := y[r*wd : (r+1)*wd]
		for i, p := range row {
			out[i] = studioY[p]
		}
	}
	// Chroma sample (i, j) of the 4:2:0 output covers luma 2i..2i+1 x
	// 2j..2j+1; the source's own chroma planes cover sx x sy luma each.
	sx, sy := 1, 1
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	}
	c0 := src.COffset(src.Rect.Min.X, src.Rect.Min.Y)
	// Source chroma columns and rows: (wd+sx-1)/sx and (ht+sy-1)/sy.
	scw, sch := (wd+sx-1)/sx, (ht+sy-1)/sy
	for _, p := range [2]struct{ in, out []byte }{{src.Cb, u}, {src.Cr, v}} {
		for j := range ch {
			// The source rows this output row averages (one when the
			// source is subsampled down, or at an odd bottom edge).
			r0 := j * 2 / sy
			r1 := min(r0+(2/sy)-1, sch-1)
			in0 := p.in[c0+r0*src.CStride:]
			in1 := p.in[c0+r1*src.CStride:]
			out := p.out[j*cw : (j+1)*cw]
			if sx == 2 {
				for i := range cw {
					out[i] = studioC[(int(in0[i])+int(in1[i])+1)>>1]
				}
				continue
			}
			for i := range cw {
				x0, x1 := 2*i, min(2*i+1, scw-1)
				out[i] = studioC[(int(in0[x0])+int(in0[x1])+int(in1[x0])+int(in1[x1])+2)>>2]
			}
		}
	}
	for i := range a {
		a[i] = 0xff
	}
}
