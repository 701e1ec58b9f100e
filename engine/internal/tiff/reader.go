// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package tiff

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"

	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff/lzw"
)

// A FormatError reports that the input is not a valid TIFF image.
type FormatError string

func (e FormatError) Error() string {
	return "tiff: invalid format: " + string(e)
}

// An UnsupportedError reports that the input uses a valid but
// unimplemented feature. Its text names the feature and its value, so
// that the message reads "tiff: compression 34712 (JPEG 2000) is not
// supported".
type UnsupportedError string

func (e UnsupportedError) Error() string {
	return "tiff: " + string(e) + " is not supported"
}

var errNoPixels = FormatError("not enough pixel data")

// Limits that keep a hostile header from making the decoder allocate or
// loop without bound. Callers check the image's pixel count against their
// own limit before decoding (imgfmt probes the header first).
const (
	maxIFDEntries = 4096
	maxSide       = 1 << 20
	maxPixels     = 1 << 34
	maxBlockBytes = 1 << 30
)

type entry struct {
	typ   uint16
	count uint64
	val   []byte // the value if it fits (4 bytes, 8 in BigTIFF), else its offset
}

type decoder struct {
	data    []byte
	bo      binary.ByteOrder
	big     bool // BigTIFF: 64-bit offsets and counts
	entries map[uint16]entry

	width, height int
	spp           int // samples per pixel
	bits          int // bits per sample, the same for every sample
	float         bool
	photometric   uint64
	compression   uint64
	planar        bool
	predictor     uint64
	mode          imageMode
	colorSamples  int // 1 grey/palette, 3 RGB/YCbCr, 4 CMYK
	alpha         int // 0 none, 1 associated, 2 unassociated
	palette       color.Palette
	ssH, ssV      int // YCbCr chroma subsampling
	// sampleOrder is the byte order of decoded multi-byte samples: the
	// file's, or big-endian after the floating-point predictor.
	sampleOrder binary.ByteOrder
	// ycc remaps Y, Cb, Cr codes to full range when ReferenceBlackWhite is
	// not the default; nil if it is.
	ycc *[3][256]uint8
}

// offset decodes an offset or inline value field.
func (d *decoder) offset(b []byte) uint64 {
	if d.big {
		return d.bo.Uint64(b)
	}
	return uint64(d.bo.Uint32(b))
}

// valueBytes returns the bytes of the first n values of e.
func (d *decoder) valueBytes(e entry, n uint64) ([]byte, error) {
	size := uint64(lengths[e.typ])
	if e.count*size <= uint64(len(e.val)) {
		return e.val[:n*size], nil
	}
	off := d.offset(e.val)
	if off > uint64(len(d.data)) || n*size > uint64(len(d.data))-off {
		return nil, FormatError("IFD value lies past the end of the file")
	}
	return d.data[off : off+n*size], nil
}

func (d *decoder) has(tag uint16) bool {
	_, ok := d.entries[tag]
	return ok
}

// uints returns up to max values of an integer entry, or nil if the tag is
// absent.
func (d *decoder) uints(tag uint16, max int) ([]uint64, error) {
	e, ok := d.entries[tag]
	if !ok {
		return nil, nil
	}
	n := min(e.count, uint64(max))
	b, err := d.valueBytes(e, n)
	if err != nil {
		return nil, err
	}
	u := make([]uint64, n)
	for i := range u {
		switch e.typ {
		case dtByte, dtSByte, dtUndefined:
			u[i] = uint64(b[i])
		case dtShort, dtSShort:
			u[i] = uint64(d.bo.Uint16(b[2*i:]))
		case dtLong, dtSLong, dtIFD:
			u[i] = uint64(d.bo.Uint32(b[4*i:]))
		case dtLong8, dtSLong8, dtIFD8:
			u[i] = d.bo.Uint64(b[8*i:])
		default:
			return nil, FormatError(fmt.Sprintf("tag %d has non-integer type %d", tag, e.typ))
		}
	}
	return u, nil
}

// first returns the first value of an integer entry, or def.
func (d *decoder) first(tag uint16, def uint64) (uint64, error) {
	u, err := d.uints(tag, 1)
	if err != nil || len(u) == 0 {
		return def, err
	}
	return u[0], nil
}

