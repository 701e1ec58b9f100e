package jpegn

// idctScaled dispatches to the appropriate IDCT function based on the scale denominator.
// scaleDenom must be 1, 2, 4, or 8.
// When scaleDenom = 1, this calls the existing idct() function which uses optimized assembly implementations on amd64/arm64.
func idctScaled(blk *[64]int32, out []byte, outOffset int, stride int, scaleDenom int) {
	switch scaleDenom {
	case 1:
		// Use existing full 8x8 IDCT (with assembly optimizations on amd64/arm64)
		idct(blk, out, outOffset, stride)
	case 2:
		// 1/2 scaling: 4x4 output
		idct4x4(blk, out, outOffset, stride)
	case 4:
		// 1/4 scaling: 2x2 output
		idct8x8To2x2(blk, out, outOffset, stride)
	case 8:
		// 1/8 scaling: 1x1 output
		idct8x8To1x1(blk, out, outOffset, stride)
	default:
		// Fallback to full IDCT for invalid scale (shouldn't happen with validation)
		idct(blk, out, outOffset, stride)
	}
}

// Fixed-point constants of the 4-point IDCT: FIX(x) = round(x * 2^13).
const (
	idct4ConstBits = 13
	idct4Pass1Bits = 2
	fix0541196100  = 4433  // sqrt(2) * cos(6*pi/16)
	fix0765366865  = 6270  // sqrt(2) * (cos(2*pi/16) - cos(6*pi/16))
	fix1847759065  = 15137 // sqrt(2) * (cos(2*pi/16) + cos(6*pi/16))
)

// idct4x4 is the 1/2-scale IDCT: a 4-point IDCT over the top-left 4x4
// dequantised coefficients (the only ones a 1/2-scale decode keeps, see
// coefstore.go), scaled so that a block's mean is DC/8 as at full size.
// It is the scaled IDCT of IJG libjpeg 7 and later (jidctint.c,
// jpeg_idct_4x4: the LL&M even-part rotation, 13-bit constants, rounding
// at both descales), so its samples are within a level of the exact
// transform (TestIDCT4x4Exact). Arithmetic is 64-bit, as libjpeg's INT32
// (long) is on LP64, so no coefficient an 8-bit or damaged stream can
// carry overflows it.
func idct4x4(blk *[64]int32, out []byte, outOffset int, stride int) {
	o := out[outOffset : outOffset+3*stride+4] // the four rows, checked once
	if idct4x4Fast(blk, o, stride) {
		return
	}
	idct4x4Go(blk, o, stride)
}

// idct4x4Go is idct4x4 in Go, for every CPU and every coefficient.
func idct4x4Go(blk *[64]int32, o []byte, stride int) {
	// Pass 1: columns (vertical frequencies), with idct4Pass1Bits of extra
	// precision; column c of the work array is w0[c], w1[c], w2[c], w3[c].
	var w0, w1, w2, w3 [4]int64
	for c := range 4 {
		if blk[c]|blk[8+c]|blk[16+c]|blk[24+c] == 0 {
			continue // common in photos; the transform of zeros is zeros
		}
		z0, z1, z2, z3 := int64(blk[c]), int64(blk[8+c]), int64(blk[16+c]), int64(blk[24+c])
		t10 := (z0 + z2) << idct4Pass1Bits
		t12 := (z0 - z2) << idct4Pass1Bits
		r := (z1+z3)*fix0541196100 + 1<<(idct4ConstBits-idct4Pass1Bits-1)
		t0 := (r + z1*fix0765366865) >> (idct4ConstBits - idct4Pass1Bits)
		t2 := (r - z3*fix1847759065) >> (idct4ConstBits - idct4Pass1Bits)
		w0[c], w3[c] = t10+t0, t10-t0
		w1[c], w2[c] = t12+t2, t12-t2
	}
	// Pass 2: rows, with the level shift and rounding folded into the DC.
	idct4Row(&w0, (*[4]byte)(o[0:4]))
	idct4Row(&w1, (*[4]byte)(o[stride:stride+4]))
	idct4Row(&w2, (*[4]byte)(o[2*stride:2*stride+4]))
	idct4Row(&w3, (*[4]byte)(o[3*stride:3*stride+4]))
}

// idct4Row is idct4x4's second pass over one row of the work array.
func idct4Row(w *[4]int64, row *[4]byte) {
	const shift = idct4ConstBits + idct4Pass1Bits + 3
	dc := w[0] + 128<<(idct4Pass1Bits+3) + 1<<(idct4Pass1Bits+2)
	t10 := (dc + w[2]) << idct4ConstBits
	t12 := (dc - w[2]) << idct4ConstBits
	z := (w[1] + w[3]) * fix0541196100
	t0 := z + w[1]*fix0765366865
	t2 := z - w[3]*fix1847759065
	row[0] = clamp64((t10 + t0) >> shift)
	row[3] = clamp64((t10 - t0) >> shift)
	row[1] = clamp64((t12 + t2) >> shift)
	row[2] = clamp64((t12 - t2) >> shift)
}
