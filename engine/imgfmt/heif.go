package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"math"
)

// HEIC and AVIF are both HEIF files (ISO/IEC 23008-12, on ISO-BMFF): a
// top-level "meta" box names the primary item (pitm), lists items (iinf),
// where their data lies (iloc), their properties (iprp/ipco) and which item
// has which (iprp/ipma). What imgpar reads from the primary item:
//
//   - ispe: the coded size;
//   - the transformative properties, applied in their association order:
//     clap (crop to the clean aperture), irot (rotate anticlockwise by
//     90° steps), imir (mirror: axis 0 top↔bottom, 1 left↔right, as
//     libheif and libavif read it). They are part of the picture: a viewer
//     must apply them (sharp does, through libheif), and the EXIF
//     orientation in a HEIF file must be ignored (the HEIF spec; libvips
//     and libheif do the same) — so HEIC and AVIF input is always shown
//     upright and never turned twice, --no-rotate or not;
//   - colr: the ICC profile (type prof or rICC) and the nclx colour
//     description (matrix, full range);
//   - pixi: bits per channel; an auxiliary alpha image (auxC).
//
// The EXIF item (iinf type "Exif") is located through iloc.

// heifInfo is what Probe, ReadMeta and the decoders need from a HEIF file.
type heifInfo struct {
	width, height int // ispe of the primary item
	ops           []heifOp
	icc           []byte
	nclx          *heifNCLX
	depth         int
	channels      int
	alpha         bool
	exif          []byte // the Exif item's TIFF payload, aliasing the input
	itemType      string // the primary item's type: hvc1, av01, grid, ...
}

// heifOp is one transformative property.
type heifOp struct {
	typ    string // "irot", "imir" or "clap"
	rot    int    // irot: anticlockwise quarter turns, 0..3
	axis   int    // imir
	clap   [8]int64
	clapOK bool
}

type heifNCLX struct {
	primaries, transfer, matrix int
	fullRange                   bool
}

// displaySize returns the size after the transformative properties.
func (h heifInfo) displaySize() (int, int) {
	w, ht := h.width, h.height
	for _, op := range h.ops {
		switch op.typ {
		case "irot":
			if op.rot%2 == 1 {
				w, ht = ht, w
			}
		case "clap":
			if r, ok := op.clapRect(w, ht); ok {
				w, ht = r.Dx(), r.Dy()
			}
		}
	}
	return w, ht
}

// clapRect is the clean aperture of a w x h picture, computed as libheif
// does: the centre is offset from the picture's centre, the edges rounded
// down.
func (op heifOp) clapRect(w, h int) (image.Rectangle, bool) {
	c := op.clap
	if !op.clapOK || c[1] == 0 || c[3] == 0 || c[5] == 0 || c[7] == 0 {
		return image.Rectangle{}, false
	}
	cw, ch := float64(c[0])/float64(c[1]), float64(c[2])/float64(c[3])
	hoff, voff := float64(c[4])/float64(c[5]), float64(c[6])/float64(c[7])
	left := int(math.Floor(hoff + float64(w-1)/2 - (cw-1)/2))
	right := int(math.Floor(hoff + float64(w-1)/2 + (cw-1)/2))
	top := int(math.Floor(voff + float64(h-1)/2 - (ch-1)/2))
	bottom := int(math.Floor(voff + float64(h-1)/2 + (ch-1)/2))
	r := image.Rect(left, top, right+1, bottom+1)
	if r.Empty() || !r.In(image.Rect(0, 0, w, h)) {
		return image.Rectangle{}, false
	}
	return r, true
}