// rationals returns up to max values of a RATIONAL entry, or nil.
func (d *decoder) rationals(tag uint16, max int) ([]float64, error) {
	e, ok := d.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != dtRational && e.typ != dtSRational {
		return nil, nil
	}
	n := min(e.count, uint64(max))
	b, err := d.valueBytes(e, n)
	if err != nil {
		return nil, err
	}
	f := make([]float64, n)
	for i := range f {
		num, den := d.bo.Uint32(b[8*i:]), d.bo.Uint32(b[8*i+4:])
		if den == 0 {
			return nil, nil
		}
		if e.typ == dtSRational {
			f[i] = float64(int32(num)) / float64(int32(den))
		} else {
			f[i] = float64(num) / float64(den)
		}
	}
	return f, nil
}

// newDecoder parses the header and the first IFD and checks that the image
// is one this package decodes, refusing anything else by name.
func newDecoder(data []byte) (*decoder, error) {
	d := &decoder{data: data, entries: make(map[uint16]entry)}
	if len(data) < 8 {
		return nil, FormatError("truncated header")
	}
	switch string(data[:2]) {
	case "II":
		d.bo = binary.LittleEndian
	case "MM":
		d.bo = binary.BigEndian
	default:
		return nil, FormatError("malformed header")
	}
	var ifd uint64
	switch d.bo.Uint16(data[2:]) {
	case 42:
		ifd = uint64(d.bo.Uint32(data[4:]))
	case 43:
		d.big = true
		if len(data) < 16 || d.bo.Uint16(data[4:]) != 8 || d.bo.Uint16(data[6:]) != 0 {
			return nil, FormatError("malformed BigTIFF header")
		}
		ifd = d.bo.Uint64(data[8:])
	default:
		return nil, FormatError("malformed header")
	}
	countLen, entryLen := 2, 12
	if d.big {
		countLen, entryLen = 8, 20
	}
	if ifd < 8 || ifd > uint64(len(data)-countLen) {
		return nil, FormatError("first IFD offset out of range")
	}
	var n uint64
	if d.big {
		n = d.bo.Uint64(data[ifd:])
	} else {
		n = uint64(d.bo.Uint16(data[ifd:]))
	}
	if n == 0 || n > maxIFDEntries {
		return nil, FormatError(fmt.Sprintf("bad IFD entry count %d", n))
	}
	start := ifd + uint64(countLen)
	if start+n*uint64(entryLen) > uint64(len(data)) {
		return nil, FormatError("IFD extends past the end of the file")
	}
	for i := uint64(0); i < n; i++ {
		p := data[start+i*uint64(entryLen):]
		tag, typ := d.bo.Uint16(p), d.bo.Uint16(p[2:])
		var e entry
		if d.big {
			e = entry{typ: typ, count: d.bo.Uint64(p[4:]), val: p[12:20]}
		} else {
			e = entry{typ: typ, count: uint64(d.bo.Uint32(p[4:])), val: p[8:12]}
		}
		if int(typ) >= len(lengths) || lengths[typ] == 0 || e.count > 1<<40 {
			continue // unknown type: skip the entry, as libtiff does
		}
		if _, dup := d.entries[tag]; !dup {
			d.entries[tag] = e
		}
	}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

// parse interprets the IFD's tags.
func (d *decoder) parse() error {
	w, err := d.first(tImageWidth, 0)
	if err != nil {
		return err
	}
	h, err := d.first(tImageLength, 0)
	if err != nil {
		return err
	}
	if w == 0 || h == 0 {
		return FormatError("zero-size image")
	}
	if w > maxSide || h > maxSide || w*h > maxPixels {
		return FormatError(fmt.Sprintf("image too large (%dx%d)", w, h))
	}
	d.width, d.height = int(w), int(h)

	spp, err := d.first(tSamplesPerPixel, 1)
	if err != nil {
		return err
	}
	if spp == 0 || spp > 16 {
		return UnsupportedError(fmt.Sprintf("SamplesPerPixel %d", spp))
	}
	d.spp = int(spp)
	bps, err := d.uints(tBitsPerSample, 16)
	if err != nil {
		return err
	}
	if len(bps) == 0 {
		bps = []uint64{1}
	}
	for i := 1; i < d.spp; i++ {
		b := bps[0]
		if i < len(bps) {
			b = bps[i]
		}
		if b != bps[0] {
			return UnsupportedError(fmt.Sprintf("a mix of bit depths %v", bps))
		}
	}
	d.bits = int(bps[0])
	sf, err := d.first(tSampleFormat, sfUint)
	if err != nil {
		return err
	}
	switch sf {
	case sfUint:
		switch d.bits {
		case 1, 2, 4, 8, 16, 32:
		case 0:
			return FormatError("BitsPerSample must not be 0")
		default:
			return UnsupportedError(fmt.Sprintf("a depth of %d bits per sample", d.bits))
		}
	case sfFloat:
		if d.bits != 32 && d.bits != 64 {
			return UnsupportedError(fmt.Sprintf("%d-bit floating point", d.bits))
		}
		d.float = true
	case sfInt:
		return UnsupportedError("sample format 2 (signed integer)")
	default:
		return UnsupportedError(fmt.Sprintf("sample format %d", sf))
	}

	if d.compression, err = d.first(tCompression, cNone); err != nil {
		return err
	}
	switch d.compression {
	case cNone, cLZW, cDeflate, cDeflateOld, cPackBits, cJPEG, cJPEGOld:
	case cG3, cG4:
		if d.bits != 1 || d.spp != 1 {
			return FormatError("CCITT compression of more than one bit per pixel")
		}
		if d.compression == cG3 {
			opts, err := d.first(tT4Options, 0)
			if err != nil {
				return err
			}
			if opts&1 != 0 {
				return UnsupportedError("CCITT Group 3 2-D coding")
			}
		}
	default:
		if name, ok := compressionNames[d.compression]; ok {
			return UnsupportedError(fmt.Sprintf("compression %d (%s)", d.compression, name))
		}
		return UnsupportedError(fmt.Sprintf("compression %d", d.compression))
	}
	isJPEG := d.compression == cJPEG || d.compression == cJPEGOld
	if isJPEG && d.bits != 8 {
		return UnsupportedError(fmt.Sprintf("JPEG compression with %d-bit samples", d.bits))
	}

	planar, err := d.first(tPlanarConfiguration, 1)
	if err != nil {
		return err
	}
	d.planar = planar == 2 && d.spp > 1
	if d.planar && d.bits < 8 {
		return UnsupportedError(fmt.Sprintf("PlanarConfiguration 2 with %d-bit samples", d.bits))
	}
	if d.predictor, err = d.first(tPredictor, prNone); err != nil {
		return err
	}
	switch d.predictor {
	case prNone:
	case prHorizontal:
		if d.float || (d.bits != 8 && d.bits != 16 && d.bits != 32) {
			return UnsupportedError(fmt.Sprintf("horizontal predictor with %d-bit samples", d.bits))
		}
	case prFloatingPoint:
		if !d.float {
			return FormatError("floating-point predictor on integer samples")
		}
	default:
		return UnsupportedError(fmt.Sprintf("predictor %d", d.predictor))
	}
	d.sampleOrder = d.bo
	if d.predictor == prFloatingPoint {
		d.sampleOrder = binary.BigEndian
	}

	def := uint64(pBlackIsZero)
	if d.spp >= 3 {
		def = pRGB
	}
	if d.photometric, err = d.first(tPhotometricInterpretation, def); err != nil {
		return err
	}
	switch d.photometric {
	case pWhiteIsZero:
		d.mode, d.colorSamples = mGrayInvert, 1
	case pBlackIsZero:
		d.mode, d.colorSamples = mGray, 1
	case pRGB:
		d.mode, d.colorSamples = mRGB, 3
	case pPaletted:
		d.mode, d.colorSamples = mPaletted, 1
		if d.bits > 8 {
			return UnsupportedError(fmt.Sprintf("a %d-bit palette", d.bits))
		}
		if err := d.readPalette(); err != nil {
			return err
		}
	case pCMYK:
		inks, err := d.first(tInkSet, 1)
		if err != nil {
			return err
		}
		if inks != 1 || d.spp < 4 {
			return UnsupportedError("photometric interpretation 5 (separated) with inks other than CMYK")
		}
		if d.bits != 8 && d.bits != 16 {
			return UnsupportedError(fmt.Sprintf("%d-bit CMYK", d.bits))
		}
		d.mode, d.colorSamples = mCMYK, 4
	case pYCbCr:
		d.mode, d.colorSamples = mYCbCr, 3
		if err := d.parseYCbCr(isJPEG); err != nil {
			return err
		}
	default:
		if name, ok := photometricNames[d.photometric]; ok {
			return UnsupportedError(fmt.Sprintf("photometric interpretation %d (%s)", d.photometric, name))
		}
		return UnsupportedError(fmt.Sprintf("photometric interpretation %d", d.photometric))
	}
	if d.spp < d.colorSamples {
		return FormatError(fmt.Sprintf("%d samples per pixel for photometric interpretation %d", d.spp, d.photometric))
	}
	if extra := d.spp - d.colorSamples; extra > 0 {
		es, err := d.uints(tExtraSamples, 16)
		if err != nil {
			return err
		}
		switch {
		case len(es) > 0 && es[0] == 1:
			d.alpha = 1
		default:
			// Unassociated alpha (2), or unspecified (0) or missing, which
			// libvips and ImageMagick also read as alpha. Samples after
			// the first extra one are ignored.
			d.alpha = 2
		}
		if d.mode == mPaletted || d.mode == mYCbCr {
			return UnsupportedError("alpha in a palette or YCbCr image")
		}
	}
	if isJPEG {
		if d.planar {
			return UnsupportedError("JPEG compression with separate planes")
		}
		if d.alpha != 0 {
			return UnsupportedError("JPEG compression with extra samples")
		}
	}
	return nil
}

func (d *decoder) readPalette() error {
	n := 1 << d.bits
	val, err := d.uints(tColorMap, 3*n)
	if err != nil {
		return err
	}
	if len(val) != 3*n {
		return FormatError("bad ColorMap length")
	}
	d.palette = make(color.Palette, n)
	for i := range n {
		d.palette[i] = color.RGBA64{uint16(val[i]), uint16(val[i+n]), uint16(val[i+2*n]), 0xffff}
	}
	return nil
}

// parseYCbCr reads the YCbCr subsampling, coefficients and reference
// black and white. JPEG-compressed data carries its own sampling and uses
// the JFIF conversion, so only its coefficients matter.
func (d *decoder) parseYCbCr(isJPEG bool) error {
	if d.bits != 8 {
		return UnsupportedError(fmt.Sprintf("%d-bit YCbCr", d.bits))
	}
	coef, err := d.rationals(tYCbCrCoefficients, 3)
	if err != nil {
		return err
	}
	if len(coef) == 3 && (math.Abs(coef[0]-0.299) > 0.001 || math.Abs(coef[1]-0.587) > 0.001 || math.Abs(coef[2]-0.114) > 0.001) {
		return UnsupportedError(fmt.Sprintf("YCbCr with coefficients %.4g, %.4g, %.4g (only ITU-R BT.601's)", coef[0], coef[1], coef[2]))
	}
	if isJPEG {
		return nil
	}
	if d.planar {
		return UnsupportedError("YCbCr with separate planes")
	}
	ss, err := d.uints(tYCbCrSubSampling, 2)
	if err != nil {
		return err
	}
	d.ssH, d.ssV = 2, 2
	if len(ss) == 2 {
		d.ssH, d.ssV = int(ss[0]), int(ss[1])
	}
	if subsampleRatio(d.ssH, d.ssV) < 0 {
		return UnsupportedError(fmt.Sprintf("YCbCr subsampling %dx%d", d.ssH, d.ssV))
	}
	if d.predictor != prNone && (d.ssH != 1 || d.ssV != 1) {
		return UnsupportedError("a predictor on subsampled YCbCr")
	}
	rbw, err := d.rationals(tReferenceBlackWhite, 6)
	if err != nil {
		return err
	}
	if len(rbw) == 6 && rbw != nil {
		std := [6]float64{0, 255, 128, 255, 128, 255}
		same := true
		for i := range std {
			same = same && math.Abs(rbw[i]-std[i]) < 0.5
		}
		if !same {
			// libtiff's TIFFYCbCrToRGBInit: Y' = (Y-black)*255/(white-black),
			// C' = (C-black)*127/(white-black) around 128.
			var t [3][256]uint8
			for c := range 3 {
				blk, wht := rbw[2*c], rbw[2*c+1]
				scale := 255.0
				if c > 0 {
					scale = 127
				}
				if wht-blk == 0 {
					return FormatError("degenerate ReferenceBlackWhite")
				}
				for v := range 256 {
					f := (float64(v) - blk) * scale / (wht - blk)
					if c > 0 {
						f += 128
					}
					t[c][v] = clamp8(f)
				}
			}
			d.ycc = &t
		}
	}
	return nil
}

func clamp8(f float64) uint8 {
	switch {
	case f <= 0:
		return 0
	case f >= 255:
		return 255
	}
	return uint8(f + 0.5)
}

func subsampleRatio(h, v int) image.YCbCrSubsampleRatio {
	switch [2]int{h, v} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410
	}
	return -1
}

