// Trellis quantisation, ported from mozjpeg's quantize_trellis
// (jcdctmgr.c, mozjpeg 4.x, github.com/mozilla/mozjpeg).
//
// That file carries these notices, kept here as its licence asks:
//
//	This file was part of the Independent JPEG Group's software:
//	Copyright (C) 1994-1996, Thomas G. Lane.
//	libjpeg-turbo Modifications:
//	Copyright (C) 1999-2006, MIYASAKA Masaru.
//	Copyright 2009 Pierre Ossman <ossman@cendio.se> for Cendio AB
//	Copyright (C) 2011, 2014 D. R. Commander
//	mozjpeg Modifications:
//	Copyright (C) 2014, Mozilla Corporation.
//	For conditions of distribution and use, see the accompanying README file.
//
// The conditions are the IJG licence, reproduced in LICENSE-IJG in this
// directory. Changes in this Go port (imgpar, 2026): written for this
// package's zig-zag block layout and int16 coefficients; costs in float64
// with every product rounded on its own (no fused multiply-add), so the
// output is the same on every platform. Of mozjpeg's settings one set is
// kept: AC only (no DC trellis), no EOB-run optimisation, one loop, each
// coefficient's distortion weighted by 1/q^2 (mozjpeg's mode 1), and a
// constant lambda (mozjpeg's lambda_log_scale2 = 0, lambda_log_scale1 =
// 10.25) instead of cjpeg's default, which lowers lambda in busy blocks
// (scale1 14.75, scale2 16.5) and buys its bytes with PSNR.
//
// Not from mozjpeg: how the trellis is used (encodeTrellis; since the
// default's rate-distortion rounding, rdo.go, it nearly never beats the
// default file, which it compares itself with). mozjpeg's
// trellis at a quality's tables makes a file about 9% smaller and 0.1-0.2
// dB worse; here the luma table is made 5% finer, each luma block keeps
// either its rounded or its trellis coefficients, the trellis ones taken
// where they save the most bits per unit of error within an error budget
// below what rounding at the quality's own table gives, chroma is rounded
// as without Trellis, and the file is decoded and checked against the
// default file: never bigger, PSNR never lower (docs/benchmarks.md,
// TestTrellisRD, TestTrellis).

package jpegenc

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
	"math"
	"sort"
)

// maxCoefBits bounds a quantised coefficient (libjpeg's MAX_COEF_BITS for
// 8-bit samples).
const maxCoefBits = 10

// trellisLambda prices distortion in bits per unit of squared error, the
// error measured in forward DCT output units (8 per coefficient step) and
// divided by the step squared: 2^(10.25-12), mozjpeg's lambda with
// lambda_log_scale1 = 10.25 and lambda_log_scale2 = 0. Chosen by
// TestTrellisRD from 2^-4.5, 2^-3, 2^-1.75, 2^-1 and 2^0: 2^-1.75 and 2^-1
// save the most at equal PSNR and SSIM; smaller values cut more bytes
// than their fidelity is worth, larger ones approach plain rounding.
var trellisLambda = math.Exp2(-1.75)

// codeLengths is the code length of every symbol of a Huffman table, 0
// for symbols the table does not code (mozjpeg's ehufsi).
type codeLengths [256]uint8

func lengthsOf(s huffmanSpec) codeLengths {
	var l codeLengths
	k := 0
	for i, n := range s.count {
		for range n {
			l[s.value[k]] = uint8(i + 1)
			k++
		}
	}
	return l
}

// trellisState is the scratch space of trellisBlock.
type trellisState struct {
	zeroDist [blockSize]float64 // accumulated distortion of zeroing 1..i
	cost     [blockSize]float64 // best cost of coding 1..i ending with a value at i
	runStart [blockSize]int     // where the run before the value at i starts
	// from lists 0 and the positions holding a value so far: where the
	// zero run before a value can start.
	from [blockSize]int
}

