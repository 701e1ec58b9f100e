package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"

	"github.com/imgpar/imgpar/engine/imgfmt/jpegseg"
)

// Errors that Probe, ReadMeta and DecodeMax wrap, for callers that classify
// failures. Messages built on them name the format: "png header: truncated".
var (
	// ErrUnknownFormat: the bytes are not any known image format.
	ErrUnknownFormat = errors.New("not a recognised image format")
	// ErrTruncated: the file ends inside its header. It is the JPEG
	// walk's error of the same name, so that either matches.
	ErrTruncated = jpegseg.ErrTruncated
	// ErrUnsupported: a valid file that imgpar cannot read (HEIC with
	// alpha, BigTIFF, a JPEG whose height is defined later by a DNL marker, ...).
	ErrUnsupported = errors.New("unsupported")
	// ErrTooLarge: the header declares more pixels than allowed.
	ErrTooLarge = errors.New("image too large")
)

// Header is what Probe learns from a file's header.
type Header struct {
	Format Format
	// Width and Height are the stored dimensions, before EXIF orientation
	// is applied; see DisplaySize.
	Width, Height int
	// Orientation is the EXIF orientation, 1..8; 1 when there is none.
	Orientation int
	// Components is the number of stored channels (1 grey, 2 grey+alpha,
	// 3 colour, 4 colour+alpha or CMYK); 0 when the header does not say.
	Components int
	// BitDepth is the bits per sample as stored (8 for most files, 16 for
	// 16-bit PNG and TIFF, 1..8 for palette formats).
	BitDepth int
	// Progressive is set for progressive JPEGs, whose decoders hold every
	// DCT coefficient of the image at once.
	Progressive bool
	// SOF is a JPEG's frame marker (0xC0 baseline, 0xC1 extended, 0xC2
	// progressive, ...); zero for other formats.
	SOF byte
	// Sampling holds the first four JPEG components' sampling factors
	// (H<<4 | V) as in the frame header; zero for other formats.
	Sampling [4]byte
}

