package jpegn

// The 8x8 IDCT (rowIdct/colIdct, idctAVX2, the arm64 one) computes in
// int32, which holds every block a real image gives but overflows on
// extreme dequantised coefficients that a damaged or hostile stream can
// carry; libjpeg computes the same sums in 64 bits. idct checks a bound
// (idctSafe; in idctAVX2 the same check in a few vector instructions on
// the rows it loads anyway) and sends only the blocks that could overflow
// to idctExact: the same arithmetic in int64. Blocks of real photos stay
// under the bound but for a few in a thousand (strong edges at high
// quality), which idctExact decodes to the same samples. The scaled IDCTs
// (1/2, 1/4, 1/8) cannot overflow: their sums of at most 16 coefficients,
// each under 2^15*255, stay under 2^28.

// Every intermediate of the 8x8 IDCT (row and column pass) is a linear
// form of the 64 dequantised coefficients plus rounding constants. Over
// all intermediates, the largest weight of the DC is 2048 and of any AC
// coefficient under 1008607, and the constants and rounding add under
// 2^20 (TestIDCTBound derives and checks these). Counting the DC as
// |DC|>>8 + 1 (its weight is under a 256th of an AC's, so that
// overstates it), a block with sum|AC| + |DC|>>8 under idctSumLimit has
// every intermediate under 1008607*idctSumLimit + 2^20 < 2^31.
const idctSumLimit = 2128

// idctSafe reports whether the int32 8x8 IDCT is exact for a block whose
// dequantised DC is dc and whose dequantised AC magnitudes sum to acSum.
// idctAVX2 checks the same in assembly.
func idctSafe(dc int32, acSum int) bool {
	return acSum+abs32(dc)>>8 < idctSumLimit
}

// abs32 is |x|.
func abs32(x int32) int {
	m := x >> 31
	return int((x ^ m) - m)
}

// idctExact is idctIterative in int64: on a block where the int32 one
// does not overflow, the same samples; on others, the samples the
// arithmetic means (clamped), as libjpeg's 64-bit sums give.
func idctExact(blk *[64]int32, out []byte, outOffset int, stride int) {
	var t [64]int64
	for i := range blk {
		t[i] = int64(blk[i])
	}
	for i := 0; i < 64; i += 8 {
		b := t[i : i+8 : i+8]
		x0 := b[0]<<11 + 128
		x1, x2, x3, x4, x5, x6, x7 := b[4]<<11, b[6], b[2], b[1], b[7], b[5], b[3]
		if x1|x2|x3|x4|x5|x6|x7 == 0 {
			v := b[0] << 3
			for j := range b {
				b[j] = v
			}
			continue
		}
		x8 := w7 * (x4 + x5)
		x4 = x8 + (w1-w7)*x4
		x5 = x8 - (w1+w7)*x5
		x8 = w3 * (x6 + x7)
		x6 = x8 - (w3-w5)*x6
		x7 = x8 - (w3+w5)*x7
		x8 = x0 + x1
		x0 -= x1
		x1 = w6 * (x3 + x2)
		x2 = x1 - (w2+w6)*x2
		x3 = x1 + (w2-w6)*x3
		x1 = x4 + x6
		x4 -= x6
		x6 = x5 + x7
		x5 -= x7
		x7 = x8 + x3
		x8 -= x3
		x3 = x0 + x2
		x0 -= x2
		x2 = (181*(x4+x5) + 128) >> 8
		x4 = (181*(x4-x5) + 128) >> 8
		b[0], b[1], b[2], b[3] = (x7+x1)>>8, (x3+x2)>>8, (x0+x4)>>8, (x8+x6)>>8
		b[4], b[5], b[6], b[7] = (x8-x6)>>8, (x0-x4)>>8, (x3-x2)>>8, (x7-x1)>>8
	}
	_ = out[outOffset+7*stride+7]
	for i := 0; i < 8; i++ {
		o := outOffset + i
		x1, x2, x3, x4, x5, x6, x7 := t[32+i]<<8, t[48+i], t[16+i], t[8+i], t[56+i], t[40+i], t[24+i]
		if x1|x2|x3|x4|x5|x6|x7 == 0 {
			v := clamp64((t[i]+32)>>6 + 128)
			for r := 0; r < 8; r++ {
				out[o+r*stride] = v
			}
			continue
		}
		x0 := t[i]<<8 + 8192
		x8 := w7*(x4+x5) + 4
		x4 = (x8 + (w1-w7)*x4) >> 3
		x5 = (x8 - (w1+w7)*x5) >> 3
		x8 = w3*(x6+x7) + 4
		x6 = (x8 - (w3-w5)*x6) >> 3
		x7 = (x8 - (w3+w5)*x7) >> 3
		x8 = x0 + x1
		x0 -= x1
		x1 = w6*(x3+x2) + 4
		x2 = (x1 - (w2+w6)*x2) >> 3
		x3 = (x1 + (w2-w6)*x3) >> 3
		x1 = x4 + x6
		x4 -= x6
		x6 = x5 + x7
		x5 -= x7
		x7 = x8 + x3
		x8 -= x3
		x3 = x0 + x2
		x0 -= x2
		x2 = (181*(x4+x5) + 128) >> 8
		x4 = (181*(x4-x5) + 128) >> 8
		out[o] = clamp64((x7+x1)>>14 + 128)
		out[o+stride] = clamp64((x3+x2)>>14 + 128)
		out[o+2*stride] = clamp64((x0+x4)>>14 + 128)
		out[o+3*stride] = clamp64((x8+x6)>>14 + 128)
		out[o+4*stride] = clamp64((x8-x6)>>14 + 128)
		out[o+5*stride] = clamp64((x0-x4)>>14 + 128)
		out[o+6*stride] = clamp64((x3-x2)>>14 + 128)
		out[o+7*stride] = clamp64((x7-x1)>>14 + 128)
	}
}

func clamp64(x int64) byte {
	return byte(min(max(x, 0), 255))
}

// idctChecked is idctIterative, or idctExact where idctSafe fails.
func idctChecked(blk *[64]int32, out []byte, outOffset int, stride int) {
	if !idctSafe(blk[0], acSum(blk)) {
		idctExact(blk, out, outOffset, stride)
		return
	}
	idctIterative(blk, out, outOffset, stride)
}

// acSum is the sum of |AC| of a dequantised block, for idctSafe.
func acSum(blk *[64]int32) int {
	s := 0
	for _, x := range blk[1:] {
		s += abs32(x)
	}
	return s
}
