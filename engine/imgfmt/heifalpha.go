package imgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
)

// HEIC transparency. An alpha channel is a separate HEVC-coded auxiliary
// image item (auxC "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", or
// HEVC's auxid 1) that references the colour item through an "auxl" iref.
// gen2brain/heic's WebAssembly module (heicwasm.go) exports only decode(),
// which asks libheif for the primary item in its preferred colour space
// (YCbCr for HEVC) and copies out the Y, Cb and Cr planes: libheif would
// decode the alpha plane too, but the module never hands it over, and no
// other libheif function is exported.
//
// So imgpar decodes the alpha item as a picture of its own, from a copy of
// the file edited in place (heifForWrapper: pitm names the alpha item, its
// infe is no longer hidden, auxl references are renamed; no offset
// moves), and the colour from a copy whose auxl references are renamed
// (libheif then does not decode the alpha plane with it, unused). libheif
// applied the colour item's clap, irot and imir to the colour picture;
// they are applied to the alpha picture here, so that both show the same
// displayed picture. A "prem" iref from the colour item to the alpha item
// marks premultiplied colour. The cost is one more libheif run, on the
// alpha plane.

// heifAlphaRef is the alpha item of the primary item, if any.
type heifAlphaRef struct {
	id            uint32
	premultiplied bool
}

// heifFindAlpha returns the alpha item that references the primary item
// through "auxl".
func heifFindAlpha(data []byte) (heifAlphaRef, error) {
	l, ok := parseAVIF(data)
	if !ok {
		return heifAlphaRef{}, errors.New("no readable meta box")
	}
	assoc, err := ipmaAssociations(data, l.ipma)
	if err != nil {
		return heifAlphaRef{}, err
	}
	refs := heifIrefs(data, l)
	var a heifAlphaRef
	found := false
	for _, r := range refs {
		if r.typ == "auxl" && r.to == l.primary && heifIsAlpha(data, l, assoc[r.from]) {
			a.id, found = r.from, true
			break
		}
	}
	if !found {
		return a, fmt.Errorf("HEIC alpha plane that is not linked to the primary image (no auxl reference) is %w", ErrUnsupported)
	}
	for _, r := range refs {
		if r.typ == "prem" && r.from == l.primary && r.to == a.id {
			a.premultiplied = true
		}
	}
	return a, nil
}

// heifRef is one reference of the iref box: from -> to, of a type.
type heifRef struct {
	typ      string
	from, to uint32
}

// heifIrefs reads the meta box's iref (version 0: 16-bit item IDs, 1:
// 32-bit).
func heifIrefs(data []byte, l avifLayout) []heifRef {
	children, ok := isoBoxes(data, l.meta.body()+4, l.meta.end())
	if !ok {
		return nil
	}
	iref, ok := findBox(children, "iref")
	if !ok || iref.body()+4 > iref.end() {
		return nil
	}
	wide := data[iref.body()] != 0
	boxes, _ := isoBoxes(data, iref.body()+4, iref.end())
	var out []heifRef
	for _, b := range boxes {
		p, end := b.body(), b.end()
		id := func() (uint32, bool) {
			if wide {
				if p+4 > end {
					return 0, false
				}
				p += 4
				return be32(data[p-4:]), true
			}
			if p+2 > end {
				return 0, false
			}
			p += 2
			return uint32(be16(data[p-2:])), true
		}
		from, ok := id()
		if !ok || p+2 > end {
			continue
		}
		n := int(be16(data[p:]))
		p += 2
		for range n {
			to, ok := id()
			if !ok {
				break
			}
			out = append(out, heifRef{typ: b.typ, from: from, to: to})
		}
	}
	return out
}