// Pixels returns Width*Height without overflow.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// DisplaySize returns the dimensions as displayed, that is with width and
// height swapped for orientations 5..8 (those that turn the image by 90°).
// Geometry.Plan wants these.
func (h Header) DisplaySize() (w, ht int) {
	if h.Orientation >= 5 && h.Orientation <= 8 {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

// DecodedBytes estimates the memory the decoded image occupies as the
// standard decoders return it: 4 bytes a pixel (8 for 16-bit sources). It is
// an upper bound for JPEG (YCbCr 4:2:0 needs 1.5) and palette images (1).
// Lossy WebP holds its YUV and alpha planes beside the RGBA result: 8.
// HEIC and AVIF are decoded inside a WebAssembly module whose memory holds
// the input, the decoder's reference planes, the converted picture and the
// output while the result is copied out, plus the module's own state: 24
// bytes a pixel and 32 MiB, an estimate from those buffers (not measured;
// the WebAssembly encoders measured 40-85 bytes a pixel, see
// engine.encoderBytes).
func (h Header) DecodedBytes() int64 {
	bpp := int64(4)
	if h.BitDepth > 8 {
		bpp = 8
	}
	switch h.Format {
	case WebP:
		bpp = 8
	case HEIC, AVIF:
		return h.Pixels()*24 + 32<<20
	}
	return h.Pixels() * bpp
}

// CheckPixels returns an error wrapping ErrTooLarge when the header declares
// more than maxPixels pixels (maxPixels <= 0 means no limit).
func (h Header) CheckPixels(maxPixels int64) error {
	if maxPixels > 0 && h.Pixels() > maxPixels {
		return fmt.Errorf("%w: %s header declares %dx%d = %d pixels, more than the limit of %d",
			ErrTooLarge, h.Format, h.Width, h.Height, h.Pixels(), maxPixels)
	}
	return nil
}

// DefaultMaxPixels is sharp's default limit on input pixels (16383x16383),
// which DecodeMax enforces.
const DefaultMaxPixels = 268402689

// Probe limits: the header scan never goes past probeMaxOffset, visits at
// most probeMaxSegments segments or chunks, and reads at most
// probeMaxPayload bytes of any one metadata block.
const (
	probeHeadLen     = 64 << 10
	probeMaxOffset   = 16 << 20
	probeMaxSegments = 4096
	probeMaxPayload  = 1 << 20
)

// Probe reads an image's header from r, a file of size bytes: the format
// (sniffed from the content, not the name), the dimensions and the EXIF
// orientation. It allocates no pixel memory, and it reads little: the first
// 64 KiB in one read, then, for files whose header lies further in, only
// segment or chunk headers of a few bytes each and at most one EXIF block
// (up to 1 MiB). Use it to reject decompression bombs before decoding
// (Header.CheckPixels), to plan output sizes and to estimate memory.
//
// Errors are one line and name the format and the problem:
// "jpeg header: truncated", "png header: zero width",
// "not a recognised image format".
func Probe(r io.ReaderAt, size int64) (Header, error) {
	p, err := newProbeReader(r, size)
	if err != nil {
		return Header{}, err
	}
	defer p.release()
	return probe(p)
}

// headPool recycles the 64 KiB head buffers of Probe: a plan probes every
// input of a library, and the Header it returns keeps nothing of them.
var headPool = sync.Pool{New: func() any { b := make([]byte, probeHeadLen); return &b }}

func (p *probeReader) release() {
	if p.pooled != nil {
		headPool.Put(p.pooled)
		p.pooled, p.head = nil, nil
	}
}

// ProbeBytes is Probe for a file already in memory; it copies nothing.
func ProbeBytes(data []byte) (Header, error) {
	return probe(&probeReader{size: int64(len(data)), head: data})
}

func probe(p *probeReader) (Header, error) {
	var err error
	f, ok := Sniff(p.head)
	if !ok {
		if len(p.head) == 0 {
			return Header{}, fmt.Errorf("%w: empty file", ErrUnknownFormat)
		}
		return Header{}, ErrUnknownFormat
	}
	var h Header
	switch f {
	case JPEG:
		h, err = probeJPEG(p)
	case PNG:
		h, err = probePNG(p)
	case GIF:
		h, err = probeGIF(p)
	case BMP:
		h, err = probeBMP(p)
	case TIFF:
		h, err = probeTIFF(p)
	case WebP:
		h, err = probeWebP(p)
	case AVIF, HEIC:
		h, err = probeHEIF(p)
	}
	if err != nil {
		return Header{Format: f}, fmt.Errorf("%s header: %w", f, err)
	}
	h.Format = f
	if h.Orientation < 1 || h.Orientation > 8 {
		h.Orientation = 1
	}
	if h.Width <= 0 || h.Height <= 0 {
		return Header{Format: f}, fmt.Errorf("%s header: invalid dimensions %dx%d", f, h.Width, h.Height)
	}
	return h, nil
}

// probeReader serves small reads from a cached first block of the file and
// reads anything beyond it directly.
type probeReader struct {
	r      io.ReaderAt
	size   int64
	head   []byte
	pooled *[]byte // head's buffer, from headPool
}

func newProbeReader(r io.ReaderAt, size int64) (*probeReader, error) {
	if size < 0 {
		return nil, fmt.Errorf("probe: negative file size %d", size)
	}
	n := min(size, probeHeadLen)
	buf := headPool.Get().(*[]byte)
	head := (*buf)[:n]
	if n > 0 {
		if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
			headPool.Put(buf)
			return nil, fmt.Errorf("probe: read header: %w", err)
		}
	}
	return &probeReader{r: r, size: size, head: head, pooled: buf}, nil
}

// at returns n bytes at off, or an error wrapping ErrTruncated if the file
// is shorter.
func (p *probeReader) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > p.size {
		return nil, fmt.Errorf("%w (needs %d bytes at offset %d, file has %d)", ErrTruncated, n, off, p.size)
	}
	if off+int64(n) <= int64(len(p.head)) {
		return p.head[off : off+int64(n)], nil
	}
	buf := make([]byte, n)
	if _, err := p.r.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read at offset %d: %w", off, err)
	}
	return buf, nil
}

// ReadAt serves the walk of jpegseg.SegmentsAt: from the first block if it
// holds the bytes, else from the file.
func (p *probeReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= 0 && off+int64(len(b)) <= int64(len(p.head)) {
		return copy(b, p.head[off:]), nil
	}
	if p.r == nil {
		return 0, io.EOF
	}
	return p.r.ReadAt(b, off)
}

