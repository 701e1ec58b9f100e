package icc

import (
	"encoding/binary"
	"math"
)

// Profiles made here for the tag types no installed profile has: v4
// parametric curves of several function types, lutAtoB with every stage,
// lut8. lcms2 is the judge of what they mean (TestAgainstLCMS).

func primariesToD50(xy [4][2]float64) [3][3]float64 {
	var prim mat3
	for c := 0; c < 3; c++ {
		x, y := xy[c][0], xy[c][1]
		prim[c], prim[3+c], prim[6+c] = x/y, 1, (1-x-y)/y
	}
	wx, wy := xy[3][0], xy[3][1]
	white := [3]float64{wx / wy, 1, (1 - wx - wy) / wy}
	s := prim.inverse().mul(white)
	var m mat3
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			m[3*r+c] = prim[3*r+c] * s[c]
		}
	}
	m = bradford(white, d50).times(m)
	return [3][3]float64{{m[0], m[3], m[6]}, {m[1], m[4], m[7]}, {m[2], m[5], m[8]}}
}

// SynthP3 is Display P3 with a different parametric curve type per channel
// (4, 3 and 2), v4.
func SynthP3() []byte {
	col := primariesToD50([4][2]float64{{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}, {0.3127, 0.3290}})
	d65 := [3]float64{0.3127 / 0.3290, 1, (1 - 0.3127 - 0.3290) / 0.3290}
	chad := bradford(d65, d50)
	return Build(Header{Version: 0x04300000, Class: "mntr", ColorSpace: "RGB", PCS: "XYZ"}, []Tag{
		{"desc", MlucTag("imgpar test P3, para 4/3/2")},
		{"wtpt", XYZTag(d50)},
		{"chad", SF32Tag(chad[:]...)},
		{"rXYZ", XYZTag(col[0])}, {"gXYZ", XYZTag(col[1])}, {"bXYZ", XYZTag(col[2])},
		{"rTRC", ParaTag(4, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045, 0, 0)},
		{"gTRC", ParaTag(3, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045)},
		{"bTRC", ParaTag(2, 2.2, 0.95, 0.05, 0)},
	})
}

func curvTable(n int, f func(float64) float64) []byte {
	b := make([]byte, 12+2*n)
	copy(b, "curv")
	binary.BigEndian.PutUint32(b[8:], uint32(n))
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint16(b[12+2*i:], uint16(math.Round(65535*clamp01(f(float64(i)/float64(n-1))))))
	}
	return b
}

func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// SynthMAB is a v4 RGB profile whose A2B0 is a lutAtoB with all five
// stages: A curves (para type 1, 0, and a curv gamma), an 8-bit 9x9x9 CLUT
// that mixes the channels a little, M curves (curv tables), a matrix with
// offsets to XYZ, B curves (identity curv and para type 0 of gamma 1).
func SynthMAB() []byte {
	const g = 9
	a := pad(ParaTag(1, 2.2, 1, 0))
	a = append(a, pad(ParaTag(0, 1.8))...)
	a = append(a, pad([]byte("curv\x00\x00\x00\x00\x00\x00\x00\x01\x02\x33"))...) // gamma 2.2
	clut := make([]byte, 20, 20+g*g*g*3)
	for i := 0; i < 3; i++ {
		clut[i] = g
	}
	clut[16] = 1
	for r := 0; r < g; r++ {
		for gg := 0; gg < g; gg++ {
			for b := 0; b < g; b++ {
				x := [3]float64{float64(r) / (g - 1), float64(gg) / (g - 1), float64(b) / (g - 1)}
				o := [3]float64{0.9*x[0] + 0.06*x[1] + 0.04*x[2], 0.05*x[0] + 0.9*x[1] + 0.05*x[2], 0.02*x[0] + 0.08*x[1] + 0.9*x[2]}
				for _, v := range o {
					clut = append(clut, uint8(math.Round(v*255)))
				}
			}
		}
	}
	clut = pad(clut)
	var m []byte
	for i := 0; i < 3; i++ {
		m = append(m, pad(curvTable(33, func(x float64) float64 { return math.Pow(x, 1.1) }))...)
	}
	col := primariesToD50([4][2]float64{{0.64, 0.33}, {0.21, 0.71}, {0.15, 0.06}, {0.3127, 0.3290}})
	mat := make([]byte, 48)
	k := 32768.0 / 65535
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			binary.BigEndian.PutUint32(mat[4*(3*r+c):], uint32(fixed(col[c][r]*k)))
		}
	}
	binary.BigEndian.PutUint32(mat[36:], uint32(fixed(0.001)))
	bcurves := pad([]byte("curv\x00\x00\x00\x00\x00\x00\x00\x00"))
	bcurves = append(bcurves, pad(ParaTag(0, 1))...)
	bcurves = append(bcurves, pad([]byte("curv\x00\x00\x00\x00\x00\x00\x00\x00"))...)
	hdr := make([]byte, 32)
	copy(hdr, "mAB ")
	hdr[8], hdr[9] = 3, 3
	tag := hdr
	put := func(at int, part []byte) {
		binary.BigEndian.PutUint32(hdr[at:], uint32(len(tag)))
		tag = append(tag, part...)
	}
	put(12, bcurves)
	put(16, mat)
	put(20, m)
	put(24, clut)
	put(28, a)
	return Build(Header{Version: 0x04300000, Class: "mntr", ColorSpace: "RGB", PCS: "XYZ"}, []Tag{
		{"desc", MlucTag("imgpar test mAB RGB")},
		{"wtpt", XYZTag(d50)},
		{"A2B0", tag},
	})
}

