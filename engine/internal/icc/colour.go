package icc

import "math"

// d50 is the PCS illuminant as lcms spells it (cmsD50_XYZ).
var d50 = [3]float64{0.9642, 1.0, 0.8249}

type mat3 [9]float64

func (m mat3) mul(v [3]float64) [3]float64 {
	return [3]float64{
		m[0]*v[0] + m[1]*v[1] + m[2]*v[2],
		m[3]*v[0] + m[4]*v[1] + m[5]*v[2],
		m[6]*v[0] + m[7]*v[1] + m[8]*v[2],
	}
}

func (a mat3) times(b mat3) mat3 {
	var r mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r[3*i+j] = a[3*i]*b[j] + a[3*i+1]*b[3+j] + a[3*i+2]*b[6+j]
		}
	}
	return r
}

func (m mat3) inverse() mat3 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	det := a*(e*i-f*h) - b*(d*i-f*g) + c*(d*h-e*g)
	return mat3{
		(e*i - f*h) / det, (c*h - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det,
	}
}

// srgbToXYZD50 is the sRGB (IEC 61966-2-1) primaries matrix adapted from
// D65 to D50 with Bradford, built the way lcms builds its sRGB profile
// (cmsCreate_sRGBProfile) so that results match lcms-based tools.
var srgbToXYZD50, xyzD50ToSRGB = srgbMatrices()

func srgbMatrices() (mat3, mat3) {
	xy := [4][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}, {0.3127, 0.3290}}
	var prim mat3 // columns: XYZ of R, G, B with Y = 1
	for c := 0; c < 3; c++ {
		x, y := xy[c][0], xy[c][1]
		prim[c], prim[3+c], prim[6+c] = x/y, 1, (1-x-y)/y
	}
	wx, wy := xy[3][0], xy[3][1]
	white := [3]float64{wx / wy, 1, (1 - wx - wy) / wy}
	s := prim.inverse().mul(white)
	var rgb2xyz mat3
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			rgb2xyz[3*r+c] = prim[3*r+c] * s[c]
		}
	}
	m := bradford(white, d50).times(rgb2xyz)
	return m, m.inverse()
}

// bradford is the chromatic adaptation matrix from white src to dst.
func bradford(src, dst [3]float64) mat3 {
	b := mat3{0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296}
	s, d := b.mul(src), b.mul(dst)
	scale := mat3{d[0] / s[0], 0, 0, 0, d[1] / s[1], 0, 0, 0, d[2] / s[2]}
	return b.inverse().times(scale).times(b)
}

// srgbEncode is the sRGB transfer function, linear to encoded, 0..1.
func srgbEncode(x float64) float64 {
	if x <= 0.0031308 {
		return 12.92 * x
	}
	return 1.055*math.Pow(x, 1/2.4) - 0.055
}

// srgbDecode is the inverse of srgbEncode.
func srgbDecode(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func labToXYZ(l, a, b float64) [3]float64 {
	fy := (l + 16) / 116
	fx := fy + a/500
	fz := fy - b/200
	inv := func(t float64) float64 {
		if t > 6.0/29 {
			return t * t * t
		}
		return 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0/29)
	}
	return [3]float64{d50[0] * inv(fx), d50[1] * inv(fy), d50[2] * inv(fz)}
}

// XYZToLab converts XYZ (D50) to CIE L*a*b*.
func XYZToLab(v [3]float64) [3]float64 {
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(v[0]/d50[0]), f(v[1]/d50[1]), f(v[2]/d50[2])
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// SRGBToLab converts an 8-bit sRGB colour to L*a*b* (D50), for measuring
// colour differences.
func SRGBToLab(r, g, b uint8) [3]float64 {
	lin := [3]float64{srgbDecode(float64(r) / 255), srgbDecode(float64(g) / 255), srgbDecode(float64(b) / 255)}
	return XYZToLab(srgbToXYZD50.mul(lin))
}

// DeltaE76 is the CIE76 colour difference, the Euclidean distance in Lab.
func DeltaE76(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}