// DecodeConfig returns the colour model and dimensions of a TIFF image
// without decoding the pixels.
func DecodeConfig(data []byte) (image.Config, error) {
	d, err := newDecoder(data)
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{ColorModel: d.newImage().ColorModel(), Width: d.width, Height: d.height}, nil
}

// newImage allocates the image Decode returns; see Decode for the types.
func (d *decoder) newImage() image.Image {
	r := image.Rect(0, 0, d.width, d.height)
	deep := d.bits > 8
	switch d.mode {
	case mPaletted:
		return image.NewPaletted(r, d.palette)
	case mCMYK:
		if d.alpha != 0 {
			return image.NewNRGBA(r)
		}
		return image.NewCMYK(r)
	case mYCbCr:
		if d.compression == cJPEG || d.compression == cJPEGOld {
			return image.NewRGBA(r)
		}
		return image.NewYCbCr(r, subsampleRatio(d.ssH, d.ssV))
	case mGray, mGrayInvert:
		if d.alpha == 0 {
			if deep {
				return image.NewGray16(r)
			}
			return image.NewGray(r)
		}
	}
	switch {
	case deep && d.alpha == 2:
		return image.NewNRGBA64(r)
	case deep:
		return image.NewRGBA64(r)
	case d.alpha == 2:
		return image.NewNRGBA(r)
	}
	return image.NewRGBA(r)
}

