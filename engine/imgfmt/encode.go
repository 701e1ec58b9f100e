package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"io"
	"sync"

	"github.com/gen2brain/avif"
	"golang.org/x/image/bmp"

	"github.com/imgpar/imgpar/engine/internal/jpegenc"
	"github.com/imgpar/imgpar/engine/internal/pngenc"
	"github.com/imgpar/imgpar/engine/internal/tiff"
)

// EncodeOptions says how Encode writes an image. The zero value of every
// field but Format and PNGLevel means "the default"; DefaultEncodeOptions
// fills in all of them.
type EncodeOptions struct {
	Format Format
	// Quality is 1..100 for JPEG, WebP (lossy) and AVIF; 0 means the format's
	// default, as sharp's: JPEG 80, WebP 80, AVIF 50. AVIF 100 is lossless.
	Quality int
	// Lossless selects lossless WebP.
	Lossless bool
	// Progressive writes a progressive JPEG (same pixels as the default
	// baseline file, which has Huffman tables built for the image).
	Progressive bool
	// Trellis quantises JPEG coefficients by their bits and error
	// (jpegenc.Options.Trellis): a smaller file whose PSNR against img is
	// not lower than the default file's, for 3-4 times the encode time.
	Trellis bool
	// PNGLevel is the zlib level 0..9 (0 = stored, uncompressed), or -1 for
	// the default, DefaultPNGZlibLevel. Rows are filtered adaptively as
	// libpng and image/png do.
	PNGLevel int
	// Background is what alpha is flattened over for formats without alpha
	// (JPEG, BMP; GIF for partial transparency). Its alpha is ignored,
	// except that a zero Background (alpha 0) means white.
	Background color.NRGBA
	// ICC is a colour profile to embed (JPEG, PNG, WebP, AVIF, TIFF). A profile whose
	// colour space does not match the written pixels (a CMYK profile on RGB
	// output, a grey profile on colour output) is not embedded.
	ICC []byte
	// EXIF is a TIFF-structured EXIF payload to embed (JPEG, PNG, WebP),
	// with its orientation already reset (ResetOrientation); nil = none. A
	// payload over 65527 bytes does not fit a JPEG APP1 segment and is not
	// written to JPEG.
	EXIF []byte
	// Effort trades speed for size, 1 (fastest) .. 10 (smallest); 0 is
	// the format's default (WebP method 4, AVIF speed 9). Used by WebP
	// (method 0..6) and AVIF (speed 10..0).
	Effort int
}

// DefaultEncodeOptions returns the options Encode would use for format f
// when asked for defaults: quality 0 (the format's default), PNGLevel -1,
// white background, no metadata.
func DefaultEncodeOptions(f Format) EncodeOptions {
	return EncodeOptions{Format: f, PNGLevel: -1, Background: color.NRGBA{255, 255, 255, 255}}
}

// Format limits on dimensions.
const (
	maxJPEGSide = 65535
	maxGIFSide  = 65535
	maxWebPSide = 16383
	maxAVIFSide = 65536
)

