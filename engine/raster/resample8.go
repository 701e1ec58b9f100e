package raster

import "unsafe"

// 8-bit resampling core: box pre-shrink, horizontal pass, vertical pass over
// rows of ch interleaved 8-bit channels (1 for a plane, 4 for RGBA).

// rows8 yields the rows of an 8-bit source of w pixels by h rows with ch channels.
type rows8 interface {
	// row returns row y (0 <= y < h) as w*ch bytes, either a slice of the
	// source itself or scratch[:w*ch] filled with the converted row (scratch
	// may be longer).
	row(y int, scratch []uint8) []uint8
}

// plane8 is an 8-bit source stored as rows of bytes.
type plane8 struct {
	pix    []uint8
	off    int // index of the first sample of row 0
	stride int
	n      int // bytes per row (w*ch)
}

func (p plane8) row(y int, _ []uint8) []uint8 {
	i := p.off + y*p.stride
	return p.pix[i : i+p.n : i+p.n]
}

// dst8 is the destination of a resample: dstN rows of w*ch bytes.
type dst8 struct {
	pix    []uint8
	stride int
}

// plan is a two-pass resampling of one source geometry: box pre-shrink factors,
// the axis maps after the pre-shrink and their weights.
type plan struct {
	kx, ky int
	mx, my axisMap
	wx, wy *weights
	lo, hi int // rows of the pre-shrunk source read by the vertical pass
}

func newPlan(mx, my axisMap, f Filter) *plan {
	p := &plan{kx: preShrink(mx.du, f), ky: preShrink(my.du, f)}
	p.mx, p.my = mx.shrunk(p.kx), my.shrunk(p.ky)
	p.wx, p.wy = makeWeights(p.mx, f), makeWeights(p.my, f)
	if haveAVX2 && p.wx.n > 1 {
		p.wx.pad()
	}
	p.lo, p.hi = int(p.wy.start[0]), int(p.wy.start[0])+p.wy.n
	for _, s := range p.wy.start {
		p.lo = min(p.lo, int(s))
		p.hi = max(p.hi, int(s)+p.wy.n)
	}
	return p
}

// resample8 resamples src (sw x sh pixels, ch channels) into dst following p.
//
// Both orders stream: rows pass through a ring of as many rows as the vertical
// filter has taps, and no intermediate image is made.
//
// Vertical first (the usual choice) combines the source rows under the filter
// (read in place, or converted/box-shrunk into the ring) into one full-width row
// per output row, which the horizontal pass then filters into the destination:
// most of the arithmetic is in the simple contiguous row loop (vpass).
//
// Horizontal first filters each source row into the ring at the output width,
// and the vertical pass combines ring rows straight into the destination. It is
// taken when it does less work (shrinking across much more than down), or when
// the vertical filter's window of full-width source rows would not stay in cache.
func resample8(dst dst8, src rows8, sw, sh, ch int, p *plan) {
	mx, my, wx, wy := p.mx, p.my, p.wx, p.wy
	rowLen := mx.srcN * ch // bytes per (pre-shrunk) source row
	dw := mx.dstN * ch
	hIdentity := mx.identity()
	vIdentity := my.identity()
	hFirst := !hIdentity && !vIdentity && horizontalFirst(p, ch)
	var hf *weights
	if hFirst {
		hf = wx
	}
	cache := newRowCache(src, sw, sh, ch, p.kx, p.ky, wy.n, hf, dw)
	defer cache.release()

	var accP *[]int32
	if !vIdentity {
		accP = getBuf32(max(rowLen, dw))
		defer putBuf32(accP)
	}
	rows := make([][]uint8, wy.n)
	gather := func(y int) []int16 {
		s := int(wy.start[y])
		ww := wy.w[y*wy.n : (y+1)*wy.n]
		for k := range rows {
			if ww[k] != 0 {
				rows[k] = cache.get(s + k)
			} else {
				rows[k] = nil
			}
		}
		return ww
	}

	if hFirst {
		for y := 0; y < my.dstN; y++ {
			vpass(dst.pix[y*dst.stride:y*dst.stride+dw], rows, gather(y), *accP)
		}
		return
	}

	// The vertical pass writes into tmp, whose slack past rowLen lets the AVX2
	// horizontal kernel read its padded windows.
	tmpP := getBuf8(max(rowLen, wx.maxEnd*ch) + 16)
	defer putBuf8(tmpP)
	tmp := (*tmpP)[:rowLen]
	for y := 0; y < my.dstN; y++ {
		var row []uint8
		if vIdentity {
			row = cache.get(y)
			if wx.wPad != nil && cap(row) < wx.maxEnd*ch {
				row = tmp[:copy(tmp, row)]
			}
		} else {
			row = tmp
			vpass(row, rows, gather(y), *accP)
		}
		out := dst.pix[y*dst.stride : y*dst.stride+dw]
		switch {
		case hIdentity:
			copy(out, row)
		case ch == 1:
			hpass1(out, row, wx)
		default:
			hpass4(out, row, wx)
		}
	}
}