// Decode reads the first image of a TIFF or BigTIFF file.
//
// The result is *image.Gray or *image.Gray16 for grey (1 to 8 bits, 16
// bits and floating point), *image.Paletted for palette images,
// *image.RGBA or *image.RGBA64 for RGB and associated alpha, *image.NRGBA
// or *image.NRGBA64 for unassociated (or unspecified) alpha, *image.CMYK
// for CMYK (converting it to RGB is the caller's business, so that a
// profile can be applied), *image.NRGBA for CMYK with alpha (converted
// with the plain formula), *image.YCbCr for uncompressed, LZW, Deflate or
// PackBits YCbCr, and *image.RGBA for JPEG-compressed colour.
// Floating-point samples are read as 0..1, clamped.
func Decode(data []byte) (img image.Image, err error) {
	d, err := newDecoder(data)
	if err != nil {
		return nil, err
	}
	dst := d.newImage()
	if d.compression == cJPEGOld {
		if err := d.decodeOldJPEG(dst); err != nil {
			return nil, err
		}
		return dst, nil
	}

	tiled := d.has(tTileWidth)
	bw, bh := d.width, d.height
	if tiled {
		tw, err := d.first(tTileWidth, 0)
		if err != nil {
			return nil, err
		}
		th, err := d.first(tTileLength, 0)
		if err != nil {
			return nil, err
		}
		if tw == 0 || th == 0 || tw > maxSide || th > maxSide {
			return nil, FormatError(fmt.Sprintf("bad tile size %dx%d", tw, th))
		}
		bw, bh = int(tw), int(th)
		// Tiles are padded to a multiple of 16 at most; a larger one
		// (beyond the common 1024) is a hostile header, not a picture.
		if (bw > d.width+16 || bh > d.height+16) && (bw > 1024 || bh > 1024) {
			return nil, FormatError(fmt.Sprintf("tile size %dx%d exceeds the %dx%d image", bw, bh, d.width, d.height))
		}
	} else {
		rps, err := d.first(tRowsPerStrip, uint64(d.height))
		if err != nil {
			return nil, err
		}
		if rps > 0 && rps < uint64(d.height) {
			bh = int(rps)
		}
	}
	if int64(bw)*int64(bh)*int64(d.spp)*int64(max(d.bits, 8)/8) > maxBlockBytes {
		return nil, FormatError("strip or tile too large")
	}
	across, down := (d.width+bw-1)/bw, (d.height+bh-1)/bh
	planes := 1
	if d.planar {
		planes = d.spp
	}
	nb := across * down
	offTag, cntTag := uint16(tStripOffsets), uint16(tStripByteCounts)
	if tiled {
		offTag, cntTag = tTileOffsets, tTileByteCounts
	}
	offsets, err := d.uints(offTag, nb*planes)
	if err != nil {
		return nil, err
	}
	counts, err := d.uints(cntTag, nb*planes)
	if err != nil {
		return nil, err
	}
	if len(counts) == 0 && len(offsets) == 1 && d.compression == cNone {
		// A single uncompressed strip may omit its byte count.
		counts = []uint64{uint64(len(d.data)) - min(offsets[0], uint64(len(d.data)))}
	}
	if len(offsets) < nb*planes || len(counts) < nb*planes {
		return nil, FormatError(fmt.Sprintf("%d strips or tiles, but %d offsets and %d byte counts", nb*planes, len(offsets), len(counts)))
	}
	var tables []byte
	if d.compression == cJPEG {
		if e, ok := d.entries[tJPEGTables]; ok && e.count > 4 {
			if tables, err = d.valueBytes(e, e.count); err != nil {
				return nil, err
			}
		}
	}

	for j := range down {
		for i := range across {
			k := j*across + i
			xmin, ymin := i*bw, j*bh
			// Strips end at the image's last row; tiles are whole.
			rows := bh
			if !tiled {
				rows = min(bh, d.height-ymin)
			}
			if d.compression == cJPEG {
				if err := d.jpegBlock(dst, tables, offsets[k], counts[k], xmin, ymin, bw, bh); err != nil {
					return nil, err
				}
				continue
			}
			if d.mode == mYCbCr {
				if err := d.ycbcrBlock(dst.(*image.YCbCr), offsets[k], counts[k], xmin, ymin, bw, rows); err != nil {
					return nil, err
				}
				continue
			}
			var buf []byte
			if planes == 1 {
				rowBytes := (bw*d.spp*d.bits + 7) / 8
				if buf, err = d.block(offsets[k], counts[k], bw, rowBytes, rows, d.spp); err != nil {
					return nil, err
				}
			} else {
				if buf, err = d.planarBlock(offsets, counts, k, nb, bw, rows); err != nil {
					return nil, err
				}
			}
			if err := d.convert(dst, buf, xmin, ymin, bw, rows); err != nil {
				return nil, err
			}
		}
	}
	return dst, nil
}