// trellisAC chooses the AC coefficients of one block (zig-zag order, raw =
// forward DCT output scaled by 8, q = the quantisation table) that minimise
// rate + lambda * distortion, the rate measured with the code lengths ac,
// and stores them in dst[1:], which holds the rounded ones on entry.
func (st *trellisState) trellisAC(dst, raw []int16, q *[blockSize]byte, invQ2 *[blockSize]float64, ac *codeLengths, lambda float64) {
	dst, raw = dst[:blockSize], raw[:blockSize]
	// dst holds the rounded coefficients: when every AC one is zero, so is
	// every candidate (the trellis only tries values up to the rounded
	// one), and the block is done.
	nonzero := false
	for _, v := range dst[1:] {
		if v != 0 {
			nonzero = true
			break
		}
	}
	if !nonzero {
		return
	}
	st.zeroDist[0] = 0
	st.cost[0] = 0
	eobBits := float64(ac[0x00])
	zrlBits := int(ac[0xf0])
	from := st.from[:1]
	from[0] = 0
	for i := 1; i < blockSize; i++ {
		r := int(raw[i])
		x := r
		if x < 0 {
			x = -x
		}
		w := float64(lambda * invQ2[i])
		st.zeroDist[i] = float64(float64(x*x)*w) + st.zeroDist[i-1]
		qs := 8 * int(q[i])
		qval := (x + qs/2) / qs
		dst[i] = 0
		if qval == 0 {
			st.cost[i] = math.MaxFloat64
			continue
		}
		qval = min(qval, 1<<maxCoefBits-1)
		// Candidates: the largest value of each size category below
		// qval's (1, 3, 7, ...), then qval itself.
		nc := bitsLen(qval)
		var cand [maxCoefBits]int
		var candDist [maxCoefBits]float64
		for k := range nc {
			c := qval
			if k < nc-1 {
				c = 2<<k - 1
			}
			d := c*qs - x
			cand[k] = c
			candDist[k] = float64(float64(d*d) * w)
		}
		best := math.MaxFloat64
		for _, j := range from {
			run := i - 1 - j
			if run>>4 != 0 && zrlBits == 0 {
				continue
			}
			runBits := (run >> 4) * zrlBits
			run &= 15
			base := st.zeroDist[i-1] - st.zeroDist[j] + st.cost[j]
			for k := range nc {
				codeBits := int(ac[run<<4|(k+1)])
				if codeBits == 0 {
					continue
				}
				c := float64(codeBits+k+1+runBits) + candDist[k] + base
				if c < best {
					best = c
					v := cand[k]
					if r < 0 {
						v = -v
					}
					dst[i] = int16(v)
					st.runStart[i] = j
				}
			}
		}
		st.cost[i] = best
		if dst[i] != 0 {
			from = append(from, i)
		}
	}
	// Where the last value goes: after it, an EOB (unless it is the last
	// coefficient) and the distortion of the zeroes after it.
	last := 0
	bestCost := st.zeroDist[blockSize-1] + eobBits
	for i := 1; i < blockSize; i++ {
		if dst[i] == 0 {
			continue
		}
		c := st.cost[i] + st.zeroDist[blockSize-1] - st.zeroDist[i]
		if i < blockSize-1 {
			c += eobBits
		}
		if c < bestCost {
			bestCost, last = c, i
		}
	}
	// Zero everything not on the chosen path.
	for i := blockSize - 1; i >= 1; {
		for i > last {
			dst[i] = 0
			i--
		}
		if i < 1 {
			break
		}
		last = st.runStart[i]
		i--
	}
}