// horizontalFirst decides the order of the passes for p: the one with fewer
// multiply-adds, counting vertical-first double when its window of source rows
// (taps x row bytes) is too big to stay in the L2 cache while the output rows
// walk down it.
func horizontalFirst(p *plan, ch int) bool {
	if passOrder != 0 {
		return passOrder == 2
	}
	srcW, srcRows := int64(p.mx.srcN*ch), int64(p.hi-p.lo)
	dstW, dstH := int64(p.mx.dstN*ch), int64(p.my.dstN)
	nx, ny := int64(p.wx.n), int64(p.wy.n)
	vFirst := dstH*srcW*ny + dstH*dstW*nx
	hFirst := srcRows*dstW*nx + dstH*dstW*ny
	if ny*srcW > 256<<10 {
		vFirst *= 2
	}
	return hFirst < vFirst
}

// passOrder overrides horizontalFirst in tests: 1 vertical first, 2 horizontal first.
var passOrder = 0

// rowCache hands out rows by index, computing each row once while it is inside
// the vertical filter's window: rows of the pre-shrunk source, or with hf set,
// those rows filtered horizontally by hf. Rows of a plane that needs neither
// conversion, shrinking nor filtering are returned in place.
type rowCache struct {
	src        rows8
	direct     bool
	sw, sh, ch int
	kx, ky     int
	hf         *weights
	slots      [][]uint8
	held       []int
	buf        *[]uint8 // the slots
	scratch    *[]uint8 // a converted source row (for the box)
	pad        *[]uint8 // a source row with slack for the AVX2 horizontal kernel
	acc        *[]int32 // box sums
}

// newRowCache makes a ring of n rows of src (sw x sh, ch channels) box-shrunk by
// kx x ky and, if hf is not nil, filtered horizontally to dw bytes.
func newRowCache(src rows8, sw, sh, ch, kx, ky, n int, hf *weights, dw int) *rowCache {
	c := &rowCache{src: src, sw: sw, sh: sh, ch: ch, kx: kx, ky: ky, hf: hf}
	if _, ok := src.(plane8); ok && kx == 1 && ky == 1 && hf == nil {
		c.direct = true
		return c
	}
	rowLen := (sw + kx - 1) / kx * ch
	slotLen := rowLen
	if hf != nil {
		slotLen = dw
		padLen := rowLen + 16
		if hf.wPad != nil {
			padLen = max(padLen, hf.maxEnd*ch+16)
		}
		c.pad = getBuf8(padLen)
	}
	c.buf = getBuf8(n * slotLen)
	c.slots = make([][]uint8, n)
	c.held = make([]int, n)
	for i := range c.slots {
		c.slots[i] = (*c.buf)[i*slotLen : (i+1)*slotLen : (i+1)*slotLen]
		c.held[i] = -1
	}
	c.scratch = getBuf8(sw * ch)
	if kx > 1 || ky > 1 {
		c.acc = getBuf32(rowLen)
	}
	return c
}

func (c *rowCache) get(r int) []uint8 {
	if c.direct {
		return c.src.row(r, nil)
	}
	i := r % len(c.slots)
	if c.held[i] == r {
		return c.slots[i]
	}
	slot := c.slots[i]
	c.held[i] = r
	shrink := c.kx > 1 || c.ky > 1
	if c.hf == nil {
		if shrink {
			boxRow8(slot, *c.acc, c.src, *c.scratch, c.sw, c.sh, c.ch, r, c.kx, c.ky)
		} else if row := c.src.row(r, slot); &row[0] != &slot[0] {
			copy(slot, row)
		}
		return slot
	}
	var row []uint8
	if shrink {
		row = boxRow8(*c.pad, *c.acc, c.src, *c.scratch, c.sw, c.sh, c.ch, r, c.kx, c.ky)
	} else {
		row = c.src.row(r, *c.pad)
		if c.hf.wPad != nil && cap(row) < c.hf.maxEnd*c.ch {
			row = (*c.pad)[:copy(*c.pad, row)]
		}
	}
	if c.ch == 1 {
		hpass1(slot, row, c.hf)
	} else {
		hpass4(slot, row, c.hf)
	}
	return slot
}