// parseHEIF reads the meta box of a HEIF file. data may be the whole file
// or (for Probe) a prefix holding the top-level boxes up to and including
// meta; the Exif item is found only when its data lies within data.
func parseHEIF(data []byte) (heifInfo, error) {
	var h heifInfo
	l, ok := parseAVIF(data)
	if !ok {
		return h, errors.New("no readable meta box with item properties")
	}
	assoc, err := ipmaAssociations(data, l.ipma)
	if err != nil {
		return h, err
	}
	prim, ok := assoc[l.primary]
	if !ok {
		return h, fmt.Errorf("primary item %d has no properties", l.primary)
	}
	for _, idx := range prim {
		if idx < 1 || idx > len(l.props) {
			continue
		}
		p := l.props[idx-1]
		body := data[p.body():p.end()]
		switch p.typ {
		case "ispe":
			if len(body) >= 12 {
				h.width, h.height = int(be32(body[4:])), int(be32(body[8:]))
			}
		case "irot":
			if len(body) >= 1 {
				h.ops = append(h.ops, heifOp{typ: "irot", rot: int(body[0] & 3)})
			}
		case "imir":
			if len(body) >= 1 {
				h.ops = append(h.ops, heifOp{typ: "imir", axis: int(body[0] & 1)})
			}
		case "clap":
			if len(body) >= 32 {
				op := heifOp{typ: "clap", clapOK: true}
				for i := range 8 {
					v := be32(body[4*i:])
					if i%2 == 0 && i >= 4 { // offsets are signed
						op.clap[i] = int64(int32(v))
					} else {
						op.clap[i] = int64(v)
					}
				}
				h.ops = append(h.ops, op)
			}
		case "colr":
			if len(body) >= 4 {
				switch string(body[:4]) {
				case "prof", "rICC":
					if h.icc == nil {
						h.icc = body[4:]
					}
				case "nclx":
					if len(body) >= 11 {
						h.nclx = &heifNCLX{
							primaries: int(be16(body[4:])), transfer: int(be16(body[6:])),
							matrix: int(be16(body[8:])), fullRange: body[10]&0x80 != 0,
						}
					}
				}
			}
		case "pixi":
			if len(body) >= 6 {
				h.channels = int(body[4])
				h.depth = int(body[5])
			}
		}
	}
	if h.width <= 0 || h.height <= 0 {
		return h, errors.New("primary item has no image size (ispe)")
	}
	// An alpha plane is an auxiliary item with an auxC naming alpha.
	for id, props := range assoc {
		if id == l.primary {
			continue
		}
		if heifIsAlpha(data, l, props) {
			h.alpha = true
		}
	}
	items := heifItems(data, l)
	h.itemType = items[l.primary].typ
	for id, it := range items {
		if it.typ == "Exif" {
			h.exif = heifExif(data, l, id)
			break
		}
	}
	return h, nil
}

// heifIsAlpha reports whether an item with these property indices is an
// alpha plane: its auxC names alpha (the MIAF URN or HEVC's auxid 1).
func heifIsAlpha(data []byte, l avifLayout, props []int) bool {
	for _, idx := range props {
		if idx >= 1 && idx <= len(l.props) && l.props[idx-1].typ == "auxC" {
			p := l.props[idx-1]
			urn := data[p.body():p.end()]
			if bytes.Contains(urn, []byte("auxiliary:alpha")) || bytes.Contains(urn, []byte("urn:mpeg:hevc:2015:auxid:1\x00")) {
				return true
			}
		}
	}
	return false
}

// ipmaAssociations returns every item's property indices (1-based, in
// order, the essential bit dropped).
func ipmaAssociations(data []byte, ipma isoBox) (map[uint32][]int, error) {
	p, end := ipma.body(), ipma.end()
	if p+8 > end {
		return nil, errors.New("ipma box too short")
	}
	version, wide := data[p], data[p+3]&1 != 0
	n := int(be32(data[p+4:]))
	p += 8
	out := make(map[uint32][]int)
	bad := errors.New("ipma box overruns")
	for range n {
		var id uint32
		if version < 1 {
			if p+2 > end {
				return nil, bad
			}
			id, p = uint32(be16(data[p:])), p+2
		} else {
			if p+4 > end {
				return nil, bad
			}
			id, p = be32(data[p:]), p+4
		}
		if p+1 > end {
			return nil, bad
		}
		count := int(data[p])
		p++
		var idx []int
		for range count {
			if wide {
				if p+2 > end {
					return nil, bad
				}
				idx, p = append(idx, int(be16(data[p:])&0x7FFF)), p+2
			} else {
				if p+1 > end {
					return nil, bad
				}
				idx, p = append(idx, int(data[p]&0x7F)), p+1
			}
		}
		out[id] = idx
	}
	return out, nil
}

// heifItem is one item's entry in iinf.
type heifItem struct {
	typ  string // hvc1, av01, grid, Exif, ...
	infe isoBox // its infe box (flags bit 0: hidden)
}

// heifItems reads iinf: every item's type and infe box.
func heifItems(data []byte, l avifLayout) map[uint32]heifItem {
	types := make(map[uint32]heifItem)
	children, ok := isoBoxes(data, l.meta.body()+4, l.meta.end())
	if !ok {
		return types
	}
	iinf, ok := findBox(children, "iinf")
	if !ok {
		return types
	}
	p, end := iinf.body(), iinf.end()
	if p+6 > end {
		return types
	}
	if data[p] == 0 {
		p += 6
	} else {
		p += 8
	}
	infes, _ := isoBoxes(data, p, end)
	for _, b := range infes {
		q := b.body()
		if b.typ != "infe" || q+4 > b.end() {
			continue
		}
		v := data[q]
		q += 4
		var id uint32
		switch v {
		case 2:
			if q+8 > b.end() {
				continue
			}
			id, q = uint32(be16(data[q:])), q+4
		case 3:
			if q+10 > b.end() {
				continue
			}
			id, q = be32(data[q:]), q+6
		default:
			continue
		}
		types[id] = heifItem{typ: string(data[q : q+4]), infe: b}
	}
	return types
}

