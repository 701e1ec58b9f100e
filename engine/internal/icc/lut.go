package icc

import "fmt"

// This file reads the LUT-based device-to-PCS tags (lut8 'mft1', lut16
// 'mft2', lutAtoB 'mAB ') into a lutPipe that evaluates in floating point.

// clut is a colour lookup table: grid[i] points along input i (input 0
// varies slowest, as ICC stores it), nOut outputs per node, values in 0..1.
type clut struct {
	grid   []int
	nOut   int
	stride []int // stride[i] in nodes (not values)
	v      []float64
}

func newCLUT(grid []int, nOut int, raw func(i int) float64) (*clut, error) {
	c := &clut{grid: grid, nOut: nOut, stride: make([]int, len(grid))}
	nodes := 1
	for i := len(grid) - 1; i >= 0; i-- {
		if grid[i] < 2 {
			return nil, malformed("CLUT with %d grid points on input %d", grid[i], i)
		}
		c.stride[i] = nodes
		nodes *= grid[i]
		if nodes > 1<<24 {
			return nil, unsupported("CLUT too large")
		}
	}
	c.v = make([]float64, nodes*nOut)
	for i := range c.v {
		c.v[i] = raw(i)
	}
	return c, nil
}

// eval interpolates at in (each 0..1) into out, as lcms does: tetrahedral
// for three inputs, linear along the first input over (n-1)-input results
// for more, linear or bilinear for one or two.
func (c *clut) eval(in []float64, out []float64) {
	c.evalAt(0, 0, in, out)
}

func (c *clut) evalAt(dim, base int, in []float64, out []float64) {
	rest := len(c.grid) - dim
	switch rest {
	case 3:
		c.tetra(dim, base, in, out)
		return
	case 0:
		copy(out, c.v[base*c.nOut:base*c.nOut+c.nOut])
		return
	}
	i0, f := cell(in[dim], c.grid[dim])
	b0 := base + i0*c.stride[dim]
	c.evalAt(dim+1, b0, in, out)
	if f == 0 {
		return
	}
	var tmp [16]float64
	hi := tmp[:c.nOut]
	c.evalAt(dim+1, b0+c.stride[dim], in, hi)
	for k := range out {
		out[k] += (hi[k] - out[k]) * f
	}
}

// cell splits x in 0..1 into a grid cell index and the fraction within it.
func cell(x float64, n int) (int, float64) {
	if x <= 0 {
		return 0, 0
	}
	if x >= 1 {
		return n - 2, 1
	}
	p := x * float64(n-1)
	i := int(p)
	if i >= n-1 {
		i = n - 2
	}
	return i, p - float64(i)
}

