// Package jpegseg walks the marker segments of a JPEG stream. It is imgpar's
// one JPEG marker walker: imgfmt's Probe and ReadMeta, raster's frame check
// and engine's completeness check all read a JPEG's structure through it.
// It is a package of its own, below imgfmt, because raster (which imgfmt
// imports) needs it too.
//
// The walk follows libjpeg's reading rules (jdmarker.c next_marker and
// jdhuff.c fill_bit_buffer):
//
//   - A marker is 0xFF followed by a code other than 0x00 and 0xFF. Any
//     number of 0xFF fill bytes may precede the code.
//   - SOI, EOI, RST0..RST7 and TEM stand alone; every other marker is
//     followed by a two-byte length that counts itself and the payload.
//   - After an SOS segment comes entropy-coded data. In it, 0xFF followed
//     by 0x00 (after any fill bytes) is a data byte and RSTn markers
//     separate restart intervals; the data ends at the first other marker.
//     The walk steps over that data without yielding the RSTn markers.
//   - Bytes where a marker should start that are not 0xFF are extraneous:
//     libjpeg warns and skips them. The walk skips them too, up to
//     MaxSkip in all, and reports them in Segment.Skipped so that a strict
//     caller can refuse the file.
//
// The walk ends after EOI (bytes after it, such as a camera's trailer, are
// not looked at), at the first error, or when the caller stops.
package jpegseg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
)

// Marker codes (the byte after 0xFF) that callers name.
const (
	SOF0 = 0xC0 // baseline
	SOF1 = 0xC1 // extended sequential, Huffman
	SOF2 = 0xC2 // progressive, Huffman
	DHT  = 0xC4
	RST0 = 0xD0
	RST7 = 0xD7
	SOI  = 0xD8
	EOI  = 0xD9
	SOS  = 0xDA
	APP1 = 0xE1 // EXIF (and XMP)
	APP2 = 0xE2 // ICC_PROFILE
	TEM  = 0x01
)

// MaxSkip bounds the extraneous bytes a walk skips between segments, in
// all; beyond it the walk fails (a file of junk is not read to its end).
const MaxSkip = 64 << 10

// entropyChunk is how much entropy-coded data a walk reads at a time from an
// io.ReaderAt.
const entropyChunk = 64 << 10

// ErrTruncated: the stream ends inside a segment, inside entropy-coded data
// or before its EOI marker. Walk errors that mean this wrap it.
var ErrTruncated = errors.New("truncated")

// ErrNotJPEG: the stream does not start with an SOI marker.
var ErrNotJPEG = errors.New("not a JPEG (no SOI marker)")

// Segment is one marker of a JPEG stream and, unless it stands alone, the
// segment it starts.
type Segment struct {
	// Marker is the code after 0xFF: SOI, SOF0, DHT, SOS, APP1, EOI, ...
	Marker byte
	// Offset is the offset of the 0xFF right before Marker (after any fill
	// bytes).
	Offset int64
	// Length is the segment's length field, which counts itself and the
	// payload; 0 for the standalone markers SOI, EOI, RSTn and TEM.
	Length int
	// Skipped counts the extraneous bytes skipped right before this marker
	// (not fill bytes, not entropy-coded data).
	Skipped int
}

// Standalone reports whether the marker has no length and payload.
func Standalone(m byte) bool {
	return m == SOI || m == EOI || m == TEM || m >= RST0 && m <= RST7
}

// IsSOF reports whether a marker starts a frame: SOF0..SOF15 except DHT,
// JPG (0xC8) and DAC (0xCC).
func IsSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != DHT && m != 0xC8 && m != 0xCC
}

// Start returns the offset of the payload (after the length field); for a
// standalone marker, the offset just after it.
func (s Segment) Start() int64 {
	if s.Length == 0 {
		return s.Offset + 2
	}
	return s.Offset + 4
}

// End returns the offset just after the segment. After SOS, the
// entropy-coded data starts there.
func (s Segment) End() int64 { return s.Offset + 2 + int64(s.Length) }

// Payload returns the segment's payload within data, the stream it was
// walked from.
func (s Segment) Payload(data []byte) []byte { return data[s.Start():s.End()] }

// Segments walks the JPEG stream in data. It copies nothing.
func Segments(data []byte) iter.Seq2[Segment, error] {
	return func(yield func(Segment, error) bool) {
		rd := reader{data: data, size: int64(len(data))}
		rd.walk(yield)
	}
}

// SegmentsAt walks the JPEG stream in r, which holds size bytes. It reads
// the four bytes of each marker and length and nothing of the payloads
// (callers read what they need); entropy-coded data it reads in chunks of
// 64 KiB, and only if the caller goes on past an SOS segment.
func SegmentsAt(r io.ReaderAt, size int64) iter.Seq2[Segment, error] {
	return func(yield func(Segment, error) bool) {
		rd := reader{r: r, size: size}
		rd.walk(yield)
	}
}