// Encode writes img in o.Format. JPEG goes through image/jpeg (*image.YCbCr
// and *image.Gray are passed straight through; opaque RGBA/NRGBA without a
// copy); PNG through image/png; GIF is quantised to an adaptive palette
// (median cut) with Floyd–Steinberg dithering and 1-bit transparency; BMP
// 24-bit; TIFF deflate-compressed; WebP through libwebp as WebAssembly
// (webpenc.go), AVIF through gen2brain/avif. Alpha written to JPEG or BMP
// is composited over o.Background (white by default), never black. ICC and EXIF are embedded where the
// format allows (see the package doc): WebP gets a VP8X header for them,
// AVIF a "colr"/"prof" property (no EXIF).
func Encode(w io.Writer, img image.Image, o EncodeOptions) error {
	if img == nil {
		return fmt.Errorf("encode %s: no image", o.Format)
	}
	b := img.Bounds()
	if b.Empty() {
		return fmt.Errorf("encode %s: empty image (%dx%d)", o.Format, b.Dx(), b.Dy())
	}
	var err error
	switch o.Format {
	case JPEG:
		err = encodeJPEG(w, img, o)
	case PNG:
		err = encodePNG(w, img, o)
	case GIF:
		err = encodeGIF(w, img, o)
	case BMP:
		err = encodeBMP(w, img, o)
	case TIFF:
		err = encodeTIFFWithICC(w, o.ICC, func(w io.Writer) error {
			return tiff.Encode(w, forTIFF(img), &tiff.Options{Compression: tiff.Deflate, Predictor: true})
		})
	case WebP:
		err = encodeWebP(w, img, o)
	case AVIF:
		err = encodeAVIF(w, img, o)
	default:
		return fmt.Errorf("encode: unknown format %q", o.Format)
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", o.Format, err)
	}
	return nil
}

func (o EncodeOptions) background() color.NRGBA {
	if o.Background.A == 0 {
		return color.NRGBA{255, 255, 255, 255}
	}
	bg := o.Background
	bg.A = 255
	return bg
}

func (o EncodeOptions) quality() int {
	q := o.Quality
	if q <= 0 {
		if o.Format == AVIF {
			return 50
		}
		return 80
	}
	return min(q, 100)
}

// effort returns o.Effort clamped to 1..10, or 0 for the format default.
func (o EncodeOptions) effort() int {
	if o.Effort <= 0 {
		return 0
	}
	return min(o.Effort, 10)
}

// avifDefaultSpeed is libavif's speed (0 slowest .. 10 fastest) used when
// no Effort is given.
const avifDefaultSpeed = 9

func checkSize(img image.Image, limit int) error {
	if b := img.Bounds(); b.Dx() > limit || b.Dy() > limit {
		return fmt.Errorf("image is %dx%d, the format allows at most %d pixels a side", b.Dx(), b.Dy(), limit)
	}
	return nil
}

// iccFits reports whether a profile suits the pixels written: a grey
// profile for grey output, an RGB profile for colour output.
func iccFits(icc []byte, grey bool) bool {
	if len(icc) < 128 {
		return false
	}
	if grey {
		return ICCColorSpace(icc) == "GRAY"
	}
	return ICCColorSpace(icc) == "RGB"
}

// validEXIF reports whether a payload looks TIFF-structured: a byte-order
// mark, the magic 42 and an IFD0 offset inside the payload.
func validEXIF(exif []byte) bool {
	if len(exif) < 8 {
		return false
	}
	switch string(exif[:4]) {
	case "II*\x00", "MM\x00*":
	default:
		return false
	}
	off := int64(tiffOrder(exif).u32(exif[4:]))
	return off >= 8 && off+2 <= int64(len(exif))
}

func encodeJPEG(w io.Writer, img image.Image, o EncodeOptions) error {
	if err := checkSize(img, maxJPEGSide); err != nil {
		return err
	}
	var src image.Image
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray:
		src = m
	default:
		src = flatten(img, o.background())
	}
	_, grey := src.(*image.Gray)
	var meta []byte
	exif := trimExifPrefix(o.EXIF)
	if validEXIF(exif) && len(exif)+len(exifPrefix)+2 <= 0xFFFF {
		meta = appendSegment(meta, 0xE1, exifPrefix, exif)
	}
	if iccFits(o.ICC, grey) {
		meta = appendICCSegments(meta, o.ICC)
	}
	if len(meta) > 0 {
		// The encoder (image/jpeg's) writes SOI then DQT, no APP0: the metadata goes
		// right after SOI, EXIF first as the EXIF spec wants.
		w = &insertWriter{w: w, at: 2, insert: meta}
	}
	return jpegenc.Encode(w, src, &jpegenc.Options{Quality: o.quality(), Progressive: o.Progressive, Trellis: o.Trellis})
}