func (c *rowCache) release() {
	if c.buf != nil {
		putBuf8(c.buf)
		putBuf8(c.scratch)
	}
	if c.pad != nil {
		putBuf8(c.pad)
	}
	if c.acc != nil {
		putBuf32(c.acc)
	}
}

// clamp8 converts a fixed-point sum (already rounded and shifted) to a byte.
func clamp8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// hpass1 filters one row of single-channel samples.
func hpass1(dst, src []uint8, ws *weights) {
	dst = dst[:len(ws.start)]
	if len(dst) > 0 && ws.wPad != nil && cap(src) >= ws.maxEnd {
		g := len(dst) / 4
		if g > 0 {
			hpass1x4AVX2(&dst[0], &src[:1][0], &ws.start[0], &ws.wPad4[0], ws.nPad, g)
		}
		if r := g * 4; r < len(dst) {
			hpass1AVX2(&dst[r], &src[:1][0], &ws.start[r], &ws.wPad[r*ws.nPad], ws.nPad, len(dst)-r)
		}
		return
	}
	n := ws.n
	w := ws.w
	switch n {
	case 1:
		for x, s0 := range ws.start {
			dst[x] = clamp8((int32(src[s0])*int32(w[x]) + wRound) >> wBits)
		}
		return
	}
	for x, s0 := range ws.start {
		s := src[s0 : int(s0)+n]
		wx := w[x*n : x*n+n]
		s = s[:len(wx)]
		sum := int32(wRound)
		k := 0
		for ; k+4 <= len(wx); k += 4 {
			ss := s[k : k+4 : k+4]
			ww := wx[k : k+4 : k+4]
			sum += int32(ss[0])*int32(ww[0]) + int32(ss[1])*int32(ww[1]) +
				int32(ss[2])*int32(ww[2]) + int32(ss[3])*int32(ww[3])
		}
		for ; k < len(wx); k++ {
			sum += int32(s[k]) * int32(wx[k])
		}
		dst[x] = clamp8(sum >> wBits)
	}
}

// hpass4 filters one row of 4-channel pixels.
func hpass4(dst, src []uint8, ws *weights) {
	dst = dst[:len(ws.start)*4]
	if len(dst) > 0 && ws.wPad != nil && cap(src) >= ws.maxEnd*4 {
		hpass4AVX2(&dst[0], &src[:1][0], &ws.start[0], &ws.wPad[0], ws.nPad, len(ws.start))
		return
	}
	n := ws.n
	w := ws.w
	for x, s0 := range ws.start {
		s := src[int(s0)*4 : (int(s0)+n)*4]
		wx := w[x*n : x*n+n]
		r, g, b, a := int32(wRound), int32(wRound), int32(wRound), int32(wRound)
		for k, wk := range wx {
			p := s[k*4 : k*4+4 : k*4+4]
			wt := int32(wk)
			r += int32(p[0]) * wt
			g += int32(p[1]) * wt
			b += int32(p[2]) * wt
			a += int32(p[3]) * wt
		}
		d := dst[x*4 : x*4+4 : x*4+4]
		d[0] = clamp8(r >> wBits)
		d[1] = clamp8(g >> wBits)
		d[2] = clamp8(b >> wBits)
		d[3] = clamp8(a >> wBits)
	}
}

// vpass sets dst to the weighted sum of rows (nil where the weight is zero).
func vpass(dst []uint8, rows [][]uint8, w []int16, acc []int32) {
	if haveAVX2 && len(dst) >= 16 {
		var ptrs [maxVectorTaps]unsafe.Pointer
		var pairs [maxVectorTaps / 2]int32
		np := 0
		for k, r := range rows {
			if w[k] == 0 {
				continue
			}
			if np == len(ptrs) || len(rows) > maxVectorTaps {
				np = -1 // too many taps for the kernel's tables
				break
			}
			r = r[:len(dst)]
			ptrs[np] = unsafe.Pointer(&r[0])
			if np%2 == 0 {
				pairs[np/2] = int32(uint16(w[k]))
			} else {
				pairs[np/2] |= int32(w[k]) << 16
			}
			np++
		}
		if np > 0 {
			if np%2 == 1 {
				ptrs[np] = ptrs[np-1] // its weight (the high half) is zero
				np++
			}
			n16 := len(dst) &^ 15
			vpassAVX2(&dst[0], &ptrs[0], &pairs[0], np/2, n16)
			if n16 == len(dst) {
				return
			}
			var tailArr [maxVectorTaps][]uint8
			tail := tailArr[:len(rows)]
			for k, r := range rows {
				if r != nil {
					tail[k] = r[n16:len(dst)]
				}
			}
			vpassGo(dst[n16:], tail, w, acc)
			return
		}
	}
	vpassGo(dst, rows, w, acc)
}