// bitsLen is the JPEG size category of v > 0.
func bitsLen(v int) int {
	n := 0
	for v != 0 {
		v >>= 1
		n++
	}
	return n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// codingOrder returns the indices (by*bw+bx) of component ci's blocks that
// lie in the picture, in the order a sequential scan codes them.
func codingOrder(cs []component, ci int) []int {
	c := &cs[ci]
	order := make([]int, 0, c.cw*c.ch)
	if len(cs) == 1 || ci > 0 {
		if len(cs) == 1 {
			for by := range c.ch {
				for bx := range c.cw {
					order = append(order, by*c.bw+bx)
				}
			}
			return order
		}
		for by := range c.bh {
			for bx := range c.bw {
				order = append(order, by*c.bw+bx)
			}
		}
		return order
	}
	for my := range cs[1].bh {
		for mx := range cs[1].bw {
			for i := range 4 {
				bx, by := 2*mx+(i&1), 2*my+(i>>1)
				if bx < c.cw && by < c.ch {
					order = append(order, by*c.bw+bx)
				}
			}
		}
	}
	return order
}

// trellisTune holds the trellis's settings for tests (the zero value is
// Options.Trellis).
type trellisTune struct {
	permille  int     // table scale (0: trellisPermille)
	lambdaLog float64 // log2 lambda (0: trellisLambda)
	// noCheck writes the first mix without decoding it and comparing it
	// with the default file (to show that TestTrellis needs the check).
	noCheck bool
	// stats, when not nil, counts the files that kept the trellis
	// ([0]) and those that fell back to rounding ([1]).
	stats *[2]int
	rd    *rdParams
}

// trellisPermille is how much finer, in thousandths of the quality's
// tables, the tables of a trellis-quantised file are.
var trellisPermille = 950

// trellisBudgets are the fractions of the error budget tried in turn.
var trellisBudgets = []float64{0.75, 0.4}

// encodeTrellis writes m as Options.Trellis does. Luma is quantised with
// a table 5% finer than quality's, each block either rounded or trellis
// quantised, the trellis ones chosen by bits saved per unit of added error
// until the error reaches 3/4 of what rounding at quality's own table adds
// beyond rounding at the finer one (mixCandidates, mix.apply). The file
// is then decoded (image/jpeg) and kept only if it is smaller than the
// default file (what Encode writes without Trellis: rate-distortion
// rounding, rdo.go, or with the tests' plainTune plain rounding at
// quality's tables) and its PSNR against m is not lower; otherwise a
// smaller budget is tried, and at last the default file is written.
//
// Chroma keeps quality's table and its rounded coefficients, so that its
// error is the rounded file's whatever the decoder's chroma upsampling:
// with chroma in the mix, image/jpeg (nearest-neighbour upsampling)
// measured every file as no worse, but djpeg (libjpeg's smooth
// upsampling) read some test photos up to 0.13 dB worse than their
// rounded files.
func (e *encoder) encodeTrellis(w io.Writer, m image.Image, quality int, opts Options) error {
	tune := opts.tune
	size := m.Bounds().Size()
	e.lambda = trellisLambda
	if tune.lambdaLog != 0 {
		e.lambda = math.Exp2(tune.lambdaLog)
	}
	permille := trellisPermille
	if tune.permille != 0 {
		permille = tune.permille
	}
	orig := e.quant
	e.setQuant(quantIndexLuminance, scaledQuant(quantIndexLuminance, quality, permille))
	e.keepRaw = true
	cs := e.transform(m)
	// The default file (rate-distortion rounding, rdo.go), what Encode
	// writes without Trellis.
	var fileA bytes.Buffer
	def := opts
	def.Trellis = false
	if err := Encode(&fileA, m, &def); err != nil {
		return err
	}

	mx := e.mixCandidates(cs, &orig[quantIndexLuminance])
	for i := range cs {
		cs[i].raw = nil
	}
	var ref *image.RGBA
	var sseA int64 = -1
	for _, frac := range trellisBudgets {
		mx.apply(cs, frac)
		var fileB bytes.Buffer
		if err := e.writeFile(&fileB, cs, size, opts.Progressive, false); err != nil {
			return err
		}
		if fileB.Len() >= fileA.Len() {
			break // a smaller budget makes a bigger file
		}
		if tune.noCheck {
			_, err := w.Write(fileB.Bytes())
			return err
		}
		if ref == nil {
			ref = toRGBA(m)
			sseA = sseAgainst(ref, fileA.Bytes())
		}
		if sseB := sseAgainst(ref, fileB.Bytes()); sseB >= 0 && sseA >= 0 && sseB <= sseA {
			if tune.stats != nil {
				tune.stats[0]++
			}
			_, err := w.Write(fileB.Bytes())
			return err
		}
		mx.undo(cs)
	}
	if tune.stats != nil {
		tune.stats[1]++
	}
	_, err := w.Write(fileA.Bytes())
	return err
}

// toRGBA returns m's pixels as an *image.RGBA with bounds at the origin.
func toRGBA(m image.Image) *image.RGBA {
	dst := image.NewRGBA(image.Rectangle{Max: m.Bounds().Size()})
	draw.Draw(dst, dst.Rect, m, m.Bounds().Min, draw.Src)
	return dst
}

// sseAgainst decodes the JPEG file b (image/jpeg) and returns its squared
// error over R, G and B against ref, -1 if it does not decode.
func sseAgainst(ref *image.RGBA, b []byte) int64 {
	d, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil || d.Bounds().Size() != ref.Rect.Size() {
		return -1
	}
	got := toRGBA(d)
	var sum int64
	p, q := ref.Pix, got.Pix[:len(ref.Pix)]
	for i := 0; i+3 < len(p); i += 4 {
		r, g, b := int64(p[i])-int64(q[i]), int64(p[i+1])-int64(q[i+1]), int64(p[i+2])-int64(q[i+2])
		sum += r*r + g*g + b*b
	}
	return sum
}

// acBits is the number of bits the AC coefficients of blk take with the
// code lengths ac.
func acBits(blk []int16, ac *codeLengths) int {
	blk = blk[:blockSize]
	n, run := 0, 0
	for zig := 1; zig < blockSize; zig++ {
		v := int(blk[zig])
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			n += int(ac[0xf0])
			run -= 16
		}
		s := bitsLen(abs(v))
		n += int(ac[run<<4|s]) + s
		run = 0
	}
	if run > 0 {
		n += int(ac[0x00])
	}
	return n
}

// blockDist is the squared error of the quantised blk (table q) against
// raw, in forward DCT units.
func blockDist(blk, raw []int16, q *[blockSize]byte) int64 {
	blk, raw = blk[:blockSize], raw[:blockSize]
	var d int64
	for zig := range blockSize {
		x := int64(raw[zig]) - int64(blk[zig])*8*int64(q[zig])
		d += x * x
	}
	return d
}

