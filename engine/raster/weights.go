package raster

import "math"

// Fixed-point format of filter weights: a weight of 1.0 is wOne.
const (
	wBits  = 14
	wOne   = 1 << wBits
	wRound = 1 << (wBits - 1)
)

// axisMap places the centres of dstN output samples on a source axis of srcN
// samples: output sample v is centred at source coordinate (v+0.5)*du - 0.5 + off,
// where source sample i is centred at i. du > 1 shrinks, du < 1 enlarges; off is 0
// for a plain resize (the form imaging and Pillow use) and shifts chroma planes.
type axisMap struct {
	srcN, dstN int
	du, off    float64
}

// centre returns the source coordinate of output sample v.
func (m axisMap) centre(v int) float64 {
	return (float64(v)+0.5)*m.du - 0.5 + m.off
}

// newAxis maps dstN outputs evenly over a source extent of ext source pixels
// (ext may be fractional: a JPEG decoded at 1/8 scale covers width/8 pixels of
// which the last is partial) of which srcN are stored.
func newAxis(srcN int, ext float64, dstN int) axisMap {
	return axisMap{srcN: srcN, dstN: dstN, du: ext / float64(dstN)}
}

// shrunk returns the map for the same outputs over the source box-shrunk by k
// (sample j of the shrunk axis averages source samples [k*j, k*j+k), centred at
// k*j + (k-1)/2).
func (m axisMap) shrunk(k int) axisMap {
	if k <= 1 {
		return m
	}
	fk := float64(k)
	return axisMap{srcN: (m.srcN + k - 1) / k, dstN: m.dstN, du: m.du / fk, off: m.off / fk}
}

// identity reports whether the map copies the source unchanged.
func (m axisMap) identity() bool {
	return m.srcN == m.dstN && m.du == 1 && m.off == 0
}

// weights is a precomputed separable filter for one axis: output v is
// sum_k src[start[v]+k] * w[v*n+k] / wOne. Every output has the same number of
// taps n (padded with zeros) and its window lies inside [0, srcN).
type weights struct {
	n     int
	start []int32
	w     []int16

	// The same weights with rows padded to nPad (a multiple of 8) for the AVX2
	// kernel, which reads nPad source samples from each start: the source row
	// must have that many readable bytes past its last start (maxEnd).
	nPad   int
	wPad   []int16
	maxEnd int

	// wPad4 interleaves the padded weights of each group of four outputs, 8 taps
	// at a time: for group g and taps 8c..8c+7, the 8 weights of output 4g, then
	// 4g+1, 4g+2 and 4g+3 (the layout of the four-at-a-time kernel).
	wPad4 []int16
}

// pad fills nPad, wPad and maxEnd.
func (ws *weights) pad() {
	ws.nPad = (ws.n + 7) &^ 7
	ws.wPad = make([]int16, len(ws.start)*ws.nPad)
	for v, s := range ws.start {
		copy(ws.wPad[v*ws.nPad:], ws.w[v*ws.n:(v+1)*ws.n])
		ws.maxEnd = max(ws.maxEnd, int(s)+ws.nPad)
	}
	groups, chunks := len(ws.start)/4, ws.nPad/8
	ws.wPad4 = make([]int16, groups*4*ws.nPad)
	for g := 0; g < groups; g++ {
		for c := 0; c < chunks; c++ {
			for j := 0; j < 4; j++ {
				v := 4*g + j
				copy(ws.wPad4[((g*chunks+c)*4+j)*8:][:8], ws.wPad[v*ws.nPad+8*c:][:8])
			}
		}
	}
}

// preShrink returns the integer box-shrink factor to apply before filtering an
// axis that shrinks by du. With the vector kernels a filter of up to 64 taps
// costs little, so the box only steps in beyond that, to keep the window within
// the kernels' table. Without them each tap is dear, and the box takes over from
// 4x: the largest k leaving at least a 2x reduction for the filter (libvips'
// shrink+reduce with gap 2, Pillow's reducing_gap). Nearest and Box never
// pre-shrink: a box of boxes is not a box.
func preShrink(du float64, f Filter) int {
	if f == Nearest || f == Box {
		return 1
	}
	if wideFilters {
		limit := (maxVectorTaps/2 - 1) / f.support() // 2*support*du + 1 taps at most
		if du <= limit {
			return 1
		}
		return min(int(math.Ceil(du/limit)), maxPreShrink)
	}
	if du < 2*preShrinkGap {
		return 1
	}
	return min(int(du/preShrinkGap), maxPreShrink)
}