// segment returns the stored bytes of one strip or tile.
func (d *decoder) segment(off, n uint64) ([]byte, error) {
	if off > uint64(len(d.data)) || n > uint64(len(d.data))-off {
		return nil, FormatError("strip or tile lies past the end of the file")
	}
	return d.data[off : off+n], nil
}

// block decompresses one strip or tile (or one plane of it), w pixels
// wide, of rows rows of rowBytes bytes each, and undoes the predictor; samples is the number
// of samples per pixel in it.
func (d *decoder) block(off, n uint64, w, rowBytes, rows, samples int) ([]byte, error) {
	src, err := d.segment(off, n)
	if err != nil {
		return nil, err
	}
	want := rowBytes * rows
	buf := make([]byte, want)
	var r io.Reader
	switch d.compression {
	case cNone, 0:
		if len(src) < want {
			return nil, errNoPixels
		}
		copy(buf, src)
	case cLZW:
		lr := lzw.NewReader(bytes.NewReader(src), lzw.MSB, 8)
		defer lr.Close()
		r = lr
	case cDeflate, cDeflateOld:
		zr, err := zlib.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	case cPackBits:
		b, err := unpackBits(bytes.NewReader(src), int64(want))
		if err != nil {
			return nil, err
		}
		if len(b) < want {
			return nil, errNoPixels
		}
		copy(buf, b)
	case cG3, cG4:
		order := ccitt.MSB
		if fo, _ := d.first(tFillOrder, 1); fo == 2 {
			order = ccitt.LSB
		}
		sub := ccitt.Group3
		if d.compression == cG4 {
			sub = ccitt.Group4
		}
		align := false
		if d.compression == cG3 {
			opts, _ := d.first(tT4Options, 0)
			align = opts&4 != 0
		}
		// A CCITT white run is a 0 bit whatever the photometric
		// interpretation (libtiff decodes it so), which then says what
		// 0 means: white for WhiteIsZero, black for BlackIsZero.
		r = ccitt.NewReader(bytes.NewReader(src), order, sub, w, rows, &ccitt.Options{Invert: true, Align: align})
	}
	if r != nil {
		if _, err := io.ReadFull(r, buf); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return nil, errNoPixels
			}
			return nil, err
		}
	}
	if err := d.unpredict(buf, rowBytes, rows, samples); err != nil {
		return nil, err
	}
	return buf, nil
}