// mixCand is one block whose trellis AC coefficients save bits.
type mixCand struct {
	bi   int   // block index in the luma component
	bits int64 // bits saved
	dist int64 // squared error added
}

// mix is the trellis alternative of every luma block that has one, in
// order of bits saved per unit of error added, and the error budget.
type mix struct {
	cands   []mixCand
	trellis []int16 // the candidates' trellis blocks, 64 each
	round   []int16 // and their rounded ones
	applied []int   // candidates applied
	budget  int64
}

// mixCandidates trellis quantises the AC coefficients of every luma block
// of cs (rounded with e.quant; raw kept) with the Huffman code lengths of
// the rounded coefficients and lists the blocks where that saves bits. The
// budget is the error rounding at the table orig adds beyond rounding at
// e.quant (errors in forward DCT units: the DCT is orthogonal, so they
// are the pixels' up to a constant factor and the decoder's rounding).
func (e *encoder) mixCandidates(cs []component, orig *[blockSize]byte) *mix {
	specs := baselineSpecs(cs, nil, nil)
	var invQ2 [blockSize]float64
	q := &e.quant[quantIndexLuminance]
	for i := range blockSize {
		qq := float64(q[i])
		invQ2[i] = 1 / float64(qq*qq)
	}
	var origE encoder
	origE.setQuant(quantIndexLuminance, *orig)
	var st trellisState
	mx := &mix{}
	var tmp, tr [blockSize]int16
	c := &cs[0]
	acLen := lengthsOf(specs[huffIndexLuminanceAC])
	for _, bi := range codingOrder(cs, 0) {
		i := bi * blockSize
		blk, raw := c.coef[i:i+blockSize:i+blockSize], c.raw[i:i+blockSize:i+blockSize]
		origE.roundBlock(tmp[:], raw, quantIndexLuminance)
		dRound := blockDist(blk, raw, q)
		mx.budget += blockDist(tmp[:], raw, orig) - dRound
		copy(tr[:], blk)
		st.trellisAC(tr[:], raw, q, &invQ2, &acLen, e.lambda)
		saved := acBits(blk, &acLen) - acBits(tr[:], &acLen)
		if saved <= 0 {
			continue
		}
		mx.cands = append(mx.cands, mixCand{bi, int64(saved), blockDist(tr[:], raw, q) - dRound})
		mx.trellis = append(mx.trellis, tr[:]...)
		mx.round = append(mx.round, blk...)
	}
	// Sort by bits/dist descending (cross-multiplied: dist may be 0), ties
	// in block order, each candidate's blocks going with it.
	idx := make([]int, len(mx.cands))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := mx.cands[idx[a]], mx.cands[idx[b]]
		return x.bits*y.dist > y.bits*x.dist
	})
	cands := make([]mixCand, len(idx))
	trel := make([]int16, len(mx.trellis))
	round := make([]int16, len(mx.round))
	for k, i := range idx {
		cands[k] = mx.cands[i]
		copy(trel[k*blockSize:(k+1)*blockSize], mx.trellis[i*blockSize:(i+1)*blockSize])
		copy(round[k*blockSize:(k+1)*blockSize], mx.round[i*blockSize:(i+1)*blockSize])
	}
	mx.cands, mx.trellis, mx.round = cands, trel, round
	return mx
}

// apply gives the luma blocks of cs their trellis coefficients in order,
// each while the error added stays within frac of the budget.
func (mx *mix) apply(cs []component, frac float64) {
	used, limit := int64(0), int64(frac*float64(mx.budget))
	mx.applied = mx.applied[:0]
	for k, c := range mx.cands {
		if used+c.dist > limit {
			continue
		}
		used += c.dist
		i := c.bi * blockSize
		copy(cs[0].coef[i:i+blockSize], mx.trellis[k*blockSize:(k+1)*blockSize])
		mx.applied = append(mx.applied, k)
	}
}

// undo gives the applied blocks back their rounded coefficients.
func (mx *mix) undo(cs []component) {
	for _, k := range mx.applied {
		i := mx.cands[k].bi * blockSize
		copy(cs[0].coef[i:i+blockSize], mx.round[k*blockSize:(k+1)*blockSize])
	}
	mx.applied = mx.applied[:0]
}

// roundBlock quantises the raw coefficients raw (zig-zag) with table t into
// dst, rounding each to the nearest step, as transform does.
func (e *encoder) roundBlock(dst, raw []int16, t quantIndex) {
	dst, raw = dst[:blockSize], raw[:blockSize]
	for zig := range blockSize {
		dst[zig] = int16(divRecip(int32(raw[zig]), 8*int32(e.quant[t][zig]), e.recip[t][zig]))
	}
}
