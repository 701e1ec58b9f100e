package jpegenc

import (
	"image"
	"math/bits"
)

// Rate-distortion rounding of luma, the default quantiser (not with
// StandardTables, whose output is image/jpeg's).
//
// Luma AC is quantised with a table rdPermille/1000 of the quality's
// (the DC entry kept), which lowers the luma error and costs bytes; then
// single coefficients are lowered by one step (a +-1 to 0, or a power of
// two to the value below it, whose size category is one bit shorter),
// the ones that save the most bits per unit of error added first, until
// the error added reaches rdFrac of the error the finer table took away.
// Errors are counted exactly, in forward DCT units, over the luma
// coefficients: the DCT is orthogonal, so they are the luma plane's
// squared error before the decoder rounds to 8 bits. The bits are
// estimated with the code lengths of the spec's example luma AC table.
//
// The rule this holds, per image: the luma error is at most
// (1-rdFrac) x (what the finer table removes) below the error of plain
// rounding at the quality's table, so it is lower than plain rounding's;
// chroma is exactly plain rounding's. The decoder's rounding to integers
// and its colour conversion make the decoded PSNR differ from this
// prediction (the DC entry is kept because a finer DC step mostly moves
// smooth blocks by less than the decoder's rounding), so the margin
// rdFrac < 1 is left: TestRDNotWorse checks the decoded PSNR of real
// photos at several qualities and sizes (docs/benchmarks.md, "JPEG bytes
// below sharp's").

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
// octave over 65 octaves of a 30-bit fixed-point ratio.
const rdBins = 16 * 65

// rdParams are the settings of rate-distortion rounding, for tests.
type rdParams struct {
	permille int // luma AC table scale (0: rdPermille)
	tau      float64
	frac     float64 // fraction of the error budget spent (0: rdFrac)
	off      bool    // plain rounding at the quality's tables
}

// rdState is the rate-distortion rounding of one encode.
type rdState struct {
	frac  float64
	origQ [blockSize]int32  // 8 x the quality's luma table
	origR [blockSize]uint64 // its reciprocals (divRecip)
	acLen codeLengths
	// slack is the error rounding at origQ adds beyond rounding at the
	// finer table (forward DCT units, squared).
	slack int64
	// hist is the error each class of candidates would add.
	hist [rdBins]int64
	// bins is the class of every candidate, in coding order.
	bins []uint16
	// plainAC and rdAC count the luma AC symbols of plain rounding and of
	// the result.
	plainAC, rdAC symbolCounts
	// used is the error added by the lowered coefficients.
	used      int64
	trueSlack int64
	minErr    int64
}

// rdCand is a candidate of one block: its position and the bits its
// lowering saves.
type rdCand struct {
	pos   uint8
	saved uint8
}

func (r *rdState) cost(run, size int) int {
	return (run>>4)*int(r.acLen[0xf0]) + int(r.acLen[(run&15)<<4|size])
}

// candidates lists the coefficients of blk (quantised, zig-zag) that may
// be lowered by one step and save bits: +-1 (zeroed) and +-2^k, k >= 1,
// each with the bits saved as the other values of the block stand.
func (r *rdState) candidates(blk []int16, out *[blockSize]rdCand) int {
	blk = blk[:blockSize]
	n := 0
	prev := 0
	for i := 1; i < blockSize; i++ {
		v := int(blk[i])
		if v == 0 {
			continue
		}
		a := v
		if a < 0 {
			a = -a
		}
		p := prev
		prev = i
		if a&(a-1) != 0 {
			continue
		}
		r1 := i - p - 1
		var saved int
		if a == 1 {
			next := i + 1
			for next < blockSize && blk[next] == 0 {
				next++
			}
			if next < blockSize {
				r2 := next - i - 1
				s2 := bits.Len(uint(abs(int(blk[next]))))
				saved = r.cost(r1, 1) + 1 + r.cost(r2, s2) - r.cost(r1+r2+1, s2)
			} else {
				// The last value: an EOB follows either way, unless it
				// is the block's last coefficient.
				saved = r.cost(r1, 1) + 1
				if i == blockSize-1 {
					saved -= int(r.acLen[0x00])
				}
			}
		} else {
			s := bits.Len(uint(a))
			saved = r.cost(r1, s) + 1 - r.cost(r1, s-1)
		}
		if saved > 0 {
			out[n] = rdCand{uint8(i), uint8(saved)}
			n++
		}
	}
	return n
}

