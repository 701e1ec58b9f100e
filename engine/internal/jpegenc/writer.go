// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package jpegenc is a fork of the standard library's image/jpeg encoder
// (Go 1.26, BSD licence: LICENSE) that writes smaller files than it, as
// libjpeg-turbo does.
//
// Changes, and the tests that prove them:
//
//   - Speed, output unchanged: quantisation multiplies by a precomputed
//     reciprocal instead of dividing (exact for every value a forward DCT of
//     8-bit samples produces; see divRecip), and *image.YCbCr blocks are read
//     row by row instead of through YOffset/COffset per pixel. With
//     Options.StandardTables the output is image/jpeg's byte for byte
//     (TestMatchesStdlib).
//   - Huffman tables built per image by default (libjpeg's optimize_coding,
//     sharp's default): the quantised coefficients are kept, their symbol
//     statistics gathered, and length-limited optimal tables built as
//     libjpeg's jpeg_gen_optimal_table does (optimalSpec, huffopt.go; IJG
//     licence, LICENSE-IJG). Luminance blocks of an MCU that lie wholly
//     outside the picture are coded as libjpeg's dummy blocks (zero AC,
//     previous DC). The entropy-coded data is then byte for byte what
//     `jpegtran -optimize` makes of the standard-table file
//     (TestMatchesLibjpegOptimize), and image/jpeg and djpeg decode the same
//     pixels as from image/jpeg's file (TestOptimizedSamePixels,
//     TestDjpegSamePixels).
//   - Options.Progressive: a progressive file (SOF2) with spectral selection
//     only (progressive.go), equal to jpegtran's output with the same scan
//     script (TestMatchesLibjpegOptimize) and decoding to the same pixels.
//   - Rate-distortion rounding of luma, the default (rdo.go): the luma AC
//     table 10% finer, then single coefficients lowered by one step (a
//     +-1 to 0, a power of two to the value below), most bits saved per
//     unit of error first, while the error added stays within 40% of what
//     the finer table saved (errors exact in the DCT domain); plain
//     rounding where the finer table does worse or the result would not
//     be smaller. 2.5-5% smaller than plain rounding at the same quality,
//     PSNR not lower; about a fifth more encode time. TestRDRule proves
//     the DCT-domain rule, TestRDNotWorse bytes and decoded PSNR (image/jpeg
//     and djpeg) on real photos at q30-95. Options.StandardTables (and the
//     tests' plainTune) round plainly.
//   - Options.Trellis (off by default; imgpar's --trellis): trellis
//     quantisation ported from mozjpeg 4.x's quantize_trellis (trellis.go;
//     IJG licence, LICENSE-IJG), used on luma with a 5% finer table and an
//     error budget, the file kept only if it is smaller than the default
//     one and, checked by decoding it, no less faithful (encodeTrellis).
//     Against plain rounding it saves 2.3-4.2% at q50-95 for 3-4 times
//     the encode time; against the default's rate-distortion rounding it
//     nearly never wins. TestTrellisInfiniteLambda proves the bookkeeping
//     (with distortion priced out of reach it keeps the rounded
//     coefficients, ties apart); TestTrellis checks bytes, PSNR and
//     determinism against plain rounding, TestTrellisDjpeg libjpeg's
//     decoding; TestTrellisRD measures.
//
// Memory: the quantised coefficients of the whole picture are kept (2 bytes
// per coefficient, 3 bytes per pixel at 4:2:0) for the two passes, and the
// rate-distortion candidates (8 bytes each, at most 16 a block and 2^16
// more: 2 bytes per pixel and 512 KiB); with
// Trellis also the unquantised and the default file's coefficients, the
// trellis candidates, both files and their decodes (about 24 bytes per
// pixel).
package jpegenc

import (
	"bufio"
	"errors"
	"image"
	"image/color"
	"io"
	"math/bits"
)

type quantIndex int

const (
	quantIndexLuminance quantIndex = iota
	quantIndexChrominance
	nQuantIndex
)