// heifExif returns the TIFF payload of the Exif item id, or nil.
func heifExif(data []byte, l avifLayout, id uint32) []byte {
	if l.iloc.size == 0 {
		return nil
	}
	off, n, ok := ilocExtent(data, l.iloc, id)
	if !ok || off < 0 || n < 4 || off+n > int64(len(data)) {
		return nil
	}
	payload := data[off : off+n]
	skip := int64(be32(payload))
	if 4+skip >= n {
		return nil
	}
	return payload[4+skip:]
}

// ilocExtent returns the file offset and length of an item stored as one
// extent in the file (construction method 0).
func ilocExtent(data []byte, iloc isoBox, item uint32) (off, n int64, ok bool) {
	p, end := iloc.body(), iloc.end()
	if p+8 > end {
		return 0, 0, false
	}
	version := data[p]
	offSize, lenSize := int(data[p+4]>>4), int(data[p+4]&15)
	baseSize, idxSize := int(data[p+5]>>4), 0
	if version >= 1 {
		idxSize = int(data[p+5] & 15)
	}
	p += 6
	var count int
	if version < 2 {
		count, p = int(be16(data[p:])), p+2
	} else {
		if p+4 > end {
			return 0, 0, false
		}
		count, p = int(be32(data[p:])), p+4
	}
	readN := func(size int) (int64, bool) {
		if p+size > end {
			return 0, false
		}
		var v uint64
		for i := range size {
			v = v<<8 | uint64(data[p+i])
		}
		p += size
		return int64(v), v < 1<<62
	}
	for range count {
		var id uint32
		if version < 2 {
			v, ok := readN(2)
			if !ok {
				return 0, 0, false
			}
			id = uint32(v)
		} else {
			v, ok := readN(4)
			if !ok {
				return 0, 0, false
			}
			id = uint32(v)
		}
		method := int64(0)
		if version >= 1 {
			v, ok := readN(2)
			if !ok {
				return 0, 0, false
			}
			method = v & 15
		}
		if _, ok := readN(2); !ok { // data_reference_index
			return 0, 0, false
		}
		base, ok := readN(baseSize)
		if !ok {
			return 0, 0, false
		}
		extents, ok := readN(2)
		if !ok {
			return 0, 0, false
		}
		var first, total int64
		for e := range extents {
			if _, ok := readN(idxSize); !ok {
				return 0, 0, false
			}
			o, ok1 := readN(offSize)
			l, ok2 := readN(lenSize)
			if !ok1 || !ok2 {
				return 0, 0, false
			}
			if e == 0 {
				first = base + o
			}
			total += l
		}
		if id == item {
			return first, total, method == 0 && extents == 1
		}
	}
	return 0, 0, false
}

// isHEICHead reports an ISO-BMFF "ftyp" box whose brands name HEIF with
// HEVC (heic, heix, heim, heis, hevc, hevx, hevm, hevs) or generic HEIF
// (mif1, msf1) — checked after AVIF, whose files list mif1 too.
func isHEICHead(head []byte) bool {
	return ftypHasBrand(head, "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1")
}

// probeHEIF reads the boxes up to meta and returns the displayed size
// (after clap/irot, which the decoders apply), orientation 1.
func probeHEIF(p *probeReader) (Header, error) {
	h := Header{Orientation: 1, BitDepth: 8, Components: 3}
	var off int64
	for range probeMaxSegments {
		b, err := p.at(off, 8)
		if err != nil {
			return h, err
		}
		size := int64(be32(b))
		typ := string(b[4:8])
		hdr := int64(8)
		if size == 1 {
			b, err := p.at(off+8, 8)
			if err != nil {
				return h, err
			}
			size, hdr = int64(be32(b))<<32|int64(be32(b[4:])), 16
		}
		if size == 0 {
			size = p.size - off
		}
		if size < hdr || size > p.size-off {
			return h, fmt.Errorf("box %q at offset %d: bad size %d", typ, off, size)
		}
		if typ == "meta" {
			if size > probeMaxPayload {
				return h, fmt.Errorf("meta box of %d bytes is larger than %d", size, probeMaxPayload)
			}
			meta, err := p.at(off, int(size))
			if err != nil {
				return h, err
			}
			info, err := parseHEIF(meta)
			if err != nil {
				return h, err
			}
			h.Width, h.Height = info.displaySize()
			if info.depth > 0 {
				h.BitDepth = info.depth
			}
			if info.channels == 1 {
				h.Components = 1
			}
			if info.alpha {
				h.Components++
			}
			return h, nil
		}
		off += size
		if off > probeMaxOffset {
			break
		}
	}
	return h, errors.New("no meta box")
}
