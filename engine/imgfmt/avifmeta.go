package imgfmt

import "bytes"

// AVIF files are ISO-BMFF: a top-level "meta" box describes the items
// (iloc: where each item's data lies in the file; iprp/ipco: properties;
// iprp/ipma: which item has which properties) and "mdat" holds the data.
// libavif writes the colour description as a "colr" box of type "nclx".
// An ICC profile is a second "colr" box of type "prof" (HEIF allows both),
// associated with the primary item.

// isoBox is one box: its type, where it starts, its header length and its
// total size.
type isoBox struct {
	typ      string
	off, hdr int
	size     int
}

func (b isoBox) body() int { return b.off + b.hdr }
func (b isoBox) end() int  { return b.off + b.size }

// isoBoxes lists the boxes in data[start:end]. Boxes with 64-bit or
// to-the-end sizes, or that overrun, end the list with ok false.
func isoBoxes(data []byte, start, end int) (boxes []isoBox, ok bool) {
	for off := start; off < end; {
		if off+8 > end {
			return boxes, false
		}
		size := int(be32(data[off:]))
		if size < 8 || off+size > end {
			return boxes, false
		}
		boxes = append(boxes, isoBox{typ: string(data[off+4 : off+8]), off: off, hdr: 8, size: size})
		off += size
	}
	return boxes, true
}

func findBox(boxes []isoBox, typ string) (isoBox, bool) {
	for _, b := range boxes {
		if b.typ == typ {
			return b, true
		}
	}
	return isoBox{}, false
}

// avifLayout is what avifWithICC and avifMeta need to know about a file.
type avifLayout struct {
	meta, iloc, iprp, ipco, ipma isoBox
	props                        []isoBox // children of ipco
	primary                      uint32
}

func parseAVIF(data []byte) (l avifLayout, ok bool) {
	top, ok := isoBoxes(data, 0, len(data))
	if !ok && len(top) == 0 {
		return l, false
	}
	if l.meta, ok = findBox(top, "meta"); !ok || l.meta.size < 12 {
		return l, false
	}
	// meta is a FullBox: 4 bytes of version and flags.
	children, ok := isoBoxes(data, l.meta.body()+4, l.meta.end())
	if !ok {
		return l, false
	}
	l.primary = 1
	if pitm, ok := findBox(children, "pitm"); ok && pitm.size >= 14 {
		if data[pitm.body()] == 0 {
			l.primary = uint32(be16(data[pitm.body()+4:]))
		} else if pitm.size >= 16 {
			l.primary = be32(data[pitm.body()+4:])
		}
	}
	l.iloc, _ = findBox(children, "iloc")
	if l.iprp, ok = findBox(children, "iprp"); !ok {
		return l, false
	}
	iprp, ok := isoBoxes(data, l.iprp.body(), l.iprp.end())
	if !ok {
		return l, false
	}
	if l.ipco, ok = findBox(iprp, "ipco"); !ok {
		return l, false
	}
	if l.ipma, ok = findBox(iprp, "ipma"); !ok {
		return l, false
	}
	if l.props, ok = isoBoxes(data, l.ipco.body(), l.ipco.end()); !ok {
		return l, false
	}
	return l, true
}