func vpassGo(dst []uint8, rows [][]uint8, w []int16, acc []int32) {
	n := len(dst)
	acc = acc[:n]
	for x := range acc {
		acc[x] = wRound
	}
	// Gather the non-zero taps, then accumulate two rows per sweep.
	var r0 []uint8
	var w0 int32
	pending := false
	for k, r := range rows {
		if w[k] == 0 {
			continue
		}
		if !pending {
			r0, w0, pending = r[:n], int32(w[k]), true
			continue
		}
		r1, w1 := r[:n], int32(w[k])
		r0 = r0[:len(acc)]
		r1 = r1[:len(acc)]
		for x := range acc {
			acc[x] += int32(r0[x])*w0 + int32(r1[x])*w1
		}
		pending = false
	}
	if pending {
		r0 = r0[:len(acc)]
		for x := range acc {
			acc[x] += int32(r0[x]) * w0
		}
	}
	for x := range dst {
		dst[x] = clamp8(acc[x] >> wBits)
	}
}

// boxRow8 returns row r of the source box-shrunk by kx x ky: each output sample is
// the rounded mean of the source samples in its block (fewer at the right and
// bottom edges when the size is not a multiple of k).
func boxRow8(out []uint8, acc []int32, src rows8, scratch []uint8, sw, sh, ch, r, kx, ky int) []uint8 {
	y0 := r * ky
	y1 := min(y0+ky, sh)
	nOut := (sw + kx - 1) / kx
	full := sw / kx // blocks with kx columns
	acc = acc[:nOut*ch]
	clear(acc)
	for y := y0; y < y1; y++ {
		row := src.row(y, scratch)
		if ch == 1 {
			boxSum1(acc, row, kx, full, sw)
		} else {
			boxSum4(acc, row, kx, full, sw)
		}
	}
	rows := y1 - y0
	out = out[:nOut*ch]
	divide := func(a []int32, o []uint8, cnt int) {
		// round(a/cnt) via a 32.32 reciprocal; exact for a < 2^24.
		m := (uint64(1)<<32 + uint64(cnt)/2) / uint64(cnt)
		o = o[:len(a)]
		for i, v := range a {
			o[i] = uint8((uint64(v)*m + 1<<31) >> 32)
		}
	}
	divide(acc[:full*ch], out[:full*ch], kx*rows)
	if full < nOut {
		divide(acc[full*ch:], out[full*ch:], (sw-full*kx)*rows)
	}
	return out
}

func boxSum1(acc []int32, row []uint8, kx, full, sw int) {
	switch kx {
	case 2:
		a := acc[:full]
		row = row[:2*full]
		for j := range a {
			a[j] += int32(row[2*j]) + int32(row[2*j+1])
		}
	case 3:
		a := acc[:full]
		row = row[:3*full]
		for j := range a {
			s := row[3*j : 3*j+3 : 3*j+3]
			a[j] += int32(s[0]) + int32(s[1]) + int32(s[2])
		}
	case 4:
		a := acc[:full]
		row = row[:4*full]
		for j := range a {
			s := row[4*j : 4*j+4 : 4*j+4]
			a[j] += int32(s[0]) + int32(s[1]) + int32(s[2]) + int32(s[3])
		}
	default:
		for j := 0; j < full; j++ {
			var t int32
			for _, v := range row[j*kx : j*kx+kx] {
				t += int32(v)
			}
			acc[j] += t
		}
	}
	if full*kx < sw {
		var t int32
		for _, v := range row[full*kx : sw] {
			t += int32(v)
		}
		acc[full] += t
	}
}

func boxSum4(acc []int32, row []uint8, kx, full, sw int) {
	for j := 0; j < full; j++ {
		var r, g, b, a int32
		s := row[j*kx*4 : (j+1)*kx*4]
		for i := 0; i+4 <= len(s); i += 4 {
			p := s[i : i+4 : i+4]
			r += int32(p[0])
			g += int32(p[1])
			b += int32(p[2])
			a += int32(p[3])
		}
		d := acc[j*4 : j*4+4 : j*4+4]
		d[0] += r
		d[1] += g
		d[2] += b
		d[3] += a
	}
	if full*kx < sw {
		s := row[full*kx*4 : sw*4]
		d := acc[full*4 : full*4+4 : full*4+4]
		for i := 0; i+4 <= len(s); i += 4 {
			d[0] += int32(s[i])
			d[1] += int32(s[i+1])
			d[2] += int32(s[i+2])
			d[3] += int32(s[i+3])
		}
	}
}