// appendSegment appends a JPEG marker segment: FF marker, length, prefix,
// payload.
func appendSegment(dst []byte, marker byte, prefix, payload []byte) []byte {
	n := 2 + len(prefix) + len(payload)
	dst = append(dst, 0xFF, marker, byte(n>>8), byte(n))
	dst = append(dst, prefix...)
	return append(dst, payload...)
}

// appendICCSegments appends a profile as APP2 "ICC_PROFILE\0" segments of
// at most 65519 profile bytes, numbered 1..count. Profiles needing more
// than 255 segments (16 MiB) are not written.
func appendICCSegments(dst []byte, icc []byte) []byte {
	count := (len(icc) + iccSegmentMax - 1) / iccSegmentMax
	if count > 255 {
		return dst
	}
	for i := range count {
		chunk := icc[i*iccSegmentMax : min(len(icc), (i+1)*iccSegmentMax)]
		prefix := append(append([]byte(nil), iccPrefix...), byte(i+1), byte(count))
		dst = appendSegment(dst, 0xE2, prefix, chunk)
	}
	return dst
}

// insertWriter passes the first at bytes through, then writes insert, then
// everything else.
type insertWriter struct {
	w      io.Writer
	at     int
	n      int
	insert []byte
	done   bool
}

func (iw *insertWriter) Write(p []byte) (int, error) {
	if iw.done {
		return iw.w.Write(p)
	}
	written := 0
	if need := iw.at - iw.n; need > 0 {
		k := min(need, len(p))
		n, err := iw.w.Write(p[:k])
		iw.n += n
		written += n
		if err != nil {
			return written, err
		}
		p = p[k:]
	}
	if iw.n == iw.at {
		if _, err := iw.w.Write(iw.insert); err != nil {
			return written, err
		}
		iw.done = true
	}
	if len(p) > 0 {
		n, err := iw.w.Write(p)
		return written + n, err
	}
	return written, nil
}

func encodePNG(w io.Writer, img image.Image, o EncodeOptions) error {
	var src image.Image
	grey := false
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		src, grey = m, true
	case *image.RGBA, *image.NRGBA, *image.RGBA64, *image.NRGBA64, *image.Paletted:
		src = m
	default:
		src = toRGBA(img)
	}
	var meta []byte
	if iccFits(o.ICC, grey) {
		var z bytes.Buffer
		zw, _ := zlibWriter(&z)
		zw.Write(o.ICC)
		zw.Close()
		payload := append([]byte("ICC Profile\x00\x00"), z.Bytes()...)
		meta = appendPNGChunk(meta, "iCCP", payload)
	}
	if exif := trimExifPrefix(o.EXIF); validEXIF(exif) {
		meta = appendPNGChunk(meta, "eXIf", exif)
	}
	if len(meta) > 0 {
		// Signature (8) and IHDR (25) come first; iCCP must precede PLTE
		// and IDAT.
		w = &insertWriter{w: w, at: 8 + 25, insert: meta}
	}
	enc := pngenc.Encoder{CompressionLevel: pngLevel(o.PNGLevel), BufferPool: pngBuffers}
	return enc.Encode(w, src)
}