// planarBlock reads the planes of block k and interleaves them into one
// chunky buffer.
func (d *decoder) planarBlock(offsets, counts []uint64, k, nb, bw, rows int) ([]byte, error) {
	bytesPer := d.bits / 8
	planeRow := bw * bytesPer
	out := make([]byte, bw*rows*d.spp*bytesPer)
	for p := range d.spp {
		plane, err := d.block(offsets[p*nb+k], counts[p*nb+k], bw, planeRow, rows, 1)
		if err != nil {
			return nil, err
		}
		for i := 0; i < bw*rows; i++ {
			copy(out[(i*d.spp+p)*bytesPer:(i*d.spp+p+1)*bytesPer], plane[i*bytesPer:(i+1)*bytesPer])
		}
	}
	return out, nil
}

// unpredict undoes a horizontal (2) or floating-point (3) predictor; n is
// the number of samples per pixel in buf.
func (d *decoder) unpredict(buf []byte, rowBytes, rows, n int) error {
	switch d.predictor {
	case prHorizontal:
		for y := range rows {
			row := buf[y*rowBytes : (y+1)*rowBytes]
			switch d.bits {
			case 8:
				for i := n; i < len(row); i++ {
					row[i] += row[i-n]
				}
			case 16:
				for i := 2 * n; i+2 <= len(row); i += 2 {
					d.bo.PutUint16(row[i:], d.bo.Uint16(row[i:])+d.bo.Uint16(row[i-2*n:]))
				}
			case 32:
				for i := 4 * n; i+4 <= len(row); i += 4 {
					d.bo.PutUint32(row[i:], d.bo.Uint32(row[i:])+d.bo.Uint32(row[i-4*n:]))
				}
			}
		}
	case prFloatingPoint:
		// Adobe's predictor 3: bytes are differenced across the row
		// (stride: samples per pixel), with each value's bytes stored as
		// planes, most significant first. Undo both; the values come out
		// big-endian.
		bps := d.bits / 8
		tmp := make([]byte, rowBytes)
		for y := range rows {
			row := buf[y*rowBytes : (y+1)*rowBytes]
			for i := n; i < len(row); i++ {
				row[i] += row[i-n]
			}
			copy(tmp, row)
			wc := rowBytes / bps
			for c := range wc {
				for b := range bps {
					row[c*bps+b] = tmp[b*wc+c]
				}
			}
		}
	}
	return nil
}

