package jpegenc

import (
	"image"
	"math/bits"
)

// Rate-distortion rounding of luma, the default quantiser (not with
// StandardTables, whose output is image/jpeg's).
//
// Luma AC is quantised with a table rdPermille/1000 of the quality's
// (the DC step kept), which lowers the luma error and costs bytes; then
// single coefficients are lowered by one step (a +-1 to 0, or a power of
// two to the value below it, whose size category is one bit shorter),
// the ones that save the most bits per unit of error added first, whole
// classes of that ratio at a time, while the error added stays within
// rdFrac of the error the finer table took away in blocks whose error is
// at least rdMinErr per pixel. Errors are counted exactly, in forward DCT
// units, over the luma coefficients: the DCT is orthogonal, so they are
// the luma plane's squared error before the decoder rounds to 8 bits. The
// bits are estimated with the code lengths of the spec's example luma AC
// table. Plain rounding is written instead where the finer table does
// worse over the whole picture (one on the block grid of a JPEG at this
// quality) or the result's luma AC would not code in at least 0.5% fewer
// bits than plain rounding's (each with its optimal table).
//
// The rule this holds, per image: the luma error is at most plain
// rounding's less (1-rdFrac) x what the finer table removes, so never
// more than plain rounding's; the DC values and chroma are plain
// rounding's (TestRDRule). The decoder's rounding to integers and its
// colour conversion stand between that and the decoded PSNR; the margins
// (rdFrac, rdMinErr, the DC step kept: a finer DC step mostly moves
// smooth blocks by less than the decoder's rounding) were set until no
// file of the measured sets decoded worse, and TestRDNotWorse checks real
// photos at q30-95, 800 and 200 px, with image/jpeg and djpeg
// (docs/benchmarks.md, "JPEG bytes below sharp's").

// rdPermille is the luma AC table's scale, in thousandths of the
// quality's table.
const rdPermille = 900

// rdFrac is the fraction of the error the finer table removes that the
// lowered coefficients may add back.
const rdFrac = 0.4

// rdMinErr is the mean squared luma error per pixel, at the finer table,
// below which a block's error saving is left out of the budget.
const rdMinErr = 1.0

// rdBins is the number of classes of bits saved per error added: 16 per
// octave, from 2^-64 to 2^64.
const rdBins = 16 * 128

// rdParams are the settings of rate-distortion rounding, for tests.
type rdParams struct {
	permille int     // luma AC table scale (0: rdPermille)
	tau      float64 // the blocks' minimum error per pixel (0: rdMinErr)
	frac     float64 // fraction of the error budget spent (0: rdFrac)
	off      bool    // plain rounding at the quality's tables
}

// rdState is the rate-distortion rounding of one encode.
type rdState struct {
	frac  float64
	origQ [blockSize]int32  // 8 x the quality's luma table
	qs    [blockSize]int32  // 8 x the finer table
	origR [blockSize]uint64 // its reciprocals (divRecip)
	// trueSlack is the error rounding at origQ adds beyond rounding at
	// the finer table (forward DCT units, squared), slack the same over
	// the blocks whose error at the finer table is minErr or more.
	trueSlack, slack int64
	minErr           int64
	// hist is the error each class of candidates would add.
	hist [rdBins]int64
	// cands are the candidates: index in the luma coefficients << 16 |
	// class (the index is below 2^32: blocks are at most 8192 a side).
	cands    []uint64
	maxCands int // cands' bound (memory)
	// rdSpec is the optimal luma AC table of the result (pays).
	rdSpec *huffmanSpec
	// plainAC and rdAC count the luma AC symbols of plain rounding and of
	// the result.
	plainAC, rdAC symbolCounts
	// used is the error added by the lowered coefficients.
	used int64
}

// rdCost[run][size] is the length of the codes (ZRLs included) of run
// zeroes then a value of that size with the spec's example luma AC table,
// by which rate-distortion rounding estimates bits.
var rdCost = func() (c [blockSize][16]int32) {
	l := lengthsOf(theHuffmanSpec[huffIndexLuminanceAC])
	for run := range blockSize {
		for size := 1; size <= maxCoefBits; size++ {
			c[run][size] = int32((run>>4)*int(l[0xf0]) + int(l[(run&15)<<4|size]))
		}
	}
	return c
}()

// rdEOB is the length of the EOB code in that table.
var rdEOB = int32(lengthsOf(theHuffmanSpec[huffIndexLuminanceAC])[0x00])