// tetra is tetrahedral interpolation over inputs dim..dim+2.
func (c *clut) tetra(dim, base int, in []float64, out []float64) {
	x0, rx := cell(in[dim], c.grid[dim])
	y0, ry := cell(in[dim+1], c.grid[dim+1])
	z0, rz := cell(in[dim+2], c.grid[dim+2])
	sx, sy, sz := c.stride[dim], c.stride[dim+1], c.stride[dim+2]
	n := c.nOut
	b := base + x0*sx + y0*sy + z0*sz
	at := func(node, k int) float64 { return c.v[node*n+k] }
	c000 := b
	c111 := b + sx + sy + sz
	for k := 0; k < n; k++ {
		v0 := at(c000, k)
		var d1, d2, d3 float64
		switch {
		case rx >= ry && ry >= rz:
			d1 = at(b+sx, k) - v0
			d2 = at(b+sx+sy, k) - at(b+sx, k)
			d3 = at(c111, k) - at(b+sx+sy, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		case rx >= rz && rz >= ry:
			d1 = at(b+sx, k) - v0
			d3 = at(b+sx+sz, k) - at(b+sx, k)
			d2 = at(c111, k) - at(b+sx+sz, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		case rz >= rx && rx >= ry:
			d3 = at(b+sz, k) - v0
			d1 = at(b+sx+sz, k) - at(b+sz, k)
			d2 = at(c111, k) - at(b+sx+sz, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		case ry >= rx && rx >= rz:
			d2 = at(b+sy, k) - v0
			d1 = at(b+sx+sy, k) - at(b+sy, k)
			d3 = at(c111, k) - at(b+sx+sy, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		case ry >= rz && rz >= rx:
			d2 = at(b+sy, k) - v0
			d3 = at(b+sy+sz, k) - at(b+sy, k)
			d1 = at(c111, k) - at(b+sy+sz, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		default: // rz >= ry >= rx
			d3 = at(b+sz, k) - v0
			d2 = at(b+sy+sz, k) - at(b+sz, k)
			d1 = at(c111, k) - at(b+sy+sz, k)
			out[k] = v0 + d1*rx + d2*ry + d3*rz
		}
	}
}

// pcsEncoding says how a LUT's 0..1 outputs encode the PCS.
type pcsEncoding int

const (
	encXYZ   pcsEncoding = iota // 1.0 = 0x8000 of 0xFFFF (all versions)
	encLabV2                    // lut16: L 0xFF00 = 100, a/b = raw/256 - 128
	encLabV4                    // mAB and lut8: L 1.0 = 100, a/b = v*255 - 128
)

// lutPipe is a device-to-PCS pipeline of a LUT-based tag: A curves (input
// tables), CLUT, M curves, matrix, B curves (output tables); absent stages
// are nil.
type lutPipe struct {
	nIn    int
	a      []curve
	clut   *clut
	m      []curve
	matrix *[12]float64
	b      []curve
	enc    pcsEncoding
}

// readLUT reads a device-to-PCS LUT tag with nIn inputs and 3 outputs.
func (p *Profile) readLUT(s string, nIn int) (*lutPipe, error) {
	t := p.tags[s]
	var lp *lutPipe
	var err error
	switch string(t[:4]) {
	case "mft1":
		lp, err = readLutN(t, 1)
	case "mft2":
		lp, err = readLutN(t, 2)
	case "mAB ":
		lp, err = readMAB(t)
	default:
		return nil, unsupported("tag %q has type %q", s, t[:4])
	}
	if err != nil {
		return nil, fmt.Errorf("tag %q: %w", s, err)
	}
	if lp.nIn != nIn {
		return nil, malformed("tag %q has %d inputs for a %s profile", s, lp.nIn, p.ColorSpace)
	}
	switch {
	case p.PCS == "XYZ":
		lp.enc = encXYZ
	case string(t[:4]) == "mft2":
		lp.enc = encLabV2
	default:
		lp.enc = encLabV4
	}
	return lp, nil
}

// readLutN reads lut8 (width 1) and lut16 (width 2). The matrix is used
// only when the input is XYZ, never for device input, so it is skipped.
func readLutN(t []byte, width int) (*lutPipe, error) {
	if len(t) < 52 {
		return nil, malformed("LUT header truncated")
	}
	nIn, nOut, g := int(t[8]), int(t[9]), int(t[10])
	if nIn < 1 || nIn > 8 || nOut != 3 {
		return nil, unsupported("LUT with %d inputs and %d outputs", nIn, nOut)
	}
	inEntries, outEntries, off := 256, 256, 48
	if width == 2 {
		inEntries, outEntries, off = int(be16(t[48:])), int(be16(t[50:])), 52
		if inEntries < 2 || outEntries < 2 || inEntries > 4096 || outEntries > 4096 {
			return nil, malformed("LUT tables of %d and %d entries", inEntries, outEntries)
		}
	}
	grid := make([]int, nIn)
	nodes := int64(1)
	for i := range grid {
		grid[i] = g
		nodes *= int64(g)
	}
	need := int64(off) + int64(width)*(int64(nIn*inEntries)+nodes*int64(nOut)+int64(nOut*outEntries))
	if g < 2 || need > int64(len(t)) {
		return nil, malformed("LUT of %d grid points does not fit its %d bytes", g, len(t))
	}
	val := func(i int) float64 {
		if width == 1 {
			return float64(t[i]) / 255
		}
		return float64(be16(t[i:])) / 65535
	}
	tables := func(n, entries int) []curve {
		cs := make([]curve, n)
		for c := range cs {
			tc := make(tableCurve, entries)
			for i := range tc {
				tc[i] = val(off)
				off += width
			}
			cs[c] = tc
		}
		return cs
	}
	lp := &lutPipe{nIn: nIn}
	lp.a = tables(nIn, inEntries)
	start := off
	cl, err := newCLUT(grid, nOut, func(i int) float64 { return val(start + i*width) })
	if err != nil {
		return nil, err
	}
	lp.clut = cl
	off += int(nodes) * nOut * width
	lp.b = tables(nOut, outEntries)
	return lp, nil
}

// readMAB reads a lutAtoBType.
func readMAB(t []byte) (*lutPipe, error) {
	if len(t) < 32 {
		return nil, malformed("lutAtoB header truncated")
	}
	nIn, nOut := int(t[8]), int(t[9])
	if nIn < 1 || nIn > 8 || nOut != 3 {
		return nil, unsupported("lutAtoB with %d inputs and %d outputs", nIn, nOut)
	}
	offB, offMat, offM, offCLUT, offA := be32(t[12:]), be32(t[16:]), be32(t[20:]), be32(t[24:]), be32(t[28:])
	lp := &lutPipe{nIn: nIn}
	var err error
	if offB == 0 {
		return nil, malformed("lutAtoB without B curves")
	}
	if lp.b, err = readCurves(t, offB, nOut); err != nil {
		return nil, err
	}
	if offM != 0 {
		if lp.m, err = readCurves(t, offM, nOut); err != nil {
			return nil, err
		}
	}
	if offMat != 0 {
		if int64(offMat)+48 > int64(len(t)) {
			return nil, malformed("lutAtoB matrix outside the tag")
		}
		var m [12]float64
		for i := range m {
			m[i] = s15f16(t[int(offMat)+4*i:])
		}
		lp.matrix = &m
	}
	if offA != 0 {
		if lp.a, err = readCurves(t, offA, nIn); err != nil {
			return nil, err
		}
	}
	if offCLUT != 0 {
		o := int64(offCLUT)
		if o+20 > int64(len(t)) {
			return nil, malformed("lutAtoB CLUT outside the tag")
		}
		grid := make([]int, nIn)
		nodes := int64(1)
		for i := range grid {
			grid[i] = int(t[o+int64(i)])
			nodes *= int64(grid[i])
		}
		prec := int64(t[o+16])
		if prec != 1 && prec != 2 {
			return nil, malformed("lutAtoB CLUT precision %d", prec)
		}
		data := o + 20
		if data+nodes*int64(nOut)*prec > int64(len(t)) {
			return nil, malformed("lutAtoB CLUT does not fit the tag")
		}
		cl, err := newCLUT(grid, nOut, func(i int) float64 {
			if prec == 1 {
				return float64(t[data+int64(i)]) / 255
			}
			return float64(be16(t[data+2*int64(i):])) / 65535
		})
		if err != nil {
			return nil, err
		}
		lp.clut = cl
	} else if nIn != nOut {
		return nil, malformed("lutAtoB with %d inputs and %d outputs has no CLUT", nIn, nOut)
	}
	return lp, nil
}

// eval runs the pipeline on device values in 0..1 and returns PCS XYZ
// (D50, relative).
func (lp *lutPipe) eval(in []float64) [3]float64 {
	var buf [8]float64
	x := buf[:lp.nIn]
	for i := range x {
		x[i] = clamp01(in[i])
		if lp.a != nil {
			x[i] = clamp01(lp.a[i].eval(x[i]))
		}
	}
	var v [3]float64
	if lp.clut != nil {
		lp.clut.eval(x, v[:])
	} else {
		copy(v[:], x)
	}
	if lp.m != nil {
		for i := range v {
			v[i] = clamp01(lp.m[i].eval(clamp01(v[i])))
		}
	}
	if m := lp.matrix; m != nil {
		r := [3]float64{
			m[0]*v[0] + m[1]*v[1] + m[2]*v[2] + m[9],
			m[3]*v[0] + m[4]*v[1] + m[5]*v[2] + m[10],
			m[6]*v[0] + m[7]*v[1] + m[8]*v[2] + m[11],
		}
		v = r
	}
	for i := range v {
		v[i] = clamp01(v[i])
		if lp.b != nil {
			v[i] = clamp01(lp.b[i].eval(v[i]))
		}
	}
	return decodePCS(v, lp.enc)
}

// decodePCS turns normalised PCS values into XYZ (D50).
func decodePCS(v [3]float64, enc pcsEncoding) [3]float64 {
	switch enc {
	case encXYZ:
		const k = 65535.0 / 32768.0
		return [3]float64{v[0] * k, v[1] * k, v[2] * k}
	case encLabV2:
		return labToXYZ(v[0]*65535/652.80, v[1]*65535/256-128, v[2]*65535/256-128)
	default:
		return labToXYZ(v[0]*100, v[1]*255-128, v[2]*255-128)
	}
}

func clamp01(x float64) float64 {
	if x < 0 || x != x {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