// samples16 decodes row y of a chunky buffer into 16-bit samples: integer
// samples scaled to 0..65535, floating-point ones clamped to 0..1 and
// scaled.
func (d *decoder) samples16(buf []byte, rowBytes, y, w int, out []uint16) error {
	n := w * d.spp
	row := buf[y*rowBytes:]
	if len(row) < rowBytes || len(out) < n {
		return errNoPixels
	}
	switch {
	case d.float && d.bits == 32:
		for i := range n {
			out[i] = unit16(float64(math.Float32frombits(d.sampleOrder.Uint32(row[4*i:]))))
		}
	case d.float:
		for i := range n {
			out[i] = unit16(math.Float64frombits(d.sampleOrder.Uint64(row[8*i:])))
		}
	case d.bits == 8:
		for i := range n {
			out[i] = uint16(row[i]) * 0x101
		}
	case d.bits == 16:
		for i := range n {
			out[i] = d.sampleOrder.Uint16(row[2*i:])
		}
	case d.bits == 32:
		for i := range n {
			out[i] = uint16(d.sampleOrder.Uint32(row[4*i:]) >> 16)
		}
	default: // 1, 2, 4 bits, rows padded to a byte
		maxv := uint32(1)<<d.bits - 1
		for i := range n {
			bit := i * d.bits
			v := uint32(row[bit/8]) >> (8 - d.bits - bit%8) & maxv
			out[i] = uint16(v * 0xffff / maxv)
		}
	}
	return nil
}

func unit16(f float64) uint16 {
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= 1:
		return 0xffff
	}
	return uint16(f*0xffff + 0.5)
}