// appendPNGChunk appends a PNG chunk: length, type, data, CRC of type and
// data.
func appendPNGChunk(dst []byte, typ string, data []byte) []byte {
	n := uint32(len(data))
	dst = append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	start := len(dst)
	dst = append(dst, typ...)
	dst = append(dst, data...)
	c := crc32.ChecksumIEEE(dst[start:])
	return append(dst, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

// DefaultPNGZlibLevel is the zlib level of a PNG when none is asked for.
// Measured on the 21 PNG outputs of the matrix corpus at 800 px (CPU time of
// the encodes, docs/benchmarks.md): Go's level 6 (image/png's default)
// takes 3.3x the time of level 4 for 7% fewer bytes, and level 4's files
// are still 22% smaller than sharp's (zlib-ng level 6, no filtering).
const DefaultPNGZlibLevel = 4

// pngLevel maps PNGLevel to the encoder's setting: 0 stored, 1..9 that
// zlib level, anything else the default.
func pngLevel(l int) pngenc.CompressionLevel {
	switch {
	case l == 0:
		return pngenc.NoCompression
	case l >= 1 && l <= 9:
		return pngenc.CompressionLevel(l)
	}
	return DefaultPNGZlibLevel
}

// pngBufferPool lets PNG encodes reuse their zlib writers and buffers.
type pngBufferPool struct{ p sync.Pool }

func (bp *pngBufferPool) Get() *pngenc.EncoderBuffer {
	b, _ := bp.p.Get().(*pngenc.EncoderBuffer)
	return b
}

func (bp *pngBufferPool) Put(b *pngenc.EncoderBuffer) { bp.p.Put(b) }

var pngBuffers = &pngBufferPool{}

func encodeGIF(w io.Writer, img image.Image, o EncodeOptions) error {
	if err := checkSize(img, maxGIFSide); err != nil {
		return err
	}
	p, ok := img.(*image.Paletted)
	if !ok || len(p.Palette) == 0 || len(p.Palette) > 256 {
		p = quantize(img, o.background())
	}
	return gif.Encode(w, p, &gif.Options{NumColors: len(p.Palette)})
}

func encodeBMP(w io.Writer, img image.Image, o EncodeOptions) error {
	if g, ok := img.(*image.Gray); ok {
		return bmp.Encode(w, g) // 8-bit grey palette
	}
	src := flatten(img, o.background())
	if _, ok := src.(*image.RGBA); !ok {
		src = toRGBA(src)
	}
	return bmp.Encode(w, src) // opaque: 24-bit
}

// forTIFF returns img in a type the TIFF encoder writes quickly.
func forTIFF(img image.Image) image.Image {
	switch img.(type) {
	case *image.Gray, *image.Gray16, *image.Paletted, *image.RGBA, *image.RGBA64, *image.NRGBA, *image.NRGBA64:
		return img
	}
	return toRGBA(img)
}

// codecPanic turns a panic inside a WebAssembly codec (failed
// initialisation, out of memory) into an error.
func codecPanic(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("codec failed: %v", r)
	}
}

func encodeWebP(w io.Writer, img image.Image, o EncodeOptions) (err error) {
	defer codecPanic(&err)
	if err := checkSize(img, maxWebPSide); err != nil {
		return err
	}
	method := 4 // libwebp's default, as sharp's (effort 4)
	if e := o.effort(); e > 0 {
		method = ((e-1)*6 + 4) / 9 // 1..10 onto 0..6
	}
	codec, err := webpCodec()
	if err != nil {
		return fmt.Errorf("initialise webp encoder: %w", err)
	}
	var enc func(w io.Writer) error
	if m, ok := yuvSource(img); ok && !o.Lossless {
		enc = func(w io.Writer) error { return codec.encodeYUV(w, m, o.quality(), method) }
	} else {
		src := toNRGBA(img)
		enc = func(w io.Writer) error { return codec.encode(w, src, o.quality(), method, o.Lossless, false) }
	}
	exif := trimExifPrefix(o.EXIF)
	icc := o.ICC
	if !iccFits(icc, false) {
		icc = nil
	}
	if !validEXIF(exif) {
		exif = nil
	}
	if icc == nil && exif == nil {
		return enc(w)
	}
	var buf bytes.Buffer
	if err := enc(&buf); err != nil {
		return err
	}
	out, err := webpWithMeta(buf.Bytes(), img.Bounds().Dx(), img.Bounds().Dy(), icc, exif)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// webpWithMeta rewrites a WebP file from libwebp into the extended format
// (VP8X) with an ICCP chunk after the VP8X header and an EXIF chunk at the
// end, as the WebP container spec orders them.
func webpWithMeta(data []byte, width, height int, icc, exif []byte) ([]byte, error) {
	if len(data) < 20 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("encoder produced no RIFF/WEBP container")
	}
	var flags byte
	var chunks [][]byte // every chunk but VP8X, with header and padding
	for off := 12; off+8 <= len(data); {
		n := int(le32(data[off+4:]))
		end := off + 8 + n + n&1
		if n < 0 || off+8+n > len(data) {
			return nil, errors.New("encoder produced a malformed RIFF chunk")
		}
		end = min(end, len(data))
		fourcc := string(data[off : off+4])
		switch fourcc {
		case "VP8X":
			if n >= 1 {
				flags = data[off+8]
			}
		case "VP8L":
			// The alpha_is_used bit of the VP8L header.
			if n >= 5 && le32(data[off+9:])>>28&1 != 0 {
				flags |= 0x10
			}
			chunks = append(chunks, data[off:end])
		default:
			chunks = append(chunks, data[off:end])
		}
		off = end
	}
	if icc != nil {
		flags |= 0x20
	}
	if exif != nil {
		flags |= 0x08
	}
	out := make([]byte, 12, len(data)+len(icc)+len(exif)+64)
	copy(out, "RIFF????WEBP")
	vp8x := make([]byte, 10)
	vp8x[0] = flags
	w1, h1 := uint32(width-1), uint32(height-1)
	vp8x[4], vp8x[5], vp8x[6] = byte(w1), byte(w1>>8), byte(w1>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h1), byte(h1>>8), byte(h1>>16)
	out = appendRIFFChunk(out, "VP8X", vp8x)
	if icc != nil {
		out = appendRIFFChunk(out, "ICCP", icc)
	}
	for _, c := range chunks {
		out = append(out, c...)
	}
	if exif != nil {
		out = appendRIFFChunk(out, "EXIF", exif)
	}
	size := uint32(len(out) - 8)
	out[4], out[5], out[6], out[7] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	return out, nil
}

func appendRIFFChunk(dst []byte, fourcc string, payload []byte) []byte {
	n := uint32(len(payload))
	dst = append(dst, fourcc...)
	dst = append(dst, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	dst = append(dst, payload...)
	if n&1 != 0 {
		dst = append(dst, 0)
	}
	return dst
}

func encodeAVIF(w io.Writer, img image.Image, o EncodeOptions) (err error) {
	defer codecPanic(&err)
	if err := checkSize(img, maxAVIFSide); err != nil {
		return err
	}
	q := o.quality()
	speed := avifDefaultSpeed
	if e := o.effort(); e > 0 {
		speed = 10 - ((e-1)*10+4)/9 // 1..10 onto 10..0
	}
	opts := avif.Options{
		Quality:           q,
		QualityAlpha:      q,
		Speed:             speed,
		ChromaSubsampling: image.YCbCrSubsampleRatio420,
	}
	if !iccFits(o.ICC, false) {
		return avif.Encode(w, toRGBA(img), opts)
	}
	var buf bytes.Buffer
	if err := avif.Encode(&buf, toRGBA(img), opts); err != nil {
		return err
	}
	out := buf.Bytes()
	if withICC, ok := avifWithICC(out, o.ICC); ok {
		out = withICC
	}
	_, err = w.Write(out)
	return err
}

// InitCodec compiles the encoder format f needs, if it is one of the
// WebAssembly ones (WebP, AVIF); for other formats it does nothing.
func InitCodec(f Format) error {
	switch f {
	case WebP:
		return initWebP()
	case AVIF:
		return initAVIF()
	}
	return nil
}

var (
	initWebP = func() error {
		if _, err := webpCodec(); err != nil {
			return fmt.Errorf("initialise webp encoder: %w", err)
		}
		return nil
	}
	initAVIF = sync.OnceValue(func() error { return initOnce("avif", avif.InitEncoder) })
)

// initOnce runs a codec's initialiser, which panics on failure.
func initOnce(name string, init func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("initialise %s encoder: %v", name, r)
		}
	}()
	init()
	return nil
}
