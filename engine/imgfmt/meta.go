package imgfmt

import (
	"bytes"
	"compress/zlib"
	"io"

	"github.com/imgpar/imgpar/engine/imgfmt/jpegseg"
)

// Meta is the metadata imgpar carries from an input to its output.
type Meta struct {
	// ICC is the embedded colour profile, reassembled; nil if none.
	ICC []byte
	// EXIF is the raw TIFF-structured EXIF payload (starting "II*\0" or
	// "MM\0*", without JPEG's "Exif\0\0" prefix); nil if none.
	EXIF []byte
	// Orientation is the EXIF orientation 1..8; 1 if none.
	Orientation int
}

// maxICCSize bounds a decompressed PNG iCCP profile (a zlib bomb guard).
const maxICCSize = 32 << 20

// iccSegmentMax is the most profile bytes one JPEG APP2 segment holds:
// 65535 - 2 (length) - 12 ("ICC_PROFILE\0") - 2 (sequence, count).
const iccSegmentMax = 65519

var iccPrefix = []byte("ICC_PROFILE\x00")

// ReadMeta extracts the ICC profile, the EXIF payload and the orientation
// from a whole file's bytes: JPEG APP1 Exif and APP2 ICC_PROFILE segments
// (multi-segment profiles reassembled in sequence order; an inconsistent
// set is dropped), PNG iCCP (inflated, at most 32 MiB) and eXIf chunks,
// WebP ICCP and EXIF chunks, and the Orientation and ICC tags of a TIFF's
// first IFD. GIF and BMP carry none. Malformed metadata is ignored, never an
// error: the returned slices do not alias data.
func ReadMeta(f Format, data []byte) Meta {
	var m Meta
	switch f {
	case JPEG:
		m = jpegMeta(data)
	case PNG:
		m = pngMeta(data)
	case WebP:
		m = webpMeta(data)
	case TIFF:
		m = tiffMeta(data)
	case AVIF, HEIC:
		m = heifMeta(data)
	}
	if m.EXIF != nil {
		m.EXIF = bytes.Clone(trimExifPrefix(m.EXIF))
		m.Orientation = exifOrientation(m.EXIF)
	}
	if m.Orientation < 1 || m.Orientation > 8 {
		m.Orientation = 1
	}
	m.ICC = bytes.Clone(m.ICC)
	return m
}

// ICCColorSpace returns the data colour space signature of an ICC profile,
// trimmed: "RGB", "GRAY", "CMYK", "Lab", ...; "" if the profile is too short.
func ICCColorSpace(icc []byte) string {
	if len(icc) < 20 {
		return ""
	}
	return string(bytes.TrimRight(icc[16:20], " "))
}

func jpegMeta(data []byte) Meta {
	var m Meta
	type part struct{ seq, count int }
	var parts [][]byte
	var seqs []part
	// Metadata precedes the first scan; a walk error ends the search with
	// what was found before it.
	for s, err := range jpegseg.Segments(data) {
		if err != nil || s.Marker == jpegseg.SOS || s.Marker == jpegseg.EOI {
			break
		}
		payload := s.Payload(data)
		switch {
		case s.Marker == jpegseg.APP1 && m.EXIF == nil && bytes.HasPrefix(payload, exifPrefix):
			m.EXIF = payload[len(exifPrefix):]
		case s.Marker == jpegseg.APP2 && bytes.HasPrefix(payload, iccPrefix) && len(payload) >= len(iccPrefix)+2:
			p := payload[len(iccPrefix):]
			seqs = append(seqs, part{int(p[0]), int(p[1])})
			parts = append(parts, p[2:])
		}
	}
	m.ICC = assembleICC(parts, func(i int) (int, int) { return seqs[i].seq, seqs[i].count })
	return m
}

// assembleICC joins APP2 ICC_PROFILE chunks in sequence order. The set must
// be complete and consistent (every chunk names the same count, sequence
// numbers 1..count each once); a lone chunk is accepted whatever its
// numbering. Anything else yields nil.
func assembleICC(parts [][]byte, seqCount func(int) (int, int)) []byte {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	_, count := seqCount(0)
	if count != len(parts) {
		return nil
	}
	ordered := make([][]byte, count)
	size := 0
	for i, p := range parts {
		seq, c := seqCount(i)
		if c != count || seq < 1 || seq > count || ordered[seq-1] != nil {
			return nil
		}
		ordered[seq-1] = p
		size += len(p)
	}
	out := make([]byte, 0, size)
	for _, p := range ordered {
		out = append(out, p...)
	}
	return out
}

func pngMeta(data []byte) Meta {
	var m Meta
	if !bytes.HasPrefix(data, pngSignature) {
		return m
	}
	for off := len(pngSignature); off+12 <= len(data); {
		n := int64(be32(data[off:]))
		typ := string(data[off+4 : off+8])
		end := int64(off) + 12 + n
		if end > int64(len(data)) {
			break
		}
		payload := data[off+8 : off+8+int(n)]
		switch typ {
		case "iCCP":
			if m.ICC == nil {
				m.ICC = inflateICCP(payload)
			}
		case "eXIf":
			if m.EXIF == nil {
				m.EXIF = payload
			}
		case "IEND":
			return m
		}
		off = int(end)
	}
	return m
}

// inflateICCP decodes an iCCP chunk: a 1-79 byte name, NUL, compression
// method 0, zlib data.
func inflateICCP(p []byte) []byte {
	nul := bytes.IndexByte(p, 0)
	if nul < 1 || nul > 79 || nul+2 > len(p) || p[nul+1] != 0 {
		return nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(p[nul+2:]))
	if err != nil {
		return nil
	}
	defer zr.Close()
	icc, err := io.ReadAll(io.LimitReader(zr, maxICCSize+1))
	if err != nil || len(icc) > maxICCSize || len(icc) == 0 {
		return nil
	}
	return icc
}

func webpMeta(data []byte) Meta {
	var m Meta
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return m
	}
	for off := 12; off+8 <= len(data); {
		n := int64(le32(data[off+4:]))
		end := int64(off) + 8 + n
		if end > int64(len(data)) {
			break
		}
		payload := data[off+8 : end]
		switch string(data[off : off+4]) {
		case "ICCP":
			if m.ICC == nil {
				m.ICC = payload
			}
		case "EXIF":
			if m.EXIF == nil {
				m.EXIF = payload
			}
		}
		off = int(end + n&1)
	}
	return m
}

func tiffMeta(data []byte) Meta {
	m := Meta{Orientation: 1}
	h, err := ProbeBytes(data)
	if err != nil || h.Format != TIFF {
		return m
	}
	m.Orientation = h.Orientation
	if m.ICC = bigTIFFICC(data); m.ICC != nil {
		return m
	}
	e, bo, ok := findIFD0Tag(data, tagICCProfile)
	if !ok {
		return m
	}
	typ, count := bo.u16(data[e+2:]), int64(bo.u32(data[e+4:]))
	if (typ != typeUndefined && typ != typeByte) || count <= 4 || count > maxICCSize {
		return m
	}
	off := int64(bo.u32(data[e+8:]))
	if off+count <= int64(len(data)) {
		m.ICC = data[off : off+count]
	}
	return m
}
