package icc

import (
	"fmt"
	"math"
	"sync"
)

// Transform converts 8-bit colours of a profile's colour space (GRAY, RGB
// or CMYK) to 8-bit sRGB, with the perceptual intent, as sharp asks lcms
// to (vips_icc_transform with VIPS_INTENT_PERCEPTUAL and lcms' built-in v4
// sRGB profile as the destination). It is immutable and safe for
// concurrent use.
//
// Like lcms, a transform is table-driven per pixel: grey is one 256-entry
// table; a matrix/TRC RGB profile is three 256-entry linearisation tables,
// one 3x3 matrix and a 16384-entry sRGB encoding table; everything else
// (LUT-based RGB and CMYK profiles) is sampled once into a device-link grid
// of sRGB values (33^3 nodes for RGB, 17^4 for CMYK, lcms' own sizes)
// that each pixel interpolates tetrahedrally (CMYK: linearly along C
// between two tetrahedral results over M, Y, K, as lcms does).
type Transform struct {
	in       int // input channels: 1, 3 or 4
	identity bool

	gray *[256]uint8 // grey profiles

	// matrix/TRC RGB profiles
	lin *[3][256]float32
	m   [9]float32
	o   [3]float32
	enc *[encSize]uint8

	// grid path
	grid []uint16       // nodes * 3, encoded sRGB 0..65535
	off  [4]*[256]int32 // grid offset of the cell holding each 8-bit value, per input
	step [4]int32       // grid offset of one node along each input
	frac *[256]int32    // position of each 8-bit value within its cell, in 255ths
	name string
}

const encSize = 1 << 14

// encTable maps linear light in encSize steps to 8-bit sRGB; shared by
// every matrix/TRC transform.
var encTable = sync.OnceValue(func() *[encSize]uint8 {
	t := new([encSize]uint8)
	for i := range t {
		t[i] = to8(srgbEncode(float64(i) / (encSize - 1)))
	}
	return t
})

// Intent is the rendering intent every transform uses: perceptual, sharp's
// choice (for matrix/TRC profiles it is the same as relative
// colorimetric).
const Intent = 0

// perceptualBlack is the black point of the v4 perceptual PCS
// (cmsPERCEPTUAL_BLACK_X/Y/Z).
var perceptualBlack = [3]float64{0.00336, 0.0034731, 0.00287}

// NewTransform builds the transform from p's colour space to sRGB.
// Profiles of other colour spaces (Lab, XYZ, n-colour), device-link,
// abstract and named-colour profiles, and profiles whose tags are missing
// or malformed are refused with an error wrapping ErrUnsupported or
// ErrMalformed.
func NewTransform(p *Profile) (*Transform, error) {
	t, _, err := newTransform(p, true)
	return t, err
}

// newTransform builds the transform, with lcms' black point compensation
// or without it (relative colorimetric, what a viewer that does not
// compensate shows); bpc reports whether compensation changed anything.
func newTransform(p *Profile, compensate bool) (t *Transform, bpc bool, err error) {
	var in int
	switch p.ColorSpace {
	case "GRAY":
		in = 1
	case "RGB":
		in = 3
	case "CMYK":
		in = 4
	default:
		return nil, false, unsupported("%s colour space", p.ColorSpace)
	}
	switch p.Class {
	case "link", "abst", "nmcl":
		return nil, false, unsupported("%q device class", p.Class)
	}
	if p.PCS != "XYZ" && p.PCS != "Lab" {
		return nil, false, unsupported("%q connection space", p.PCS)
	}
	toXYZ, matrixShaper, err := p.deviceToPCS(in)
	if err != nil {
		return nil, false, err
	}
	var bp [3]float64
	if compensate {
		bp = p.blackPoint(in, toXYZ, matrixShaper)
	}
	// lcms forces black point compensation for the perceptual intent when
	// the destination is a v4 profile, as its built-in sRGB is.
	if bp != [3]float64{} {
		inner := toXYZ
		toXYZ = func(d []float64) [3]float64 {
			v := inner(d)
			for i := range v {
				v[i] = d50[i] * (v[i] - bp[i]) / (d50[i] - bp[i])
			}
			return v
		}
	}
	toSRGB := func(d []float64) [3]float64 {
		lin := xyzD50ToSRGB.mul(toXYZ(d))
		for i := range lin {
			lin[i] = srgbEncode(clamp01(lin[i]))
		}
		return lin
	}
	t = &Transform{in: in, name: p.ColorSpace}
	switch {
	case in == 1:
		t.gray = new([256]uint8)
		for v := range t.gray {
			o := toSRGB([]float64{float64(v) / 255})
			t.gray[v] = to8(o[1])
		}
	case matrixShaper:
		t.buildMatrix(p, bp)
	default:
		t.buildGrid(toSRGB)
	}
	t.identity = t.isIdentity()
	return t, bp != [3]float64{}, nil
}

