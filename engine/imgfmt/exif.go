package imgfmt

import "bytes"

// TIFF-structured data (TIFF files and EXIF payloads alike): a byte-order
// mark, the magic 42, the offset of IFD0; an IFD is a count and 12-byte
// entries (tag, type, count, value or offset).

const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagOrientation     = 274
	tagSamplesPerPixel = 277
	tagICCProfile      = 34675

	typeByte      = 1
	typeShort     = 3
	typeLong      = 4
	typeUndefined = 7

	maxIFDEntries = 4096
)

// exifPrefix starts the EXIF APP1 segment of a JPEG (and, wrongly but
// commonly, some PNG eXIf and WebP EXIF chunks).
var exifPrefix = []byte("Exif\x00\x00")

type byteOrder bool // true: big-endian ("MM")

func tiffOrder(b []byte) byteOrder { return byteOrder(b[0] == 'M') }

func (bo byteOrder) u16(b []byte) uint16 {
	if bo {
		return be16(b)
	}
	return le16(b)
}

func (bo byteOrder) u32(b []byte) uint32 {
	if bo {
		return be32(b)
	}
	return le32(b)
}

func (bo byteOrder) put16(b []byte, v uint16) {
	if bo {
		b[0], b[1] = byte(v>>8), byte(v)
	} else {
		b[0], b[1] = byte(v), byte(v>>8)
	}
}

func (bo byteOrder) put32(b []byte, v uint32) {
	if bo {
		b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	} else {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	raw      [4]byte // the value if it fits, else its offset
}

// value returns the first value of a BYTE, SHORT or LONG entry stored
// inline, or 0.
func (e ifdEntry) value(bo byteOrder) uint32 {
	switch e.typ {
	case typeByte:
		return uint32(e.raw[0])
	case typeShort:
		return uint32(bo.u16(e.raw[:]))
	case typeLong:
		if e.count == 1 {
			return bo.u32(e.raw[:])
		}
	}
	return 0
}

func parseIFDEntries(b []byte, bo byteOrder, n int) []ifdEntry {
	entries := make([]ifdEntry, n)
	for i := range entries {
		e := b[i*12 : i*12+12]
		entries[i] = ifdEntry{tag: bo.u16(e), typ: bo.u16(e[2:]), count: bo.u32(e[4:])}
		copy(entries[i].raw[:], e[8:12])
	}
	return entries
}

// trimExifPrefix drops a leading "Exif\0\0" so that the payload starts with
// the TIFF header.
func trimExifPrefix(b []byte) []byte {
	return bytes.TrimPrefix(b, exifPrefix)
}

// findIFD0Tag returns the offset in b of the IFD0 entry for tag.
func findIFD0Tag(b []byte, tag uint16) (entryOff int, bo byteOrder, ok bool) {
	if len(b) < 8 {
		return 0, false, false
	}
	switch string(b[:4]) {
	case "II*\x00", "MM\x00*":
	default:
		return 0, false, false
	}
	bo = tiffOrder(b)
	off := int64(bo.u32(b[4:]))
	if off < 8 || off+2 > int64(len(b)) {
		return 0, bo, false
	}
	n := int64(bo.u16(b[off:]))
	for i := range n {
		e := off + 2 + i*12
		if e+12 > int64(len(b)) {
			return 0, bo, false
		}
		if bo.u16(b[e:]) == tag {
			return int(e), bo, true
		}
	}
	return 0, bo, false
}

// exifOrientation returns the Orientation tag of IFD0 of a TIFF-structured
// EXIF payload (an "Exif\0\0" prefix is tolerated), or 1 if there is none or
// it is out of range.
func exifOrientation(b []byte) int {
	b = trimExifPrefix(b)
	e, bo, ok := findIFD0Tag(b, tagOrientation)
	if !ok {
		return 1
	}
	var v uint32
	switch bo.u16(b[e+2:]) {
	case typeShort:
		v = uint32(bo.u16(b[e+8:]))
	case typeLong:
		v = bo.u32(b[e+8:])
	case typeByte:
		v = uint32(b[e+8])
	}
	if v < 1 || v > 8 {
		return 1
	}
	return int(v)
}

// ResetOrientation returns a copy of a TIFF-structured EXIF payload with the
// Orientation tag of IFD0 set to 1 (top-left), for either byte order. A
// leading "Exif\0\0" is dropped from the copy. A payload without the tag,
// or one it cannot parse, is copied unchanged; nil stays nil.
func ResetOrientation(exif []byte) []byte {
	if exif == nil {
		return nil
	}
	out := bytes.Clone(trimExifPrefix(exif))
	e, bo, ok := findIFD0Tag(out, tagOrientation)
	if !ok {
		return out
	}
	bo.put16(out[e+2:], typeShort)
	bo.put32(out[e+4:], 1)
	out[e+8], out[e+9], out[e+10], out[e+11] = 0, 0, 0, 0
	bo.put16(out[e+8:], 1)
	return out
}