// wideFilters selects the pre-shrink policy for the vector kernels; it is fixed at
// start-up (tests switch the kernels off without changing the plan).
var wideFilters = haveAVX2

// maxVectorTaps is the most taps vpass hands to the vector kernel.
const maxVectorTaps = 64

// preShrinkGap is the reduction left to the filter after a pre-shrink, at least.
const preShrinkGap = 2.0

// maxPreShrink bounds the box factor per axis so box sums fit in 32 bits.
const maxPreShrink = 256

// makeWeights computes fixed-point weights for m with filter f. The weights of
// every output sum exactly to wOne.
func makeWeights(m axisMap, f Filter) *weights {
	if m.srcN <= 0 || m.dstN <= 0 {
		return &weights{n: 1, start: make([]int32, max(m.dstN, 0)), w: make([]int16, max(m.dstN, 0))}
	}
	if f == Nearest {
		ws := &weights{n: 1, start: make([]int32, m.dstN), w: make([]int16, m.dstN)}
		for v := range ws.start {
			// The same expression as imaging's nearest neighbour, so ties agree.
			i := int(math.Floor((float64(v)+0.5)*m.du + m.off))
			ws.start[v] = int32(clampInt(i, 0, m.srcN-1))
			ws.w[v] = wOne
		}
		return ws
	}
	scale := math.Max(m.du, 1)
	ru := f.support() * scale

	type span struct{ begin, end int }
	spans := make([]span, m.dstN)
	fw := make([]float64, 0, int(2*ru)+3)
	n := 1
	// First pass: find each output's non-zero window to size the table.
	for v := range spans {
		fu := m.centre(v)
		b, e := window(fu, ru, scale, m.srcN, f)
		spans[v] = span{b, e}
		n = max(n, e-b+1)
	}
	n = min(n, m.srcN)
	ws := &weights{n: n, start: make([]int32, m.dstN), w: make([]int16, m.dstN*n)}
	for v, sp := range spans {
		fu := m.centre(v)
		fw = fw[:0]
		var sum float64
		for u := sp.begin; u <= sp.end; u++ {
			k := f.kernel((float64(u) - fu) / scale)
			fw = append(fw, k)
			sum += k
		}
		start := sp.begin
		if start+n > m.srcN {
			start = m.srcN - n
		}
		ws.start[v] = int32(start)
		row := ws.w[v*n : v*n+n]
		off := sp.begin - start
		if sum == 0 {
			// Degenerate window (e.g. far outside the source): nearest sample.
			i := clampInt(int(math.Floor(fu+0.5)), 0, m.srcN-1)
			row[clampInt(i-start, 0, n-1)] = wOne
			continue
		}
		var isum, big int
		for k, x := range fw {
			q := int(math.Round(x / sum * wOne))
			row[off+k] = int16(q)
			isum += q
			if abs(q) > abs(int(row[off+big])) {
				big = k
			}
		}
		row[off+big] += int16(wOne - isum) // make flat areas exact
	}
	return ws
}

// window returns the first and last source sample with a non-zero weight for an
// output centred at fu, clamped to [0, srcN).
func window(fu, ru, scale float64, srcN int, f Filter) (int, int) {
	b := int(math.Ceil(fu - ru))
	e := int(math.Floor(fu + ru))
	b = max(b, 0)
	e = min(e, srcN-1)
	for b < e && f.kernel((float64(b)-fu)/scale) == 0 {
		b++
	}
	for e > b && f.kernel((float64(e)-fu)/scale) == 0 {
		e--
	}
	if b > e {
		i := clampInt(int(math.Floor(fu+0.5)), 0, srcN-1)
		return i, i
	}
	return b, e
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