// convert writes a decoded chunky block of w x rows pixels at (x0, y0) into
// dst, clipping to the image.
func (d *decoder) convert(dst image.Image, buf []byte, x0, y0, w, rows int) error {
	rowBytes := (w*d.spp*d.bits + 7) / 8
	xn := min(w, d.width-x0)
	yn := min(rows, d.height-y0)
	if xn <= 0 || yn <= 0 {
		return nil
	}
	if len(buf) < rowBytes*yn {
		return errNoPixels
	}
	if d.bits == 8 && d.fast8(dst, buf, rowBytes, x0, y0, xn, yn) {
		return nil
	}
	s := make([]uint16, w*d.spp)
	spp := d.spp
	for y := range yn {
		if d.mode == mPaletted {
			p := dst.(*image.Paletted)
			maxv := 1<<d.bits - 1
			row := buf[y*rowBytes:]
			for x := range xn {
				bit := x * d.bits
				v := int(row[bit/8]) >> (8 - d.bits - bit%8) & maxv
				if v >= len(p.Palette) {
					return FormatError("invalid color index")
				}
				p.Pix[p.PixOffset(x0+x, y0+y)] = uint8(v)
			}
			continue
		}
		if err := d.samples16(buf, rowBytes, y, w, s); err != nil {
			return err
		}
		for x := range xn {
			px := s[x*spp : x*spp+spp]
			var r, g, b, a uint16 = 0, 0, 0, 0xffff
			switch d.mode {
			case mGray, mGrayInvert:
				v := px[0]
				if d.mode == mGrayInvert {
					v = 0xffff - v
				}
				r, g, b = v, v, v
				if d.alpha == 0 {
					switch m := dst.(type) {
					case *image.Gray:
						m.Pix[m.PixOffset(x0+x, y0+y)] = uint8(v >> 8)
					case *image.Gray16:
						i := m.PixOffset(x0+x, y0+y)
						m.Pix[i], m.Pix[i+1] = uint8(v>>8), uint8(v)
					}
					continue
				}
				a = px[1]
			case mRGB:
				r, g, b = px[0], px[1], px[2]
				if d.alpha != 0 {
					a = px[3]
				}
			case mCMYK:
				if d.alpha == 0 {
					m := dst.(*image.CMYK)
					i := m.PixOffset(x0+x, y0+y)
					m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(px[0]>>8), uint8(px[1]>>8), uint8(px[2]>>8), uint8(px[3]>>8)
					continue
				}
				k := 0xffff - uint32(px[3])
				r = uint16((0xffff - uint32(px[0])) * k / 0xffff)
				g = uint16((0xffff - uint32(px[1])) * k / 0xffff)
				b = uint16((0xffff - uint32(px[2])) * k / 0xffff)
				a = px[4]
			}
			setRGBA(dst, x0+x, y0+y, r, g, b, a)
		}
	}
	return nil
}

// setRGBA stores a pixel whose colour is premultiplied for RGBA/RGBA64
// destinations and not for NRGBA/NRGBA64 ones, as the file says.
func setRGBA(dst image.Image, x, y int, r, g, b, a uint16) {
	switch m := dst.(type) {
	case *image.RGBA:
		i := m.PixOffset(x, y)
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
	case *image.RGBA64:
		m.SetRGBA64(x, y, color.RGBA64{r, g, b, a})
	case *image.NRGBA64:
		m.SetNRGBA64(x, y, color.NRGBA64{r, g, b, a})
	}
}

// fast8 handles the common 8-bit layouts row by row; it reports false for
// the others.
func (d *decoder) fast8(dst image.Image, buf []byte, rowBytes, x0, y0, xn, yn int) bool {
	switch m := dst.(type) {
	case *image.Gray:
		if d.spp != 1 {
			return false
		}
		for y := range yn {
			row := m.Pix[m.PixOffset(x0, y0+y):][:xn]
			copy(row, buf[y*rowBytes:])
			if d.mode == mGrayInvert {
				for i := range row {
					row[i] = 255 - row[i]
				}
			}
		}
		return true
	case *image.CMYK:
		if d.spp != 4 {
			return false
		}
		for y := range yn {
			copy(m.Pix[m.PixOffset(x0, y0+y):][:4*xn], buf[y*rowBytes:])
		}
		return true
	case *image.RGBA:
		if d.mode != mRGB {
			return false
		}
		for y := range yn {
			d.rgbaRow(m.Pix[m.PixOffset(x0, y0+y):][:4*xn], buf[y*rowBytes:])
		}
		return true
	case *image.NRGBA:
		if d.mode != mRGB {
			return false
		}
		for y := range yn {
			d.rgbaRow(m.Pix[m.PixOffset(x0, y0+y):][:4*xn], buf[y*rowBytes:])
		}
		return true
	}
	return false
}

// rgbaRow copies 8-bit RGB(A, ...) samples into 4-byte pixels.
func (d *decoder) rgbaRow(dst, src []byte) {
	spp := d.spp
	for i, j := 0, 0; i < len(dst); i, j = i+4, j+spp {
		dst[i], dst[i+1], dst[i+2] = src[j], src[j+1], src[j+2]
		if d.alpha != 0 {
			dst[i+3] = src[j+3]
		} else {
			dst[i+3] = 0xff
		}
	}
}
