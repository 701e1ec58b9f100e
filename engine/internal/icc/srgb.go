package icc

// SRGBTolerance is the largest difference, in 8-bit levels per channel,
// between a colour and its conversion to sRGB that still counts as the
// same colour for SRGBEquivalent and Transform.Identity. One level: the
// sRGB profiles photos carry are not lcms' sRGB bit for bit (HP's "sRGB
// IEC61966-2.1", the most common, moves 1,473 of the 2^24 colours by one
// level through lcms2's exact pipeline, none by more), while a profile
// that differs in substance moves some colour by many levels (Rec. 709's
// curve with sRGB's primaries: 16; Display P3, Adobe RGB: over 60).
const SRGBTolerance = 1

// equivalenceStep spaces the RGB grid SRGBEquivalent checks: 0, 3, ...,
// 255 on each axis, 86³ = 636,056 colours (Transform.Identity's coarser
// grid, every 15 levels, is a subset of it).
const equivalenceStep = 3

// SRGBEquivalent reports whether p describes sRGB by colour, so that
// pixels tagged with it mean the same as untagged (sRGB) pixels: an RGB
// profile whose conversion to sRGB moves none of a dense grid of colours
// (every third level on each axis) and none along the cube's twelve edges
// and its grey diagonal (every level) by more than SRGBTolerance; a grey
// profile likewise for all 256 levels. The conversion is checked both as
// imgpar makes it (perceptual, with lcms' black point compensation) and,
// when the compensation changes anything, relative colorimetric without
// it, as a viewer that does not compensate shows the profile: a profile
// with sRGB's curve over a raised black is not sRGB. CMYK profiles and
// profiles NewTransform refuses are not sRGB.
func SRGBEquivalent(p *Profile) bool {
	t, bpc, err := newTransform(p, true)
	if err != nil || !t.identity || !t.denseIdentity() {
		return false
	}
	if bpc {
		t, _, err = newTransform(p, false)
		return err == nil && t.denseIdentity()
	}
	return true
}

// denseIdentity is isIdentity over SRGBEquivalent's grid and ramps.
func (t *Transform) denseIdentity() bool {
	switch t.in {
	case 1:
		return t.isIdentity() // already every level
	case 3:
	default:
		return false
	}
	if t.lin != nil {
		if !t.matrixGridKeeps() {
			return false
		}
	} else {
		for r := 0; r < 256; r += equivalenceStep {
			for g := 0; g < 256; g += equivalenceStep {
				for b := 0; b < 256; b += equivalenceStep {
					if !t.keeps(r, g, b) {
						return false
					}
				}
			}
		}
	}
	for v := 0; v < 256; v++ {
		if !t.keeps(v, v, v) {
			return false
		}
		for _, e := range [4][2]int{{0, 0}, {0, 255}, {255, 0}, {255, 255}} {
			if !t.keeps(v, e[0], e[1]) || !t.keeps(e[0], v, e[1]) || !t.keeps(e[0], e[1], v) {
				return false
			}
		}
	}
	return true
}

// matrixGridKeeps is the grid loop of denseIdentity for a matrix/TRC
// transform, with the products of the outer loops' channels hoisted (the
// sums are formed in matrix's order): a verdict costs about 3 ms instead
// of 15.
func (t *Transform) matrixGridKeeps() bool {
	m, o, enc, lin := &t.m, &t.o, t.enc, t.lin
	for r := 0; r < 256; r += equivalenceStep {
		lr := lin[0][r]
		r0, r1, r2 := m[0]*lr, m[3]*lr, m[6]*lr
		for g := 0; g < 256; g += equivalenceStep {
			lg := lin[1][g]
			g0, g1, g2 := r0+m[1]*lg, r1+m[4]*lg, r2+m[7]*lg
			for b := 0; b < 256; b += equivalenceStep {
				lb := lin[2][b]
				if !near(int(encode(enc, g0+m[2]*lb+o[0])), r) ||
					!near(int(encode(enc, g1+m[5]*lb+o[1])), g) ||
					!near(int(encode(enc, g2+m[8]*lb+o[2])), b) {
					return false
				}
			}
		}
	}
	return true
}

// keeps reports whether RGB colour r, g, b converts to itself within
// SRGBTolerance.
func (t *Transform) keeps(r, g, b int) bool {
	o := t.rgb(uint8(r), uint8(g), uint8(b))
	return near(int(o[0]), r) && near(int(o[1]), g) && near(int(o[2]), b)
}

func near(a, b int) bool { return a-b <= SRGBTolerance && b-a <= SRGBTolerance }