// quantizeLumaRD is quantize for a luma block with rate-distortion
// rounding: it rounds with the finer table, adds to the error budget and
// classifies the block's candidates.
func (e *encoder) quantizeLumaRD(b *block, dst []int16) {
	r := e.rd
	fdct(b)
	dst = dst[:blockSize]
	q := &e.quant[quantIndexLuminance]
	rc := &e.recip[quantIndexLuminance]
	var slack, errF int64
	last := 0 // the last non-zero AC value of plain rounding (0: none)
	pc := &r.plainAC
	for zig := range blockSize {
		x := b[unzig[zig]]
		qs := 8 * int32(q[zig])
		v := divRecip(x, qs, rc[zig])
		dst[zig] = int16(v)
		ef := int64(x - v*qs)
		errF += ef * ef
		if v != 0 {
			// Where the finer table rounds to 0 so does the coarser one,
			// with the same error.
			qo := r.origQ[zig]
			vo := divRecip(x, qo, r.origR[zig])
			eo := int64(x - vo*qo)
			slack += eo*eo - ef*ef
			if zig > 0 && vo != 0 {
				// Plain rounding's symbol for this value.
				run := zig - 1 - last
				for run > 15 {
					pc[0xf0]++
					run -= 16
				}
				n, _ := magnitude(vo)
				pc[run<<4|int(n)]++
				last = zig
			}
		}
	}
	if last < blockSize-1 {
		pc[0x00]++
	}
	r.trueSlack += slack
	if errF >= r.minErr {
		r.slack += slack
	}
	var cands [blockSize]rdCand
	n := r.candidates(dst, &cands)
	for _, c := range cands[:n] {
		i := int(c.pos)
		x := int64(b[unzig[i]])
		if x < 0 {
			x = -x
		}
		a := int64(abs(int(dst[i])))
		qs := 8 * int64(q[i])
		// |x| reconstructed at (a-1)*qs instead of a*qs; rounding to
		// nearest put it at least half a step above (a-1)*qs.
		dd := qs * (2*x - (2*a-1)*qs)
		bin := rdBins - 1
		if dd > 0 {
			f := (uint64(c.saved) << 30) / uint64(dd)
			if f == 0 {
				bin = 0
			} else {
				l := bits.Len64(f)
				bin = 16*(l-1) + int((f<<(64-l))>>59)&15
			}
		}
		r.hist[bin] += dd
		r.bins = append(r.bins, uint16(bin))
	}
}

// applyRD lowers the candidates of the luma component c (blocks visited in
// the order quantizeLumaRD saw them) class by class, best first, each class
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
	c := &cs[0]
	bins := r.bins
	var cands [blockSize]rdCand
	for _, bi := range codingOrder(cs, 0) {
		blk := c.coef[bi*blockSize : (bi+1)*blockSize : (bi+1)*blockSize]
		n := r.candidates(blk, &cands)
		for k, cd := range cands[:n] {
			if int(bins[k]) > cut {
				if blk[cd.pos] > 0 {
					blk[cd.pos]--
				} else {
					blk[cd.pos]++
				}
			}
		}
		bins = bins[n:]
		countAC(blk, &r.rdAC)
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
func codedBits(c symbolCounts) int64 {
	freq := c
	spec := optimalSpec(&freq)
	l := lengthsOf(spec)
	n := int64(8 * (17 + len(spec.value)))
	for sym, k := range c[:256] {
		if k != 0 {
			n += k * int64(int(l[sym])+sym&15)
		}
	}
	return n
}

// pays tells whether the result codes its luma AC in fewer bits than
// plain rounding would, by a margin for what the count leaves out (byte
// stuffing, and progressive files' own scans).
func (r *rdState) pays() bool {
	a, b := codedBits(r.rdAC), codedBits(r.plainAC)
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
	r := &rdState{frac: frac, minErr: int64(minErr * 64 * 64), origR: e.recip[quantIndexLuminance], acLen: lengthsOf(theHuffmanSpec[huffIndexLuminanceAC])}
	for i, v := range e.quant[quantIndexLuminance] {
		r.origQ[i] = 8 * int32(v)
	}
	t := scaledQuant(quantIndexLuminance, quality, permille)
	t[0] = e.quant[quantIndexLuminance][0]
	e.setQuant(quantIndexLuminance, t)
	e.rd = r
}

// plainTune turns rate-distortion rounding off (tests: plain rounding at
// the quality's tables, libjpeg's quantisation).
var plainTune = trellisTune{rd: &rdParams{off: true}}

// transformRD is transform with rate-distortion rounding of luma (p nil:
// the defaults), or plain rounding where that does not pay; e.rd is nil
// after plain rounding.
func (e *encoder) transformRD(m image.Image, quality int, p *rdParams) []component {
	e.initRD(quality, p)
	cs := e.transform(m)
	r := e.rd
	if r.trueSlack >= 0 {
		e.applyRD(cs)
		if r.pays() {
			return cs
		}
	}
	// The finer table does worse than the quality's (a picture on the
	// block grid of a JPEG at this quality), or the lowered coefficients
	// do not pay for it: plain rounding.
	e.rd = nil
	e.initQuant(quality)
	return e.transform(m)
}
