package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"sync"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"

	"github.com/imgpar/imgpar/engine/raster"
)

// HEIC is decoded by libheif + libde265 (github.com/gen2brain/heic) and
// AVIF by libavif + dav1d/aom (github.com/gen2brain/avif's decoder), both
// WebAssembly under wazero with -tags nodynamic, like the WebP and AVIF
// encoders. Compiling a module costs CPU time once per process, on the
// first file of the format.
//
// libheif applies the transformative properties (clap, irot, imir) itself;
// libavif does not, so decodeAVIF applies them. Either way the result is
// the displayed picture, the size Probe reports, and the EXIF orientation
// is ignored (and reset to 1 in any EXIF that is kept).
//
// HEIC goes through gen2brain/heic's module but not its Go side
// (heicwasm.go: heic.Decode misreads pictures under 128 pixels wide), and
// an alpha plane is decoded as a picture of its own (heifalpha.go).
//
// libheif hands back YCbCr planes for a colour HEVC image, wrapped in an
// image.YCbCr, whose conversion to RGB is the full-range
// BT.601 one. That is right for what iPhones and libheif's encoder write
// (nclx matrix 6 or 5, full range) and for a file without nclx (libheif's
// default); any other matrix or a limited range is converted here with the
// right coefficients (heifYCbCrToRGBA).

// maxWASMPixels bounds the pictures the WebAssembly decoders are given: a
// 32-bit module has 4 GiB of memory, which must hold the coded planes, the
// decoded picture and libheif's or libavif's working copies.
const maxWASMPixels = 160 << 20

var (
	initHEIC    = sync.OnceValue(func() error { _, err := heicModule(); return err })
	initAVIFDec = sync.OnceValue(func() error { return initOnce("avif", avif.InitDecoder) })
)

func decodeHEIC(data []byte) (image.Image, error) {
	info, err := parseHEIF(data)
	if err != nil {
		return nil, err
	}
	if info.itemType == "av01" { // an AV1 image under a generic HEIF brand
		return decodeAVIF(data)
	}
	if w, h := info.displaySize(); int64(w)*int64(h) > maxWASMPixels {
		return nil, fmt.Errorf("%dx%d is too large for the HEIC decoder's 4 GiB memory", w, h)
	}
	if err := initHEIC(); err != nil {
		return nil, err
	}
	// gen2brain/heic hands back the colour planes only: an alpha plane
	// is decoded on its own (heifalpha.go).
	var alpha *image.Gray
	var premultiplied bool
	if info.alpha {
		if alpha, premultiplied, err = decodeHEICAlpha(data, info.ops); err != nil {
			return nil, err
		}
	}
	colour := data
	if alt, changed, ok := heifForWrapper(data, 0); ok && changed {
		colour = alt
	}
	img, err := heicDecodeWASM(colour)
	if err != nil {
		return nil, heifError("libheif", err)
	}
	out, err := heifOwnedCopy(img, info.nclx)
	if err != nil || alpha == nil {
		return out, err
	}
	return heifAddAlpha(out, alpha, premultiplied)
}

func decodeAVIF(data []byte) (image.Image, error) {
	info, err := parseHEIF(data)
	if err != nil {
		return nil, err
	}
	if info.itemType == "hvc1" { // an HEVC image among AVIF brands
		return decodeHEIC(data)
	}
	if int64(info.width)*int64(info.height) > maxWASMPixels {
		return nil, fmt.Errorf("%dx%d is too large for the AVIF decoder's 4 GiB memory", info.width, info.height)
	}
	if err := initAVIFDec(); err != nil {
		return nil, err
	}
	img, err := avif.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, heifError("libavif", err)
	}
	img = cloneImage(img)
	return applyHEIFOps(img, info.ops), nil
}

// heifError names the library when the wrapper says only "decode failed".
func heifError(lib string, err error) error {
	if errors.Is(err, heic.ErrDecode) || errors.Is(err, avif.ErrDecode) {
		return fmt.Errorf("%s could not decode the file (corrupt, truncated or an unsupported variant)", lib)
	}
	return err
}