// heifForWrapper returns a copy of data edited, in place (no offset
// moves), so that gen2brain/heic's decode() decodes the primary item or,
// given alphaID, that alpha plane, in a colour space its wrapper takes:
//
//   - auxl references are renamed to a type no reader knows: libheif
//     takes no auxiliary image as the primary one, and decoding the colour
//     it would decode the alpha plane too, unused (and, for an odd-sized
//     grid alpha, crash the module: "wasm error: invalid table access");
//   - for an alpha plane (alphaID not 0): pitm names it and its infe is no
//     longer hidden (libheif takes no hidden item as the primary one);
//   - a monochrome hvcC (chroma_format_idc 0) of the item or, for a grid,
//     of its tiles is relabelled 4:2:0. libheif picks the colour space it
//     decodes to from the (first tile's) pixi, else from hvcC's chroma
//     format, and for a monochrome hvcC without a one-channel pixi it
//     names YCbCr with monochrome chroma, which the wrapper refuses
//     ("unsupported chroma 0"); libheif's monochrome grid path fails as
//     well. Relabelled, libde265 still decodes the monochrome stream (the
//     SPS says 4:0:0) and libheif converts it to YCbCr 4:2:0 with neutral
//     chroma: the Y plane is the picture.
//
// changed reports whether anything was edited.
func heifForWrapper(data []byte, alphaID uint32) (out []byte, changed, ok bool) {
	l, ok := parseAVIF(data)
	if !ok {
		return nil, false, false
	}
	id, alpha := alphaID, alphaID != 0
	if !alpha {
		id = l.primary
	}
	items := heifItems(data, l)
	it, ok := items[id]
	if !ok {
		return nil, false, false
	}
	out = bytes.Clone(data)
	children, ok := isoBoxes(out, l.meta.body()+4, l.meta.end())
	if !ok {
		return nil, false, false
	}
	if alpha {
		pitm, ok := findBox(children, "pitm")
		if !ok {
			return nil, false, false
		}
		p := pitm.body()
		switch {
		case out[p] == 0 && pitm.size >= 14 && id <= 0xFFFF:
			out[p+4], out[p+5] = byte(id>>8), byte(id)
		case out[p] != 0 && pitm.size >= 16:
			putBE32(out[p+4:], id)
		default:
			return nil, false, false
		}
		out[it.infe.body()+3] &^= 1 // infe flags bit 0: hidden
		changed = true
	}
	if iref, ok := findBox(children, "iref"); ok && iref.body()+4 <= iref.end() {
		refs, _ := isoBoxes(out, iref.body()+4, iref.end())
		for _, r := range refs {
			if r.typ == "auxl" {
				copy(out[r.off+4:], "xaux")
				changed = true
			}
		}
	}
	targets := []uint32{id}
	if it.typ == "grid" {
		for _, r := range heifIrefs(data, l) {
			if r.typ == "dimg" && r.from == id {
				targets = append(targets, r.to)
			}
		}
	}
	assoc, err := ipmaAssociations(data, l.ipma)
	if err != nil {
		return nil, false, false
	}
	for _, t := range targets {
		for _, idx := range assoc[t] {
			if idx < 1 || idx > len(l.props) || l.props[idx-1].typ != "hvcC" {
				continue
			}
			// HEVCDecoderConfigurationRecord byte 16: six reserved bits,
			// then chroma_format_idc.
			if b := l.props[idx-1]; b.body()+17 <= b.end() && out[b.body()+16]&3 == 0 {
				out[b.body()+16] |= 1
				changed = true
			}
		}
	}
	return out, changed, true
}

// decodeHEICAlpha decodes the alpha plane of a HEIC file as an 8-bit grey
// picture of the displayed size.
func decodeHEICAlpha(data []byte, ops []heifOp) (*image.Gray, bool, error) {
	ref, err := heifFindAlpha(data)
	if err != nil {
		return nil, false, err
	}
	alt, _, ok := heifForWrapper(data, ref.id)
	if !ok {
		return nil, false, fmt.Errorf("HEIC alpha plane (item %d) is %w: its item entries cannot be read", ref.id, ErrUnsupported)
	}
	img, err := heicDecodeWASM(alt)
	if err != nil {
		return nil, false, fmt.Errorf("alpha plane: %w", heifError("libheif", err))
	}
	var a *image.Gray
	switch s := img.(type) {
	case *image.Gray:
		a = &image.Gray{Pix: bytes.Clone(s.Pix), Stride: s.Stride, Rect: s.Rect}
	case *image.YCbCr:
		a = &image.Gray{Pix: bytes.Clone(s.Y), Stride: s.YStride, Rect: s.Rect}
	default:
		return nil, false, fmt.Errorf("HEIC alpha plane decoded as %T is %w", img, ErrUnsupported)
	}
	out := applyHEIFOps(a, ops)
	g, ok := out.(*image.Gray)
	if !ok {
		g = image.NewGray(out.Bounds())
		draw.Draw(g, g.Rect, out, out.Bounds().Min, draw.Src)
	}
	return g, ref.premultiplied, nil
}

// heifAddAlpha joins the colour picture and its alpha plane: NRGBA, or
// RGBA for premultiplied colour (each sample clamped to its alpha, so the
// result is valid premultiplied data whatever the encoder rounded).
func heifAddAlpha(colour image.Image, alpha *image.Gray, premultiplied bool) (image.Image, error) {
	b, ab := colour.Bounds(), alpha.Bounds()
	if b.Size() != ab.Size() {
		return nil, fmt.Errorf("HEIC alpha plane of %dx%d for a %dx%d picture is %w", ab.Dx(), ab.Dy(), b.Dx(), b.Dy(), ErrUnsupported)
	}
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	pix := image.NewNRGBA(r)
	draw.Draw(pix, r, colour, b.Min, draw.Src)
	for y := range r.Dy() {
		row := pix.Pix[y*pix.Stride : y*pix.Stride+4*r.Dx()]
		arow := alpha.Pix[alpha.PixOffset(ab.Min.X, ab.Min.Y+y):]
		for x := range r.Dx() {
			a := arow[x]
			row[4*x+3] = a
			if premultiplied {
				row[4*x+0] = min(row[4*x+0], a)
				row[4*x+1] = min(row[4*x+1], a)
				row[4*x+2] = min(row[4*x+2], a)
			}
		}
	}
	if premultiplied {
		return &image.RGBA{Pix: pix.Pix, Stride: pix.Stride, Rect: r}, nil
	}
	return pix, nil
}