// deviceToPCS returns the device-to-PCS XYZ function: the A2B0 LUT if the
// profile has one (lcms prefers it to a matrix/TRC), else the grey TRC or
// the RGB matrix/TRC.
func (p *Profile) deviceToPCS(in int) (func([]float64) [3]float64, bool, error) {
	if p.has("A2B0") {
		lp, err := p.readLUT("A2B0", in)
		if err != nil {
			return nil, false, err
		}
		return lp.eval, false, nil
	}
	switch in {
	case 1:
		k, err := p.readCurveTag("kTRC")
		if err != nil {
			return nil, false, err
		}
		if p.PCS == "Lab" {
			return func(d []float64) [3]float64 {
				return labToXYZ(100*clamp01(k.eval(d[0])), 0, 0)
			}, true, nil
		}
		return func(d []float64) [3]float64 {
			y := k.eval(d[0])
			return [3]float64{d50[0] * y, d50[1] * y, d50[2] * y}
		}, true, nil
	case 3:
		trc, m, err := p.matrixTRC()
		if err != nil {
			return nil, false, err
		}
		return func(d []float64) [3]float64 {
			return m.mul([3]float64{trc[0].eval(d[0]), trc[1].eval(d[1]), trc[2].eval(d[2])})
		}, true, nil
	}
	return nil, false, malformed("a %s profile without an A2B0 tag", p.ColorSpace)
}

// matrixTRC reads an RGB matrix/TRC profile's curves and its colorant
// matrix (columns rXYZ, gXYZ, bXYZ).
func (p *Profile) matrixTRC() ([3]curve, mat3, error) {
	var trc [3]curve
	var m mat3
	for i, c := range []string{"r", "g", "b"} {
		cv, err := p.readCurveTag(c + "TRC")
		if err != nil {
			return trc, m, err
		}
		xyz, err := p.readXYZ(c + "XYZ")
		if err != nil {
			return trc, m, err
		}
		trc[i] = cv
		m[i], m[3+i], m[6+i] = xyz[0], xyz[1], xyz[2]
	}
	return trc, m, nil
}

// blackPoint is the source black point lcms' black point compensation
// uses for the perceptual intent (cmsDetectBlackPoint): the fixed v4
// perceptual black for v4 LUT profiles, else the darkest colorant made
// neutral, with L* at most 50.
func (p *Profile) blackPoint(in int, toXYZ func([]float64) [3]float64, matrixShaper bool) [3]float64 {
	if p.Version >= 0x04000000 && !matrixShaper {
		return perceptualBlack
	}
	dark := make([]float64, in)
	if in == 4 {
		for i := range dark {
			dark[i] = 1
		}
	}
	lab := XYZToLab(toXYZ(dark))
	l := math.Min(lab[0], 50)
	if l <= 0 {
		return [3]float64{}
	}
	return labToXYZ(l, 0, 0)
}