// applyHEIFOps applies clap, irot and imir in order.
func applyHEIFOps(img image.Image, ops []heifOp) image.Image {
	for _, op := range ops {
		b := img.Bounds()
		switch op.typ {
		case "irot":
			for range op.rot {
				img = raster.Orient(img, 8)
			}
		case "imir":
			if op.axis == 0 {
				img = raster.Orient(img, 4)
			} else {
				img = raster.Orient(img, 2)
			}
		case "clap":
			if r, ok := op.clapRect(b.Dx(), b.Dy()); ok {
				if s, ok := img.(interface {
					SubImage(image.Rectangle) image.Image
				}); ok {
					img = s.SubImage(r.Add(b.Min))
				}
			}
		}
	}
	return img
}

// cloneImage copies an RGBA or RGBA64 picture out of a decoder's memory.
func cloneImage(img image.Image) image.Image {
	switch s := img.(type) {
	case *image.RGBA:
		return &image.RGBA{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}
	case *image.RGBA64:
		return &image.RGBA64{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}
	}
	return img
}

// heifOwnedCopy copies libheif's output into Go memory, converting YCbCr
// that Go's image.YCbCr would convert wrongly.
func heifOwnedCopy(img image.Image, nclx *heifNCLX) (image.Image, error) {
	switch s := img.(type) {
	case *image.YCbCr:
		if nclx != nil && (!nclx.fullRange || (nclx.matrix != 5 && nclx.matrix != 6 && nclx.matrix != 2)) {
			return heifYCbCrToRGBA(s, nclx), nil
		}
		return &image.YCbCr{
			Y: bytes.Clone(s.Y), Cb: bytes.Clone(s.Cb), Cr: bytes.Clone(s.Cr),
			YStride: s.YStride, CStride: s.CStride, SubsampleRatio: s.SubsampleRatio, Rect: s.Rect,
		}, nil
	case *image.Gray:
		g := &image.Gray{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}
		if nclx != nil && !nclx.fullRange {
			for i, v := range g.Pix {
				g.Pix[i] = clampU8((int(v) - 16) * 255 / 219)
			}
		}
		return g, nil
	case *image.RGBA:
		return &image.RGBA{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}, nil
	case *image.NRGBA:
		return &image.NRGBA{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}, nil
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out, nil
}

// heifYCbCrToRGBA converts with the matrix (H.273: 1 BT.709, 9 BT.2020
// non-constant luminance, anything else BT.601) and range the nclx box
// states, sampling chroma as image.YCbCr does (nearest).
func heifYCbCrToRGBA(s *image.YCbCr, n *heifNCLX) *image.RGBA {
	kr, kb := 0.299, 0.114
	switch n.matrix {
	case 1:
		kr, kb = 0.2126, 0.0722
	case 9, 10:
		kr, kb = 0.2627, 0.0593
	}
	kg := 1 - kr - kb
	ys, yo, cs := 1.0, 0.0, 1.0
	if !n.fullRange {
		ys, yo, cs = 255.0/219, 16, 255.0/224
	}
	b := s.Rect
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			yy := (float64(s.Y[s.YOffset(x, y)]) - yo) * ys
			ci := s.COffset(x, y)
			cb := (float64(s.Cb[ci]) - 128) * cs
			cr := (float64(s.Cr[ci]) - 128) * cs
			r := yy + 2*(1-kr)*cr
			bl := yy + 2*(1-kb)*cb
			g := (yy - kr*r - kb*bl) / kg
			i := out.PixOffset(x, y)
			out.Pix[i+0] = clampU8f(r)
			out.Pix[i+1] = clampU8f(g)
			out.Pix[i+2] = clampU8f(bl)
			out.Pix[i+3] = 255
		}
	}
	return out
}

func clampU8(v int) uint8 { return uint8(min(255, max(0, v))) }

func clampU8f(v float64) uint8 { return uint8(min(255, max(0, v+0.5))) }

// heifMeta is ReadMeta for HEIC and AVIF: the ICC profile and the Exif
// item, its orientation reset to 1 since the decoders hand back the
// displayed picture (the HEIF spec has the EXIF orientation ignored).
func heifMeta(data []byte) Meta {
	var m Meta
	info, err := parseHEIF(data)
	if err != nil {
		return m
	}
	m.ICC = info.icc
	if info.exif != nil {
		m.EXIF = ResetOrientation(bytes.Clone(trimExifPrefix(info.exif)))
	}
	return m
}