func probeJPEG(p *probeReader) (Header, error) {
	h := Header{Orientation: 1}
	exifSeen := false
	seg := 0
	for s, err := range jpegseg.SegmentsAt(p, p.size) {
		if err != nil {
			return h, err
		}
		if seg++; seg > probeMaxSegments || s.Offset > probeMaxOffset {
			return h, fmt.Errorf("no frame header (SOF) within the first %d segments or %d MiB", probeMaxSegments, probeMaxOffset>>20)
		}
		switch {
		case s.Marker == jpegseg.EOI:
			return h, errors.New("end of image before any frame header (SOF)")
		case s.Marker == jpegseg.SOS:
			return h, errors.New("scan data (SOS) before any frame header (SOF)")
		case jpegseg.IsSOF(s.Marker):
			sof, err := p.at(s.Start(), 6)
			if err != nil {
				return h, err
			}
			h.BitDepth = int(sof[0])
			h.Height = int(be16(sof[1:]))
			h.Width = int(be16(sof[3:]))
			h.Components = int(sof[5])
			h.SOF = s.Marker
			h.Progressive = s.Marker == 0xC2 || s.Marker == 0xC6 || s.Marker == 0xCA || s.Marker == 0xCE
			if n := min(h.Components, 4); n > 0 {
				if comps, err := p.at(s.Start()+6, 3*n); err == nil {
					for i := 0; i < n; i++ {
						h.Sampling[i] = comps[3*i+1]
					}
				}
			}
			if h.Height == 0 {
				return h, fmt.Errorf("height 0 (defined by a later DNL marker) is %w", ErrUnsupported)
			}
			if h.Width == 0 {
				return h, errors.New("zero width")
			}
			return h, nil
		case s.Marker == jpegseg.APP1 && !exifSeen && s.Length >= 2+6+8:
			payload, err := p.at(s.Start(), s.Length-2)
			if err != nil {
				return h, err
			}
			if bytes.HasPrefix(payload, exifPrefix) {
				exifSeen = true
				h.Orientation = exifOrientation(payload[len(exifPrefix):])
			}
		}
	}
	return h, errors.New("end of image before any frame header (SOF)") // not reached: the walk ends at EOI or an error
}

func probePNG(p *probeReader) (Header, error) {
	h := Header{Orientation: 1}
	b, err := p.at(8, 8+13)
	if err != nil {
		return h, err
	}
	if be32(b) != 13 || string(b[4:8]) != "IHDR" {
		return h, errors.New("first chunk is not a 13-byte IHDR")
	}
	w, ht := be32(b[8:]), be32(b[12:])
	if w == 0 || ht == 0 {
		return h, fmt.Errorf("zero dimension %dx%d", w, ht)
	}
	if w > 1<<31-1 || ht > 1<<31-1 {
		return h, fmt.Errorf("dimensions %dx%d out of range", w, ht)
	}
	h.Width, h.Height = int(w), int(ht)
	h.BitDepth = int(b[16])
	switch b[17] {
	case 0:
		h.Components = 1
	case 2, 3:
		h.Components = 3
	case 4:
		h.Components = 2
	case 6:
		h.Components = 4
	default:
		return h, fmt.Errorf("bad colour type %d", b[17])
	}
	// Look for an eXIf chunk before the image data. A file cut short here
	// still yields its dimensions; DecodeMax will report the truncation.
	off := int64(8 + 12 + 13)
	for range probeMaxSegments {
		if off > probeMaxOffset {
			break
		}
		c, err := p.at(off, 8)
		if err != nil {
			break
		}
		n, typ := int64(be32(c)), string(c[4:8])
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		if typ == "eXIf" && n <= probeMaxPayload {
			if payload, err := p.at(off+8, int(n)); err == nil {
				h.Orientation = exifOrientation(payload)
			}
			break
		}
		off += 12 + n
	}
	return h, nil
}

func probeGIF(p *probeReader) (Header, error) {
	b, err := p.at(0, 13)
	if err != nil {
		return Header{}, err
	}
	h := Header{Orientation: 1, Components: 4, BitDepth: 8}
	// The canvas: the logical screen grown to hold the first frame, as
	// decodeGIF draws it.
	frame, ok := gifFirstFrame(p)
	c := gifCanvas(image.Rect(0, 0, int(le16(b[6:])), int(le16(b[8:]))), frame, ok)
	h.Width, h.Height = c.Dx(), c.Dy()
	if h.Width == 0 || h.Height == 0 {
		return h, fmt.Errorf("zero dimension %dx%d", h.Width, h.Height)
	}
	return h, nil
}