// buildMatrix builds the matrix/TRC path, folding black point
// compensation (a scale and offset in XYZ) into the matrix and an offset.
func (t *Transform) buildMatrix(p *Profile, bp [3]float64) {
	trc, m, _ := p.matrixTRC()
	t.lin = new([3][256]float32)
	for c := range trc {
		for v := 0; v < 256; v++ {
			t.lin[c][v] = float32(trc[c].eval(float64(v) / 255))
		}
	}
	var scale mat3
	var shift [3]float64
	for i := range bp {
		scale[4*i] = d50[i] / (d50[i] - bp[i])
		shift[i] = -scale[4*i] * bp[i]
	}
	mm := xyzD50ToSRGB.times(scale).times(m)
	for i := range mm {
		t.m[i] = float32(mm[i])
	}
	for i, v := range xyzD50ToSRGB.mul(shift) {
		t.o[i] = float32(v)
	}
	t.enc = encTable()
}

func (t *Transform) buildGrid(toSRGB func([]float64) [3]float64) {
	n := 33
	if t.in == 4 {
		n = 17
	}
	nodes := 1
	for i := 0; i < t.in; i++ {
		nodes *= n
	}
	t.grid = make([]uint16, nodes*3)
	d := make([]float64, t.in)
	idx := make([]int, t.in)
	for node := 0; node < nodes; node++ {
		r := node
		for i := t.in - 1; i >= 0; i-- {
			idx[i] = r % n
			r /= n
			d[i] = float64(idx[i]) / float64(n-1)
		}
		o := toSRGB(d)
		for k := 0; k < 3; k++ {
			t.grid[3*node+k] = uint16(math.Round(o[k] * 65535))
		}
	}
	stride := 3
	t.frac = new([256]int32)
	for i := t.in - 1; i >= 0; i-- {
		t.off[i] = new([256]int32)
		t.step[i] = int32(stride)
		for v := 0; v < 256; v++ {
			p := v * (n - 1)
			cellIdx := p / 255
			if cellIdx == n-1 {
				cellIdx = n - 2
			}
			t.off[i][v] = int32(cellIdx * stride)
			t.frac[v] = int32(p - cellIdx*255)
		}
		stride *= n
	}
}

func to8(v float64) uint8 {
	return uint8(math.Round(clamp01(v) * 255))
}

// Channels is the number of input channels: 1 (grey), 3 (RGB), 4 (CMYK).
func (t *Transform) Channels() int { return t.in }

// Identity reports whether the transform leaves every colour within
// SRGBTolerance of where it was, on a coarse grid (every 15 levels; grey:
// every level): the profile is sRGB or as good as, and converting would
// only cost time. SRGBEquivalent checks a denser grid.
func (t *Transform) Identity() bool { return t.identity }

func (t *Transform) String() string { return fmt.Sprintf("%s to sRGB", t.name) }

func (t *Transform) isIdentity() bool {
	switch t.in {
	case 4:
		return false
	case 1:
		for v := range t.gray {
			if !near(int(t.gray[v]), v) {
				return false
			}
		}
		return true
	}
	for r := 0; r < 256; r += 15 {
		for g := 0; g < 256; g += 15 {
			for b := 0; b < 256; b += 15 {
				if !t.keeps(r, g, b) {
					return false
				}
			}
		}
	}
	return true
}

// rgb converts one RGB colour.
func (t *Transform) rgb(r, g, b uint8) [3]uint8 {
	if t.lin != nil {
		return t.matrix(r, g, b)
	}
	return t.tetra3(r, g, b)
}

func (t *Transform) matrix(r, g, b uint8) [3]uint8 {
	lr, lg, lb := t.lin[0][r], t.lin[1][g], t.lin[2][b]
	m, o, enc := &t.m, &t.o, t.enc
	return [3]uint8{
		encode(enc, m[0]*lr+m[1]*lg+m[2]*lb+o[0]),
		encode(enc, m[3]*lr+m[4]*lg+m[5]*lb+o[1]),
		encode(enc, m[6]*lr+m[7]*lg+m[8]*lb+o[2]),
	}
}

func encode(enc *[encSize]uint8, x float32) uint8 {
	if !(x > 0) {
		return enc[0]
	}
	if x >= 1 {
		return enc[encSize-1]
	}
	return enc[int32(x*(encSize-1)+0.5)&(encSize-1)]
}