// quantizeLumaRD is quantize for the luma block at coefficient offset
// base with rate-distortion rounding: it rounds with the finer table,
// adds to the error budget, counts plain rounding's AC symbols and lists
// the block's candidates: +-1 (to be zeroed) and +-2^k, k >= 1 (to be
// lowered into the shorter size category), each classed by the bits its
// lowering saves (as the block's other values stand) per error it adds.
func (e *encoder) quantizeLumaRD(b *block, dst []int16, base int) {
	r := e.rd
	fdct(b)
	dst = dst[:blockSize]
	q := &e.quant[quantIndexLuminance]
	rc := &e.recip[quantIndexLuminance]
	var slack int64
	var errF int32              // below 64 x (8 x 255 / 2)^2 < 2^31
	var nz [blockSize + 1]uint8 // positions of the non-zero values, then 0
	n := 0
	qf := &r.qs
	for zig := range blockSize {
		x := b[unzig[zig]]
		qs := qf[zig]
		v := divRecip(x, qs, rc[zig])
		dst[zig] = int16(v)
		ef := x - v*qs
		errF += ef * ef
		nz[n] = uint8(zig)
		n += int((uint32(v) | uint32(-v)) >> 31)
	}
	nz[n] = 0
	if n > 0 && nz[0] == 0 {
		copy(nz[:n], nz[1:n+1]) // the DC: the same step in both tables
		n--
	}
	last := 0 // the last non-zero AC value of plain rounding (0: none)
	pc := &r.plainAC
	for _, zig8 := range nz[:n] {
		// Where the finer table rounds to 0 so does the coarser one, with
		// the same error: only the non-zero values differ.
		zig := int(zig8)
		x := b[unzig[zig]]
		ef := x - int32(dst[zig])*qf[zig]
		qo := r.origQ[zig]
		vo := divRecip(x, qo, r.origR[zig])
		eo := int64(x - vo*qo)
		slack += eo*eo - int64(ef)*int64(ef)
		if vo != 0 {
			// Plain rounding's symbol for this value.
			run := zig - 1 - last
			for run > 15 {
				pc[0xf0]++
				run -= 16
			}
			s, _ := magnitude(vo)
			pc[run<<4|int(s)]++
			last = zig
		}
	}
	if last < blockSize-1 {
		pc[0x00]++
	}
	r.trueSlack += slack
	if int64(errF) >= r.minErr {
		r.slack += slack
	}
	prev := 0
	for k := range n {
		i := int(nz[k])
		p := prev
		prev = i
		a := int(dst[i])
		if a < 0 {
			a = -a
		}
		if a&(a-1) != 0 {
			continue
		}
		r1 := (i - p - 1) & (blockSize - 1)
		var saved int32
		if a == 1 {
			if next := int(nz[k+1]); next != 0 {
				s2 := bits.Len16(uint16(abs(int(dst[next])))) & 15
				saved = rdCost[r1][1] + 1 + rdCost[(next-i-1)&(blockSize-1)][s2] - rdCost[(next-p-1)&(blockSize-1)][s2]
			} else {
				// The last value: an EOB follows either way, unless it
				// is the block's last coefficient.
				saved = rdCost[r1][1] + 1
				if i == blockSize-1 {
					saved -= rdEOB
				}
			}
		} else {
			s := bits.Len16(uint16(a)) & 15
			saved = rdCost[r1][s] + 1 - rdCost[r1][s-1]
		}
		if saved <= 0 {
			continue
		}
		x := int64(b[unzig[i]])
		if x < 0 {
			x = -x
		}
		qs := 8 * int64(q[i])
		// |x| reconstructed at (a-1)*qs instead of a*qs; rounding to
		// nearest put it at least half a step above (a-1)*qs.
		dd := qs * (2*x - int64(2*a-1)*qs)
		// The class: log2(saved / dd) in sixteenths (each logarithm
		// piecewise linear between powers of two), offset to be >= 0.
		bin := rdBins - 1
		if dd > 0 {
			bin = min(rdBins-1, max(0, rdBins/2+log2x16(uint64(saved))-log2x16(uint64(dd))))
		}
		if len(r.cands) == r.maxCands {
			return // the memory bound: the rest are left as rounded
		}
		r.hist[bin&(rdBins-1)] += dd
		r.cands = append(r.cands, uint64(base+i)<<16|uint64(bin))
	}
}

// log2x16 is 16 log2(x), x > 0, rounded down, the logarithm taken as
// linear between powers of two.
func log2x16(x uint64) int {
	l := bits.Len64(x)
	return 16*(l-1) + int((x<<(64-l))>>59)&15
}