type reader struct {
	data []byte      // the stream, for Segments
	r    io.ReaderAt // the stream, for SegmentsAt
	size int64
	buf  []byte // SegmentsAt's read buffer
}

// at returns n bytes at off (valid until the next call), or an error
// wrapping ErrTruncated if the stream is shorter.
func (rd *reader) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > rd.size {
		return nil, fmt.Errorf("%w (needs %d bytes at offset %d, file has %d)", ErrTruncated, n, off, rd.size)
	}
	if rd.r == nil {
		return rd.data[off : off+int64(n)], nil
	}
	if cap(rd.buf) < n {
		rd.buf = make([]byte, max(n, 16))
	}
	b := rd.buf[:n]
	if k, err := rd.r.ReadAt(b, off); k < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read at offset %d: %w", off, err)
	}
	return b, nil
}

func (rd *reader) walk(yield func(Segment, error) bool) {
	b, err := rd.at(0, 2)
	if err != nil || b[0] != 0xFF || b[1] != SOI {
		yield(Segment{}, ErrNotJPEG)
		return
	}
	if !yield(Segment{Marker: SOI}, nil) {
		return
	}
	off := int64(2)
	skipped := 0 // in all
	for {
		// Extraneous bytes, then fill bytes, then the marker code.
		b, err := rd.at(off, 2)
		if err != nil {
			yield(Segment{}, err)
			return
		}
		skip := 0
		for b[0] != 0xFF {
			if skipped >= MaxSkip {
				yield(Segment{}, fmt.Errorf("bad marker 0x%02X%02X at offset %d", b[0], b[1], off))
				return
			}
			chunk, err := rd.at(off, int(min(4096, rd.size-off)))
			if err != nil {
				yield(Segment{}, err)
				return
			}
			i := bytes.IndexByte(chunk, 0xFF)
			if i < 0 {
				i = len(chunk)
			}
			off += int64(i)
			skip += i
			skipped += i
			if b, err = rd.at(off, 2); err != nil {
				yield(Segment{}, err)
				return
			}
		}
		for b[1] == 0xFF { // fill bytes
			off++
			if b, err = rd.at(off, 2); err != nil {
				yield(Segment{}, err)
				return
			}
		}
		seg := Segment{Marker: b[1], Offset: off, Skipped: skip}
		if seg.Marker == 0x00 {
			yield(Segment{}, fmt.Errorf("bad marker 0xFF00 at offset %d", off))
			return
		}
		if Standalone(seg.Marker) {
			if !yield(seg, nil) || seg.Marker == EOI {
				return
			}
			off += 2
			continue
		}
		if b, err = rd.at(off+2, 2); err != nil {
			yield(Segment{}, err)
			return
		}
		seg.Length = int(b[0])<<8 | int(b[1])
		if seg.Length < 2 {
			yield(Segment{}, fmt.Errorf("bad segment length %d at offset %d", seg.Length, off+2))
			return
		}
		if seg.End() > rd.size {
			yield(Segment{}, fmt.Errorf("%w: segment 0x%02X at offset %d runs past the end (needs %d bytes, file has %d)",
				ErrTruncated, seg.Marker, off, seg.End(), rd.size))
			return
		}
		if !yield(seg, nil) {
			return
		}
		off = seg.End()
		if seg.Marker == SOS {
			if off, err = rd.skipEntropy(off); err != nil {
				yield(Segment{}, err)
				return
			}
		}
	}
}

// skipEntropy returns the offset of a 0xFF of the marker that ends the
// entropy-coded data starting at off (the walk steps over any further fill
// bytes).
func (rd *reader) skipEntropy(off int64) (int64, error) {
	for {
		n := int(min(entropyChunk, rd.size-off))
		if n <= 0 {
			return 0, fmt.Errorf("%w: the image data ends before its end-of-image marker", ErrTruncated)
		}
		chunk, err := rd.at(off, n)
		if err != nil {
			return 0, err
		}
		next := off + int64(n) // where the next chunk starts
		for i := 0; ; {
			k := bytes.IndexByte(chunk[i:], 0xFF)
			if k < 0 {
				break
			}
			i += k
			j := i + 1
			for j < len(chunk) && chunk[j] == 0xFF { // fill bytes
				j++
			}
			if j == len(chunk) {
				// The code is in the next chunk: start it at the last
				// 0xFF (always past off unless the chunk is that byte).
				if next == rd.size {
					return 0, fmt.Errorf("%w: the image data ends before its end-of-image marker", ErrTruncated)
				}
				next = off + int64(j-1)
				break
			}
			if c := chunk[j]; c != 0x00 && (c < RST0 || c > RST7) {
				return off + int64(i), nil
			}
			i = j + 1 // a stuffed data byte or a restart marker
		}
		off = next
	}
}