func (t *Transform) tetra3(r, g, b uint8) [3]uint8 {
	var s [3]int32
	t.tetraSum(t.off[0][r]+t.off[1][g]+t.off[2][b], t.frac[r], t.frac[g], t.frac[b], t.step[0], t.step[1], t.step[2], &s)
	const d = 255 * 257
	return [3]uint8{uint8((s[0] + d/2) / d), uint8((s[1] + d/2) / d), uint8((s[2] + d/2) / d)}
}

// tetraSum interpolates the three outputs at grid offset base over three
// axes with grid steps sx, sy, sz and fractions fx, fy, fz (0..255, in
// 255ths), returning sums in units of 1/255 of a 16-bit value.
func (t *Transform) tetraSum(base, fx, fy, fz, sx, sy, sz int32, sum *[3]int32) {
	// The tetrahedron is bounded by the path from the cell's origin to
	// its far corner taking the axes by falling fraction.
	f1, f2, f3 := fx, fy, fz
	s1, s2, s3 := sx, sy, sz
	if f1 < f2 {
		f1, f2, s1, s2 = f2, f1, s2, s1
	}
	if f2 < f3 {
		f2, f3, s2, s3 = f3, f2, s3, s2
	}
	if f1 < f2 {
		f1, f2, s1, s2 = f2, f1, s2, s1
	}
	n1 := s1
	n2 := n1 + s2
	n3 := n2 + s3
	w0, w1, w2, w3 := 255-f1, f1-f2, f2-f3, f3
	g := t.grid[base : base+n3+3]
	_ = g[n1+2]
	_ = g[n2+2]
	sum[0] = int32(g[0])*w0 + int32(g[n1])*w1 + int32(g[n2])*w2 + int32(g[n3])*w3
	sum[1] = int32(g[1])*w0 + int32(g[n1+1])*w1 + int32(g[n2+1])*w2 + int32(g[n3+1])*w3
	sum[2] = int32(g[2])*w0 + int32(g[n1+2])*w1 + int32(g[n2+2])*w2 + int32(g[n3+2])*w3
}

// cmyk converts one CMYK colour (0 = no ink): tetrahedral over M, Y, K at
// the two grid planes around C, then linear along C, as lcms' 4-input
// interpolation does.
func (t *Transform) cmyk(c, m, y, k uint8) [3]uint8 {
	b0 := t.off[0][c] + t.off[1][m] + t.off[2][y] + t.off[3][k]
	fm, fy, fk := t.frac[m], t.frac[y], t.frac[k]
	sm, sy, sk := t.step[1], t.step[2], t.step[3]
	var lo, hi [3]int32
	t.tetraSum(b0, fm, fy, fk, sm, sy, sk, &lo)
	fc := int64(t.frac[c])
	if fc == 0 {
		const d = 255 * 257
		return [3]uint8{uint8((lo[0] + d/2) / d), uint8((lo[1] + d/2) / d), uint8((lo[2] + d/2) / d)}
	}
	t.tetraSum(b0+t.step[0], fm, fy, fk, sm, sy, sk, &hi)
	const d = 255 * 255 * 257
	var out [3]uint8
	for i := range out {
		out[i] = uint8((int64(lo[i])*(255-fc) + int64(hi[i])*fc + d/2) / d)
	}
	return out
}

// Gray converts one grey level (a grey transform only).
func (t *Transform) Gray(v uint8) uint8 { return t.gray[v] }

// RGB converts one RGB colour (an RGB transform only).
func (t *Transform) RGB(r, g, b uint8) (uint8, uint8, uint8) {
	o := t.rgb(r, g, b)
	return o[0], o[1], o[2]
}

// CMYK converts one CMYK colour, 0 meaning no ink (a CMYK transform only).
func (t *Transform) CMYK(c, m, y, k uint8) (uint8, uint8, uint8) {
	o := t.cmyk(c, m, y, k)
	return o[0], o[1], o[2]
}