// SynthLut8CMYK is a v2 CMYK profile whose A2B0 is a lut8 with a 5-point
// CLUT to Lab from the plain CMYK formula, and non-trivial input tables.
func SynthLut8CMYK() []byte {
	const g = 5
	t := make([]byte, 48)
	copy(t, "mft1")
	t[8], t[9], t[10] = 4, 3, g
	for i := 0; i < 3; i++ {
		binary.BigEndian.PutUint32(t[12+16*i:], 65536) // identity matrix
	}
	for c := 0; c < 4; c++ {
		for v := 0; v < 256; v++ {
			t = append(t, uint8(math.Round(255*math.Pow(float64(v)/255, 0.8))))
		}
	}
	for n := 0; n < g*g*g*g; n++ {
		var x [4]float64
		r := n
		for i := 3; i >= 0; i-- {
			x[i] = float64(r%g) / (g - 1)
			r /= g
		}
		w := 1 - x[3]
		lin := [3]float64{srgbDecode((1 - x[0]) * w), srgbDecode((1 - x[1]) * w), srgbDecode((1 - x[2]) * w)}
		lab := XYZToLab(srgbToXYZD50.mul(lin))
		t = append(t, uint8(math.Round(lab[0]*255/100)), uint8(math.Round(lab[1]+128)), uint8(math.Round(lab[2]+128)))
	}
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			t = append(t, uint8(v))
		}
	}
	return Build(Header{Version: 0x02100000, Class: "prtr", ColorSpace: "CMYK", PCS: "Lab"}, []Tag{
		{"desc", MlucTag("imgpar test lut8 CMYK")},
		{"wtpt", XYZTag(d50)},
		{"A2B0", t},
	})
}

// SynthSRGBCurve is an sRGB-primaries v4 profile whose three tone curves
// are one 256-entry curv table of f (device 0..1 to linear 0..1): with f
// the sRGB curve it is sRGB; small changes to f make the near misses
// SRGBEquivalent must catch.
func SynthSRGBCurve(desc string, f func(float64) float64) []byte {
	m := srgbToXYZD50
	var col [3][3]float64
	for c := 0; c < 3; c++ {
		col[c] = [3]float64{m[c], m[3+c], m[6+c]}
	}
	d65 := [3]float64{0.3127 / 0.3290, 1, (1 - 0.3127 - 0.3290) / 0.3290}
	return MatrixProfile(desc, col, curvTable(256, f), bradford(d65, d50))
}

// SRGBDecode is the sRGB curve, encoded 0..1 to linear 0..1.
func SRGBDecode(v float64) float64 { return srgbDecode(v) }