func probeBMP(p *probeReader) (Header, error) {
	h := Header{Orientation: 1}
	b, err := p.at(0, 18)
	if err != nil {
		return h, err
	}
	var w, ht int64
	if dib := le32(b[14:]); dib == 12 {
		b, err = p.at(0, 26)
		if err != nil {
			return h, err
		}
		w, ht = int64(le16(b[18:])), int64(le16(b[20:]))
		h.BitDepth = int(le16(b[24:]))
	} else {
		b, err = p.at(0, 30)
		if err != nil {
			return h, err
		}
		w, ht = int64(int32(le32(b[18:]))), int64(int32(le32(b[22:])))
		h.BitDepth = int(le16(b[28:]))
	}
	if ht < 0 { // top-down rows
		ht = -ht
	}
	if w <= 0 || ht <= 0 || w > 1<<31-1 || ht > 1<<31-1 {
		return h, fmt.Errorf("bad dimensions %dx%d", w, ht)
	}
	h.Width, h.Height = int(w), int(ht)
	switch {
	case h.BitDepth == 32:
		h.Components, h.BitDepth = 4, 8
	case h.BitDepth == 24 || h.BitDepth == 16:
		h.Components, h.BitDepth = 3, 8
	default:
		h.Components = 3
	}
	return h, nil
}

func probeWebP(p *probeReader) (Header, error) {
	h := Header{Orientation: 1, BitDepth: 8, Components: 3}
	c, err := p.at(12, 8)
	if err != nil {
		return h, err
	}
	switch string(c[:4]) {
	case "VP8 ":
		b, err := p.at(20, 10)
		if err != nil {
			return h, err
		}
		if b[0]&1 != 0 {
			return h, errors.New("VP8 frame is not a key frame")
		}
		if b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
			return h, errors.New("bad VP8 start code")
		}
		h.Width, h.Height = int(le16(b[6:])&0x3fff), int(le16(b[8:])&0x3fff)
	case "VP8L":
		b, err := p.at(20, 5)
		if err != nil {
			return h, err
		}
		if b[0] != 0x2f {
			return h, errors.New("bad VP8L signature")
		}
		bits := le32(b[1:])
		h.Width, h.Height = int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1
		if bits>>28&1 != 0 {
			h.Components = 4
		}
	case "VP8X":
		b, err := p.at(20, 10)
		if err != nil {
			return h, err
		}
		flags := b[0]
		h.Width, h.Height = int(le24(b[4:]))+1, int(le24(b[7:]))+1
		if flags&0x10 != 0 {
			h.Components = 4
		}
		if flags&0x08 != 0 { // has EXIF: find the chunk
			off := int64(30)
			for range probeMaxSegments {
				if off > probeMaxOffset {
					break
				}
				c, err := p.at(off, 8)
				if err != nil {
					break
				}
				n := int64(le32(c[4:]))
				if string(c[:4]) == "EXIF" {
					if n <= probeMaxPayload {
						if payload, err := p.at(off+8, int(n)); err == nil {
							h.Orientation = exifOrientation(payload)
						}
					}
					break
				}
				off += 8 + n + n&1
			}
		}
	default:
		return h, fmt.Errorf("unknown first chunk %q", c[:4])
	}
	return h, nil
}

func probeTIFF(p *probeReader) (Header, error) {
	h := Header{Orientation: 1, BitDepth: 8}
	b, err := p.at(0, 8)
	if err != nil {
		return h, err
	}
	bo := tiffOrder(b)
	if bo.u16(b[2:]) == 43 {
		return probeBigTIFF(p, bo)
	}
	ifd, err := readIFD(p, bo, int64(bo.u32(b[4:])))
	if err != nil {
		return h, err
	}
	for _, e := range ifd {
		switch e.tag {
		case tagImageWidth:
			h.Width = int(e.value(bo))
		case tagImageLength:
			h.Height = int(e.value(bo))
		case tagOrientation:
			h.Orientation = int(e.value(bo))
		case tagSamplesPerPixel:
			h.Components = int(e.value(bo))
		case tagBitsPerSample:
			// The first sample's depth: inline for one or two SHORTs,
			// otherwise at an offset.
			if e.count <= 2 {
				h.BitDepth = int(e.value(bo))
			} else if v, err := p.at(int64(bo.u32(e.raw[:])), 2); err == nil {
				h.BitDepth = int(bo.u16(v))
			}
		}
	}
	if h.Width == 0 || h.Height == 0 {
		return h, fmt.Errorf("missing or zero ImageWidth/ImageLength (%dx%d)", h.Width, h.Height)
	}
	return h, nil
}

// readIFD reads the IFD at off through p.
func readIFD(p *probeReader, bo byteOrder, off int64) ([]ifdEntry, error) {
	if off < 8 {
		return nil, fmt.Errorf("bad IFD offset %d", off)
	}
	b, err := p.at(off, 2)
	if err != nil {
		return nil, err
	}
	n := int(bo.u16(b))
	if n == 0 || n > maxIFDEntries {
		return nil, fmt.Errorf("bad IFD entry count %d", n)
	}
	b, err = p.at(off+2, n*12)
	if err != nil {
		return nil, err
	}
	return parseIFDEntries(b, bo, n), nil
}
