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
// package's zig-zag block layout and int16 coefficients; the DC path is
// searched along the order the blocks are coded in (the interleaved MCU
// order), not along each block row; costs in float64 with every product
// rounded on its own (no fused multiply-add), so the output is the same on
// every platform. Of mozjpeg's settings one set is kept: DC trellis on, no
// EOB-run optimisation, no delta-DC weight, one loop, each coefficient's
// distortion weighted by 1/q^2 (mozjpeg's mode 1), and a constant lambda
// (mozjpeg's lambda_log_scale2 = 0, lambda_log_scale1 = 10.25) instead of
// cjpeg's default, which lowers lambda in busy blocks (scale1 14.75,
// scale2 16.5): on imgpar's 800 px outputs the constant one saves 5% of the
// bytes at equal PSNR and 3.5% at equal SSIM, cjpeg's default 0.6% and
// 3.3% (docs/benchmarks.md, TestTrellisRD).

package jpegenc

import "math"

const (
	// maxCoefBits bounds a quantised coefficient (libjpeg's MAX_COEF_BITS
	// for 8-bit samples).
	maxCoefBits = 10
	// dcCandidates is how many DC values around the rounded one are tried
	// (mozjpeg's DC_TRELLIS_CANDIDATES).
	dcCandidates = 3
)

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
func (st *trellisState) trellisAC(dst, raw []int16, q *[blockSize]byte, invQ2 *[blockSize]float64, ac *codeLengths) {
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
	lambda := trellisLambda

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

// dcNode is one DC candidate of one block in the DC path search.
type dcNode struct {
	v    int16
	cost float64
	back int8
}

// trellisDC chooses the DC values of a component's blocks, given in the
// order they are coded (each block's DC is coded as the difference from the
// one before): for every block the rounded value and its two neighbours
// are tried, and the path of least rate + lambda * distortion is kept.
func trellisDC(blocks [][]int16, raws [][]int16, q int, dc *codeLengths, nodes []dcNode) {
	n := len(blocks)
	if n == 0 {
		return
	}
	nodes = nodes[:n*dcCandidates]
	qs := 8 * q
	lambdaDC := float64(trellisLambda / float64(q*q))
	for b := range n {
		r := int(raws[b][0])
		x := r
		if x < 0 {
			x = -x
		}
		qval := (x + qs/2) / qs
		for k := range dcCandidates {
			c := qval - dcCandidates/2 + k
			c = max(min(c, 1<<maxCoefBits-1), -(1<<maxCoefBits - 1))
			d := c*qs - x
			dist := float64(float64(d*d) * lambdaDC)
			if r < 0 {
				c = -c
			}
			node := &nodes[b*dcCandidates+k]
			node.v = int16(c)
			if b == 0 {
				bits := bitsLen(abs(c))
				node.cost = float64(bits+int(dc[bits])) + dist
				node.back = -1
				continue
			}
			for l := range dcCandidates {
				prev := &nodes[(b-1)*dcCandidates+l]
				bits := bitsLen(abs(c - int(prev.v)))
				cost := float64(bits+int(dc[bits])) + dist + prev.cost
				if l == 0 || cost < node.cost {
					node.cost = cost
					node.back = int8(l)
				}
			}
		}
	}
	j := 0
	for k := 1; k < dcCandidates; k++ {
		if nodes[(n-1)*dcCandidates+k].cost < nodes[(n-1)*dcCandidates+j].cost {
			j = k
		}
	}
	for b := n - 1; b >= 0; b-- {
		node := &nodes[b*dcCandidates+j]
		blocks[b][0] = node.v
		j = int(node.back)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// trellis re-quantises every block of cs from its raw coefficients with
// the code lengths of the tables specs (indexed as huffIndex), as mozjpeg
// does after its first pass.
func (e *encoder) trellis(cs []component, specs *[nHuffIndex]huffmanSpec) {
	var invQ2 [nQuantIndex][blockSize]float64
	for t := range invQ2 {
		for i := range blockSize {
			qq := float64(e.quant[t][i])
			invQ2[t][i] = 1 / float64(qq*qq)
		}
	}
	var st trellisState
	var nodes []dcNode
	for ci := range cs {
		c := &cs[ci]
		dcLen := lengthsOf(specs[2*int(c.q)])
		acLen := lengthsOf(specs[2*int(c.q)+1])
		// The blocks in the order their DC is coded.
		order := codingOrder(cs, ci)
		blocks := make([][]int16, len(order))
		raws := make([][]int16, len(order))
		for k, bi := range order {
			i := bi * blockSize
			blocks[k] = c.coef[i : i+blockSize : i+blockSize]
			raws[k] = c.raw[i : i+blockSize : i+blockSize]
			st.trellisAC(blocks[k], raws[k], &e.quant[c.q], &invQ2[c.q], &acLen)
		}
		if cap(nodes) < len(order)*dcCandidates {
			nodes = make([]dcNode, len(order)*dcCandidates)
		}
		trellisDC(blocks, raws, int(e.quant[c.q][0]), &dcLen, nodes)
	}
	e.fixDummyBlocks(cs)
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

// fixDummyBlocks sets the DC of every luminance block outside the picture
// to the DC of the block before it in its MCU, as transform does.
func (e *encoder) fixDummyBlocks(cs []component) {
	if len(cs) == 1 || !e.dummyBlocks {
		return
	}
	c := &cs[0]
	for my := range cs[1].bh {
		for mx := range cs[1].bw {
			for i := 1; i < 4; i++ {
				bx, by := 2*mx+(i&1), 2*my+(i>>1)
				if bx >= c.cw || by >= c.ch {
					prev := c.block(2*mx+((i-1)&1), 2*my+((i-1)>>1))
					c.block(bx, by)[0] = prev[0]
				}
			}
		}
	}
}