// unscaledQuant are the unscaled quantization tables in zig-zag order. Each
// encoder copies and scales the tables according to its quality parameter.
// The values are derived from section K.1 of the spec, after converting from
// natural to zig-zag order.
var unscaledQuant = [nQuantIndex][blockSize]byte{
	// Luminance.
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	// Chrominance.
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

type huffIndex int

const (
	huffIndexLuminanceDC huffIndex = iota
	huffIndexLuminanceAC
	huffIndexChrominanceDC
	huffIndexChrominanceAC
	nHuffIndex
)

// huffmanSpec specifies a Huffman encoding.
type huffmanSpec struct {
	// count[i] is the number of codes of length i+1 bits.
	count [16]byte
	// value[i] is the decoded value of the i'th codeword.
	value []byte
}

// theHuffmanSpec is the Huffman encoding specifications.
//
// This encoder uses the same Huffman encoding for all images. It is also the
// same Huffman encoding used by section K.3 of the spec.
//
// The DC tables have 12 decoded values, called categories.
//
// The AC tables have 162 decoded values: bytes that pack a 4-bit Run and a
// 4-bit Size. There are 16 valid Runs and 10 valid Sizes, plus two special R|S
// cases: 0|0 (meaning EOB) and F|0 (meaning ZRL).
var theHuffmanSpec = [nHuffIndex]huffmanSpec{
	// Luminance DC.
	{
		[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Luminance AC.
	{
		[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		[]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
			0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
			0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
			0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
			0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
			0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
			0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
			0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
			0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
			0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
			0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
	// Chrominance DC.
	{
		[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Chrominance AC.
	{
		[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		[]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
			0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
			0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
			0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
			0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
			0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
			0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
			0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
			0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
			0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
			0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
}

// huffmanLUT is a compiled look-up table representation of a huffmanSpec.
// Each value maps to a uint32 of which the 8 most significant bits hold the
// codeword size in bits and the 24 least significant bits hold the codeword.
// The maximum codeword size is 16 bits.
type huffmanLUT []uint32

func (h *huffmanLUT) init(s huffmanSpec) {
	maxValue := 0
	for _, v := range s.value {
		if int(v) > maxValue {
			maxValue = int(v)
		}
	}
	*h = make([]uint32, maxValue+1)
	code, k := uint32(0), 0
	for i := 0; i < len(s.count); i++ {
		nBits := uint32(i+1) << 24
		for j := uint8(0); j < s.count[i]; j++ {
			(*h)[s.value[k]] = nBits | code
			code++
			k++
		}
		code <<= 1
	}
}

// theHuffmanLUT are compiled representations of theHuffmanSpec.
var theHuffmanLUT [4]huffmanLUT

func init() {
	for i, s := range theHuffmanSpec {
		theHuffmanLUT[i].init(s)
	}
}

// writer is a buffered writer.
type writer interface {
	Flush() error
	io.Writer
	io.ByteWriter
}

// encoder encodes an image to the JPEG format.
type encoder struct {
	// w is the writer to write to. err is the first error encountered during
	// writing. All attempted writes after the first error become no-ops.
	w   writer
	err error
	// buf is a scratch buffer.
	buf [16]byte
	// bits and nBits are accumulated bits to write to w.
	bits, nBits uint32
	// quant is the scaled quantization tables, in zig-zag order.
	quant [nQuantIndex][blockSize]byte
	// recip[q][zig] is ceil(2^32 / (8*quant[q][zig])), for divRecip.
	recip [nQuantIndex][blockSize]uint64
	// dropUnused leaves the chrominance quantisation table out of grey
	// images.
	dropUnused bool
	// dummyBlocks codes the luminance blocks of an MCU that lie wholly
	// outside the picture as libjpeg does (see transform), not from the
	// replicated edge pixels as image/jpeg does.
	dummyBlocks bool
	// keepRaw keeps the unquantised coefficients (component.raw) for
	// trellis quantisation.
	keepRaw bool
	// lambda is the trellis's price of distortion (trellisLambda).
	lambda float64
	rd     *rdState
	// counts, when not nil, are the symbol counts of the baseline scan,
	// already gathered (by transformRD).
	counts *[nHuffIndex]symbolCounts
	lumaAC *huffmanSpec // and the luma AC table built from them
}

// divRecip returns div(a, 8*quant) using m = ceil(2^32 / (8*quant)):
// floor(n/d) == (n*m) >> 32 whenever n*(m*d - 2^32) < 2^32, and here
// m*d - 2^32 < d <= 8*255 < 2^11 while n = |a| + d/2 < 2^17 (the forward
// DCT of 8-bit samples is below 2^15 in magnitude), so the result is exact.
func divRecip(a int32, d int32, m uint64) int32 {
	if a >= 0 {
		return int32((uint64(a+(d>>1)) * m) >> 32)
	}
	return -int32((uint64(-a+(d>>1)) * m) >> 32)
}

func (e *encoder) flush() {
	if e.err != nil {
		return
	}
	e.err = e.w.Flush()
}

func (e *encoder) write(p []byte) {
	if e.err != nil {
		return
	}
	_, e.err = e.w.Write(p)
}

func (e *encoder) writeByte(b byte) {
	if e.err != nil {
		return
	}
	e.err = e.w.WriteByte(b)
}

// emit emits the least significant nBits bits of bits to the bit-stream.
// The precondition is bits < 1<<nBits && nBits <= 16.
func (e *encoder) emit(bits, nBits uint32) {
	nBits += e.nBits
	bits <<= 32 - nBits
	bits |= e.bits
	for nBits >= 8 {
		b := uint8(bits >> 24)
		e.writeByte(b)
		if b == 0xff {
			e.writeByte(0x00)
		}
		bits <<= 8
		nBits -= 8
	}
	e.bits, e.nBits = bits, nBits
}

// emitHuff emits symbol sym coded with the table lut.
func (e *encoder) emitHuff(lut huffmanLUT, sym int32) {
	x := lut[sym]
	e.emit(x&(1<<24-1), x>>24)
}

// magnitude returns the number of bits of |v| (the JPEG "size" category)
// and the bits that follow the Huffman code of a value v.
func magnitude(v int32) (nBits, extra uint32) {
	a, b := v, v
	if a < 0 {
		a, b = -v, v-1
	}
	nBits = uint32(bits.Len32(uint32(a)))
	return nBits, uint32(b) & (1<<nBits - 1)
}

// emitHuffRLE emits a run of runLength zeroes followed by value, coded
// with the table lut.
func (e *encoder) emitHuffRLE(lut huffmanLUT, runLength, value int32) {
	nBits, extra := magnitude(value)
	e.emitHuff(lut, runLength<<4|int32(nBits))
	if nBits > 0 {
		e.emit(extra, nBits)
	}
}

// writeMarkerHeader writes the header for a marker with the given length.
func (e *encoder) writeMarkerHeader(marker uint8, markerlen int) {
	e.buf[0] = 0xff
	e.buf[1] = marker
	e.buf[2] = uint8(markerlen >> 8)
	e.buf[3] = uint8(markerlen & 0xff)
	e.write(e.buf[:4])
}

// writeDQT writes the Define Quantization Table marker.
func (e *encoder) writeDQT(nComponent int) {
	n := int(nQuantIndex)
	if nComponent == 1 && e.dropUnused {
		n = 1
	}
	markerlen := 2 + n*(1+blockSize)
	e.writeMarkerHeader(dqtMarker, markerlen)
	for i := range e.quant[:n] {
		e.writeByte(uint8(i))
		e.write(e.quant[i][:])
	}
}

// writeSOF writes the Start Of Frame marker (sof0Marker for baseline,
// sof2Marker for progressive).
func (e *encoder) writeSOF(marker uint8, size image.Point, nComponent int) {
	markerlen := 8 + 3*nComponent
	e.writeMarkerHeader(marker, markerlen)
	e.buf[0] = 8 // 8-bit color.
	e.buf[1] = uint8(size.Y >> 8)
	e.buf[2] = uint8(size.Y & 0xff)
	e.buf[3] = uint8(size.X >> 8)
	e.buf[4] = uint8(size.X & 0xff)
	e.buf[5] = uint8(nComponent)
	if nComponent == 1 {
		e.buf[6] = 1
		// No subsampling for grayscale image.
		e.buf[7] = 0x11
		e.buf[8] = 0x00
	} else {
		for i := 0; i < nComponent; i++ {
			e.buf[3*i+6] = uint8(i + 1)
			// We use 4:2:0 chroma subsampling.
			e.buf[3*i+7] = "\x22\x11\x11"[i]
			e.buf[3*i+8] = "\x00\x01\x01"[i]
		}
	}
	e.write(e.buf[:3*(nComponent-1)+9])
}

// huffTable is one Huffman table to define: its class and id byte in DHT
// (0x00 luminance DC, 0x10 luminance AC, 0x01/0x11 chrominance) and spec.
type huffTable struct {
	classID byte
	spec    huffmanSpec
}

// writeDHT writes one Define Huffman Table marker holding tables.
func (e *encoder) writeDHT(tables []huffTable) {
	markerlen := 2
	for _, t := range tables {
		markerlen += 1 + 16 + len(t.spec.value)
	}
	e.writeMarkerHeader(dhtMarker, markerlen)
	for _, t := range tables {
		e.writeByte(t.classID)
		e.write(t.spec.count[:])
		e.write(t.spec.value)
	}
}

// component is one colour component's quantised DCT coefficients: every
// block of the MCU-padded component, row after row, each block 64 values
// in zig-zag order.
type component struct {
	id     byte       // component id in the frame header
	q      quantIndex // its quantisation (and Huffman) table
	bw, bh int        // blocks across and down, padded to whole MCUs
	cw, ch int        // blocks that cover the component itself (non-interleaved scans)
	coef   []int16
	// raw is the forward DCT output (scaled by 8, zig-zag order) of every
	// block, kept for Options.Trellis only.
	raw []int16
}

func (c *component) block(bx, by int) []int16 {
	i := (by*c.bw + bx) * blockSize
	return c.coef[i : i+blockSize : i+blockSize]
}

// quantize transforms the block b (natural order) with the forward DCT and
// stores its quantised coefficients in dst in zig-zag order, and when raw
// is not nil the unquantised ones in raw (the forward DCT of 8-bit samples
// is below 2^15 in magnitude).
func (e *encoder) quantize(b *block, q quantIndex, dst, raw []int16) {
	fdct(b)
	dst = dst[:blockSize]
	for zig := range blockSize {
		dst[zig] = int16(divRecip(b[unzig[zig]], 8*int32(e.quant[q][zig]), e.recip[q][zig]))
	}
	if raw != nil {
		raw = raw[:blockSize]
		for zig := range blockSize {
			raw[zig] = int16(b[unzig[zig]])
		}
	}
}

// rawBlock is block for the raw coefficients, nil when they are not kept.
func (c *component) rawBlock(bx, by int) []int16 {
	if c.raw == nil {
		return nil
	}
	i := (by*c.bw + bx) * blockSize
	return c.raw[i : i+blockSize : i+blockSize]
}

// transform computes the quantised coefficients of every block of m: one
// component for *image.Gray, else Y, Cb, Cr with 4:2:0 subsampling (MCU
// of four Y blocks and one of each chroma).
func (e *encoder) transform(m image.Image) []component {
	bounds := m.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	var b block
	if g, ok := m.(*image.Gray); ok {
		bw, bh := (w+7)/8, (h+7)/8
		c := component{id: 1, q: quantIndexLuminance, bw: bw, bh: bh, cw: bw, ch: bh,
			coef: make([]int16, bw*bh*blockSize)}
		if e.keepRaw {
			c.raw = make([]int16, len(c.coef))
		}
		for by := range bh {
			for bx := range bw {
				grayToY(g, image.Pt(bounds.Min.X+8*bx, bounds.Min.Y+8*by), &b)
				if e.rd != nil {
					e.quantizeLumaRD(&b, c.block(bx, by), (by*c.bw+bx)*blockSize)
					continue
				}
				e.quantize(&b, c.q, c.block(bx, by), c.rawBlock(bx, by))
			}
		}
		return []component{c}
	}
	mw, mh := (w+15)/16, (h+15)/16
	cs := []component{
		{id: 1, q: quantIndexLuminance, bw: 2 * mw, bh: 2 * mh, cw: (w + 7) / 8, ch: (h + 7) / 8},
		{id: 2, q: quantIndexChrominance, bw: mw, bh: mh, cw: (w + 15) / 16, ch: (h + 15) / 16},
		{id: 3, q: quantIndexChrominance, bw: mw, bh: mh, cw: (w + 15) / 16, ch: (h + 15) / 16},
	}
	for i := range cs {
		cs[i].coef = make([]int16, cs[i].bw*cs[i].bh*blockSize)
		if e.keepRaw {
			cs[i].raw = make([]int16, len(cs[i].coef))
		}
	}
	rgba, _ := m.(*image.RGBA)
	ycbcr, _ := m.(*image.YCbCr)
	var cb, cr [4]block
	for my := range mh {
		for mx := range mw {
			x, y := bounds.Min.X+16*mx, bounds.Min.Y+16*my
			for i := 0; i < 4; i++ {
				xOff := (i & 1) * 8
				yOff := (i & 2) * 4
				p := image.Pt(x+xOff, y+yOff)
				if rgba != nil {
					rgbaToYCbCr(rgba, p, &b, &cb[i], &cr[i])
				} else if ycbcr != nil {
					yCbCrToYCbCr(ycbcr, p, &b, &cb[i], &cr[i])
				} else {
					toYCbCr(m, p, &b, &cb[i], &cr[i])
				}
				bx, by := 2*mx+(i&1), 2*my+(i>>1)
				blk := cs[0].block(bx, by)
				if e.dummyBlocks && (bx >= cs[0].cw || by >= cs[0].ch) {
					// Outside the picture: libjpeg's dummy block, AC
					// zero and the DC of the block before it in the
					// MCU, which costs the fewest bits.
					prev := cs[0].block(2*mx+((i-1)&1), 2*my+((i-1)>>1))
					blk[0] = prev[0]
					continue
				}
				if e.rd != nil {
					e.quantizeLumaRD(&b, blk, (by*cs[0].bw+bx)*blockSize)
					continue
				}
				e.quantize(&b, quantIndexLuminance, blk, cs[0].rawBlock(bx, by))
			}
			scale(&b, &cb)
			e.quantize(&b, quantIndexChrominance, cs[1].block(mx, my), cs[1].rawBlock(mx, my))
			scale(&b, &cr)
			e.quantize(&b, quantIndexChrominance, cs[2].block(mx, my), cs[2].rawBlock(mx, my))
		}
	}
	return cs
}

// forEachMCUBlock calls fn for every block of an interleaved scan of cs
// (or the one component's scan), in the order the blocks are coded.
func forEachMCUBlock(cs []component, fn func(ci int, blk []int16)) {
	if len(cs) == 1 {
		c := &cs[0]
		for by := range c.ch {
			for bx := range c.cw {
				fn(0, c.block(bx, by))
			}
		}
		return
	}
	for my := range cs[1].bh {
		for mx := range cs[1].bw {
			for i := range 4 {
				fn(0, cs[0].block(2*mx+(i&1), 2*my+(i>>1)))
			}
			fn(1, cs[1].block(mx, my))
			fn(2, cs[2].block(mx, my))
		}
	}
}

// countBlock adds the symbols a sequential scan codes for blk (DC
// difference from prevDC, then the AC run/size symbols) to dc and ac, and
// returns blk's DC.
func countBlock(blk []int16, prevDC int32, dc, ac *symbolCounts) int32 {
	blk = blk[:blockSize]
	d := int32(blk[0])
	n, _ := magnitude(d - prevDC)
	dc[n]++
	run := 0
	for zig := 1; zig < blockSize; zig++ {
		v := int32(blk[zig])
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			ac[0xf0]++
			run -= 16
		}
		n, _ := magnitude(v)
		ac[run<<4|int(n)]++
		run = 0
	}
	if run > 0 {
		ac[0x00]++
	}
	return d
}

// writeBlock codes blk (quantised, zig-zag) in a sequential scan with the
// tables dc and ac and returns its DC.
func (e *encoder) writeBlock(blk []int16, prevDC int32, dc, ac huffmanLUT) int32 {
	blk = blk[:blockSize]
	d := int32(blk[0])
	e.emitHuffRLE(dc, 0, d-prevDC)
	runLength := int32(0)
	for zig := 1; zig < blockSize; zig++ {
		v := int32(blk[zig])
		if v == 0 {
			runLength++
			continue
		}
		for runLength > 15 {
			e.emitHuff(ac, 0xf0)
			runLength -= 16
		}
		e.emitHuffRLE(ac, runLength, v)
		runLength = 0
	}
	if runLength > 0 {
		e.emitHuff(ac, 0x00)
	}
	return d
}

// writeSOSHeader writes a Start Of Scan marker for the components cs
// (each with its DC and AC table id, which is its quantisation index),
// spectral selection ss..se and successive approximation ah/al.
func (e *encoder) writeSOSHeader(cs []*component, ss, se, ah, al byte) {
	e.writeMarkerHeader(sosMarker, 6+2*len(cs))
	e.writeByte(byte(len(cs)))
	for _, c := range cs {
		e.writeByte(c.id)
		e.writeByte(byte(c.q)<<4 | byte(c.q))
	}
	e.writeByte(ss)
	e.writeByte(se)
	e.writeByte(ah<<4 | al)
}

// endScan pads the last byte of a scan with 1s and resets the bit buffer.
func (e *encoder) endScan() {
	e.emit(0x7f, 7)
	e.bits, e.nBits = 0, 0
}

// baselineCounts returns the symbol counts (indexed as huffIndex) of the
// one sequential scan of cs.
func baselineCounts(cs []component) *[nHuffIndex]symbolCounts {
	var counts [nHuffIndex]symbolCounts
	var prev [3]int32
	forEachMCUBlock(cs, func(ci int, blk []int16) {
		q := 2 * int(cs[ci].q)
		prev[ci] = countBlock(blk, prev[ci], &counts[q], &counts[q+1])
	})
	return &counts
}

// baselineSpecs returns the optimal Huffman tables (indexed as huffIndex;
// only the luminance ones for a grey picture) for the one sequential scan
// of cs, from its symbol counts (nil: counted here; consumed), the luma AC
// one given when lumaAC is not nil (built from the same counts).
func baselineSpecs(cs []component, counts *[nHuffIndex]symbolCounts, lumaAC *huffmanSpec) [nHuffIndex]huffmanSpec {
	if counts == nil {
		counts = baselineCounts(cs)
	}
	var specs [nHuffIndex]huffmanSpec
	n := 2 * nQuantIndex
	if len(cs) == 1 {
		n = 2
	}
	for i := range int(n) {
		if i == int(huffIndexLuminanceAC) && lumaAC != nil {
			specs[i] = *lumaAC
			continue
		}
		specs[i] = optimalSpec(&counts[i])
	}
	return specs
}

// writeBaseline writes the Huffman tables and the one sequential scan of
// cs: the spec's example tables when standard is set (image/jpeg's output),
// else tables built from the image's own symbol statistics.
func (e *encoder) writeBaseline(cs []component, standard bool) {
	nTables := 2
	if len(cs) == 1 {
		nTables = 1
	}
	var specs [nHuffIndex]huffmanSpec
	var luts [nHuffIndex]huffmanLUT
	if standard {
		specs = theHuffmanSpec
		luts = theHuffmanLUT
	} else {
		specs = baselineSpecs(cs, e.counts, e.lumaAC)
		e.counts, e.lumaAC = nil, nil
		for i := range 2 * nTables {
			luts[i].init(specs[i])
		}
	}
	tables := make([]huffTable, 0, 4)
	for i := range 2 * nTables {
		tables = append(tables, huffTable{"\x00\x10\x01\x11"[i], specs[i]})
	}
	e.writeDHT(tables)
	refs := make([]*component, len(cs))
	for i := range cs {
		refs[i] = &cs[i]
	}
	e.writeSOSHeader(refs, 0, 63, 0, 0)
	var prev [3]int32
	forEachMCUBlock(cs, func(ci int, blk []int16) {
		q := 2 * cs[ci].q
		prev[ci] = e.writeBlock(blk, prev[ci], luts[q], luts[q+1])
	})
	e.endScan()
}

// toYCbCr converts the 8x8 region of m whose top-left corner is p to its
// YCbCr values.
func toYCbCr(m image.Image, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			r, g, b, _ := m.At(min(p.X+i, xmax), min(p.Y+j, ymax)).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
			yBlock[8*j+i] = int32(yy)
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// grayToY stores the 8x8 region of m whose top-left corner is p in yBlock.
func grayToY(m *image.Gray, p image.Point, yBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	pix := m.Pix
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			idx := m.PixOffset(min(p.X+i, xmax), min(p.Y+j, ymax))
			yBlock[8*j+i] = int32(pix[idx])
		}
	}
}

// rgbaToYCbCr is a specialized version of toYCbCr for image.RGBA images.
func rgbaToYCbCr(m *image.RGBA, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		sj := p.Y + j
		if sj > ymax {
			sj = ymax
		}
		offset := (sj-b.Min.Y)*m.Stride - b.Min.X*4
		for i := 0; i < 8; i++ {
			sx := p.X + i
			if sx > xmax {
				sx = xmax
			}
			pix := m.Pix[offset+sx*4:]
			yy, cb, cr := color.RGBToYCbCr(pix[0], pix[1], pix[2])
			yBlock[8*j+i] = int32(yy)
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// yCbCrToYCbCr is a specialized version of toYCbCr for image.YCbCr images.
func yCbCrToYCbCr(m *image.YCbCr, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	if m.SubsampleRatio == image.YCbCrSubsampleRatio444 && p.X+7 <= xmax && p.Y+7 <= ymax {
		// Interior block of a 4:4:4 image: read whole rows.
		for j := 0; j < 8; j++ {
			yi := m.YOffset(p.X, p.Y+j)
			ci := m.COffset(p.X, p.Y+j)
			yr, cbr, crr := m.Y[yi:yi+8:yi+8], m.Cb[ci:ci+8:ci+8], m.Cr[ci:ci+8:ci+8]
			for i := 0; i < 8; i++ {
				yBlock[8*j+i] = int32(yr[i])
				cbBlock[8*j+i] = int32(cbr[i])
				crBlock[8*j+i] = int32(crr[i])
			}
		}
		return
	}
	for j := 0; j < 8; j++ {
		sy := p.Y + j
		if sy > ymax {
			sy = ymax
		}
		for i := 0; i < 8; i++ {
			sx := p.X + i
			if sx > xmax {
				sx = xmax
			}
			yi := m.YOffset(sx, sy)
			ci := m.COffset(sx, sy)
			yBlock[8*j+i] = int32(m.Y[yi])
			cbBlock[8*j+i] = int32(m.Cb[ci])
			crBlock[8*j+i] = int32(m.Cr[ci])
		}
	}
}

// scale scales the 16x16 region represented by the 4 src blocks to the 8x8
// dst block.
func scale(dst *block, src *[4]block) {
	for i := 0; i < 4; i++ {
		dstOff := (i&2)<<4 | (i&1)<<2
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				j := 16*y + 2*x
				sum := src[i][j] + src[i][j+1] + src[i][j+8] + src[i][j+9]
				dst[8*y+x+dstOff] = (sum + 2) >> 2
			}
		}
	}
}

// initQuant scales the quantisation tables to quality (1-100) as libjpeg
// does and precomputes their reciprocals.
func (e *encoder) initQuant(quality int) {
	for i := range e.quant {
		e.setQuant(quantIndex(i), scaledQuant(quantIndex(i), quality, 1000))
	}
}

// scaledQuant is table i scaled to quality as libjpeg does, then by
// permille/1000 (rounded to nearest, clamped to 1-255).
func scaledQuant(i quantIndex, quality, permille int) [blockSize]byte {
	// Convert from a quality rating to a scaling factor.
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	var t [blockSize]byte
	for j := range t {
		x := int(unscaledQuant[i][j])
		x = (x*scale*permille + 50000) / 100000
		if x < 1 {
			x = 1
		} else if x > 255 {
			x = 255
		}
		t[j] = uint8(x)
	}
	return t
}

// setQuant makes t quantisation table i and precomputes its reciprocals.
func (e *encoder) setQuant(i quantIndex, t [blockSize]byte) {
	e.quant[i] = t
	for j, x := range t {
		d := uint64(8 * int(x))
		e.recip[i][j] = (1<<32 + d - 1) / d
	}
}

// DefaultQuality is the default quality encoding parameter.
const DefaultQuality = 75

// Options are the encoding parameters.
type Options struct {
	// Quality ranges from 1 to 100 inclusive, higher is better.
	Quality int
	// StandardTables codes with the example Huffman tables of section K.3
	// of the spec, as image/jpeg does (its output byte for byte), instead
	// of tables built from the image's own statistics (libjpeg's
	// optimize_coding; same pixels, smaller file). Progressive output
	// always builds its tables.
	StandardTables bool
	// Progressive writes a progressive JPEG (see progressiveScript).
	Progressive bool
	// Trellis chooses luma blocks' quantised coefficients by their cost in
	// bits plus their distortion, as mozjpeg's trellis quantisation does,
	// with a finer luma table (encodeTrellis in trellis.go): a file no
	// bigger than the default one whose PSNR against m (image/jpeg
	// decoding) is not lower, for 3-4 times the encode time; since the
	// default's rate-distortion rounding it is nearly always the default
	// file. Ignored with StandardTables (whose output is image/jpeg's).
	Trellis bool

	tune trellisTune
}

// Encode writes the Image m to w in JPEG 4:2:0 format with the given
// options. Default parameters are used if a nil *[Options] is passed.
func Encode(w io.Writer, m image.Image, o *Options) error {
	b := m.Bounds()
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpeg: image is too large to encode")
	}
	var e encoder
	// Clip quality to [1, 100].
	quality := DefaultQuality
	var opts Options
	if o != nil {
		opts = *o
		quality = o.Quality
		if quality < 1 {
			quality = 1
		} else if quality > 100 {
			quality = 100
		}
	}
	standard := opts.StandardTables && !opts.Progressive
	// image/jpeg writes both quantisation tables for grey images too; the
	// other modes drop the unused one.
	e.dropUnused = !standard
	e.dummyBlocks = !standard
	e.initQuant(quality)
	if opts.Trellis && !standard {
		return e.encodeTrellis(w, m, quality, opts)
	}
	var cs []component
	if standard || (opts.tune.rd != nil && opts.tune.rd.off) {
		cs = e.transform(m)
	} else {
		cs = e.transformRD(m, quality, opts.tune.rd, opts.Progressive)
	}
	return e.writeFile(w, cs, b.Size(), opts.Progressive, standard)
}

// writeFile writes the JPEG file of the quantised coefficients cs to w.
func (e *encoder) writeFile(w io.Writer, cs []component, size image.Point, progressive, standard bool) error {
	if ww, ok := w.(writer); ok {
		e.w = ww
	} else {
		e.w = bufio.NewWriter(w)
	}
	e.err = nil
	e.bits, e.nBits = 0, 0
	// Write the Start Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd8
	e.write(e.buf[:2])
	// Write the quantization tables.
	e.writeDQT(len(cs))
	if progressive {
		e.writeSOF(sof2Marker, size, len(cs))
		e.writeProgressive(cs)
	} else {
		e.writeSOF(sof0Marker, size, len(cs))
		e.writeBaseline(cs, standard)
	}
	// Write the End Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd9
	e.write(e.buf[:2])
	e.flush()
	return e.err
}