// applyRD lowers the candidates class by class, best first, each class
// whole, while the error added stays within the budget.
func (e *encoder) applyRD(cs []component) {
	r := e.rd
	budget := int64(r.frac * float64(min(r.slack, r.trueSlack)))
	cut := -1
	for k := rdBins - 1; k >= 0; k-- {
		if r.used+r.hist[k] > budget {
			cut = k
			break
		}
		r.used += r.hist[k]
	}
	coef := cs[0].coef
	for _, c := range r.cands {
		if i := c >> 16; int(c&0xffff) > cut {
			if coef[i] > 0 {
				coef[i]--
			} else {
				coef[i]++
			}
		}
	}
}

// countAC adds the AC symbols of blk to ac (as countBlock).
func countAC(blk []int16, ac *symbolCounts) {
	blk = blk[:blockSize]
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
}

// codedBits is the size in bits of the symbols counted in c coded with
// their optimal table, the table's DHT entry and the magnitude bits
// included.
func codedBits(c symbolCounts) (int64, huffmanSpec) {
	freq := c
	spec := optimalSpec(&freq)
	l := lengthsOf(spec)
	n := int64(8 * (17 + len(spec.value)))
	for sym, k := range c[:256] {
		if k != 0 {
			n += k * int64(int(l[sym])+sym&15)
		}
	}
	return n, spec
}

// pays tells whether the result codes its luma AC in fewer bits than
// plain rounding would, by a margin for what the count leaves out (byte
// stuffing, and progressive files' own scans).
// The result's table is kept in r.rdSpec.
func (r *rdState) pays() bool {
	a, spec := codedBits(r.rdAC)
	b, _ := codedBits(r.plainAC)
	r.rdSpec = &spec
	return a < b-b/200
}

// initRD sets up rate-distortion rounding at quality (tables already
// scaled to it): the luma AC table made finer, the old one kept for the
// budget.
func (e *encoder) initRD(quality int, p *rdParams) {
	permille, frac := rdPermille, rdFrac
	if p != nil && p.permille != 0 {
		permille = p.permille
	}
	if p != nil && p.frac != 0 {
		frac = p.frac
	}
	minErr := rdMinErr
	if p != nil && p.tau != 0 {
		minErr = p.tau
	}
	r := &rdState{frac: frac, minErr: int64(minErr * 64 * 64), origR: e.recip[quantIndexLuminance]}
	for i, v := range e.quant[quantIndexLuminance] {
		r.origQ[i] = 8 * int32(v)
	}
	t := scaledQuant(quantIndexLuminance, quality, permille)
	t[0] = e.quant[quantIndexLuminance][0]
	e.setQuant(quantIndexLuminance, t)
	for i, v := range t {
		r.qs[i] = 8 * int32(v)
	}
	e.rd = r
}

// plainTune turns rate-distortion rounding off (tests: plain rounding at
// the quality's tables, libjpeg's quantisation).
var plainTune = trellisTune{rd: &rdParams{off: true}}

// transformRD is transform with rate-distortion rounding of luma (p nil:
// the defaults), or plain rounding where that does not pay; e.rd is nil
// after plain rounding.
func (e *encoder) transformRD(m image.Image, quality int, p *rdParams, progressive bool) []component {
	e.initRD(quality, p)
	b := m.Bounds()
	// At most 16 candidates a block (2 bytes a pixel) and 2^16 more (512
	// KiB): a detailed photo at full size has 11 a block, an 800 px one
	// 4-8, a 200 px thumbnail up to 20. Room for 6 a block to start with.
	blocks := ((b.Dx() + 7) / 8) * ((b.Dy() + 7) / 8)
	e.rd.maxCands = 16*blocks + 1<<16
	e.rd.cands = make([]uint64, 0, 6*blocks)
	cs := e.transform(m)
	r := e.rd
	if r.trueSlack >= 0 {
		e.applyRD(cs)
		r.cands = nil
		if progressive {
			for _, bi := range codingOrder(cs, 0) {
				countAC(cs[0].coef[bi*blockSize:(bi+1)*blockSize], &r.rdAC)
			}
		} else {
			// The baseline scan's counts, which writeBaseline then uses.
			e.counts = baselineCounts(cs)
			r.rdAC = e.counts[huffIndexLuminanceAC]
		}
		if r.pays() {
			if e.counts != nil {
				e.lumaAC = r.rdSpec
			}
			return cs
		}
		e.counts = nil
	}
	// The finer table does worse than the quality's (a picture on the
	// block grid of a JPEG at this quality), or the lowered coefficients
	// do not pay for it: plain rounding.
	e.rd = nil
	e.initQuant(quality)
	return e.transform(m)
}