// avifWithICC returns the file with icc added as a "colr"/"prof" property
// of the primary item. It handles the layouts libavif writes (iloc with
// absolute 4- or 8-byte offsets into the file, no base offsets) and reports
// false for anything else, leaving the caller to write the file without the
// profile.
func avifWithICC(data, icc []byte) ([]byte, bool) {
	colr := make([]byte, 0, 12+len(icc))
	n := uint32(12 + len(icc))
	colr = append(colr, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	colr = append(colr, "colrprof"...)
	colr = append(colr, icc...)
	return withItemProperty(data, colr, false)
}

// withItemProperty returns the file with the property box prop added to
// ipco and associated with the primary item (last, so after any existing
// transformative property), essential or not; see avifWithICC for the
// layouts it handles.
func withItemProperty(data, prop []byte, essential bool) ([]byte, bool) {
	l, ok := parseAVIF(data)
	if !ok || l.iloc.size == 0 || len(l.props) >= 127 {
		return nil, false
	}
	// Where the primary item's associations end inside ipma.
	insertAt, countAt, ok := ipmaPrimaryEnd(data, l.ipma, l.primary)
	if !ok {
		return nil, false
	}
	newIndex := byte(len(l.props) + 1) // 1-based
	if essential {
		newIndex |= 0x80
	}
	delta := len(prop) + 1

	out := bytes.Clone(data)
	if !shiftILOC(out, l.iloc, l.meta.end(), delta) {
		return nil, false
	}
	if out[countAt] == 255 {
		return nil, false
	}
	out[countAt]++
	for _, b := range []isoBox{l.meta, l.iprp, l.ipco, l.ipma} {
		grow := delta
		switch b.typ {
		case "ipco":
			grow = len(prop)
		case "ipma":
			grow = 1
		}
		putBE32(out[b.off:], uint32(b.size+grow))
	}
	// ipco ends before ipma starts (libavif's order); splice both.
	if l.ipco.end() > l.ipma.off {
		return nil, false
	}
	res := make([]byte, 0, len(out)+delta)
	res = append(res, out[:l.ipco.end()]...)
	res = append(res, prop...)
	res = append(res, out[l.ipco.end():insertAt]...)
	res = append(res, newIndex)
	res = append(res, out[insertAt:]...)
	return res, true
}

func putBE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// ipmaPrimaryEnd finds, in an ipma box with 1-byte associations, the
// offset just after the primary item's last association and the offset of
// its association count.
func ipmaPrimaryEnd(data []byte, ipma isoBox, primary uint32) (insertAt, countAt int, ok bool) {
	p := ipma.body()
	end := ipma.end()
	if p+8 > end {
		return 0, 0, false
	}
	version, flags := data[p], uint32(data[p+1])<<16|uint32(data[p+2])<<8|uint32(data[p+3])
	if flags&1 != 0 { // 2-byte associations: not written by libavif
		return 0, 0, false
	}
	entries := int(be32(data[p+4:]))
	p += 8
	for range entries {
		var id uint32
		if version < 1 {
			if p+2 > end {
				return 0, 0, false
			}
			id, p = uint32(be16(data[p:])), p+2
		} else {
			if p+4 > end {
				return 0, 0, false
			}
			id, p = be32(data[p:]), p+4
		}
		if p+1 > end {
			return 0, 0, false
		}
		count := int(data[p])
		countAt = p
		p += 1 + count
		if p > end {
			return 0, 0, false
		}
		if id == primary {
			return p, countAt, true
		}
	}
	return 0, 0, false
}

// shiftILOC adds delta to every item location at or after from, in place:
// the base offset when the item has one, else its extent offsets. Only
// version 0/1 iloc boxes with construction method 0 are handled.
func shiftILOC(data []byte, iloc isoBox, from, delta int) bool {
	p, end := iloc.body(), iloc.end()
	if p+8 > end {
		return false
	}
	version := data[p]
	if version > 1 {
		return false
	}
	offSize, lenSize := int(data[p+4]>>4), int(data[p+4]&15)
	baseSize, idxSize := int(data[p+5]>>4), 0
	if version == 1 {
		idxSize = int(data[p+5] & 15)
	}
	if (baseSize != 0 && baseSize != 4 && baseSize != 8) || (offSize != 4 && offSize != 8) || lenSize > 8 || idxSize > 8 {
		return false
	}
	// shift adds delta to the size-byte field at q if it is >= from.
	shift := func(q, size int) bool {
		if size == 4 {
			if v := int64(be32(data[q:])); v >= int64(from) {
				if v+int64(delta) > 1<<32-1 {
					return false
				}
				putBE32(data[q:], uint32(v+int64(delta)))
			}
			return true
		}
		hi, lo := uint64(be32(data[q:])), uint64(be32(data[q+4:]))
		if v := hi<<32 | lo; v >= uint64(from) {
			v += uint64(delta)
			putBE32(data[q:], uint32(v>>32))
			putBE32(data[q+4:], uint32(v))
		}
		return true
	}
	items := int(be16(data[p+6:]))
	p += 8
	for range items {
		p += 2 // item_ID
		if version == 1 {
			if p+2 > end || be16(data[p:])&15 != 0 { // construction method
				return false
			}
			p += 2
		}
		if p+4+baseSize > end {
			return false
		}
		p += 2 // data_reference_index
		hasBase := false
		if baseSize > 0 {
			for _, c := range data[p : p+baseSize] {
				hasBase = hasBase || c != 0
			}
			if hasBase && !shift(p, baseSize) {
				return false
			}
			p += baseSize
		}
		extents := int(be16(data[p:]))
		p += 2
		for range extents {
			p += idxSize
			if p+offSize+lenSize > end {
				return false
			}
			if !hasBase && !shift(p, offSize) {
				return false
			}
			p += offSize + lenSize
		}
	}
	return true
}
