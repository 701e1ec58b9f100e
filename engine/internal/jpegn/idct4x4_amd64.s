//go:build amd64 && !noasm

#include "textflag.h"

// idct4x4AVX2 is idct4x4 (idct_scaled.go) in 128-bit AVX2 code: the same
// transform, constants and rounding, in int32 lanes. Pass 1 works on the
// four columns at once, a 4x4 dword transpose turns the work array's rows
// into columns, pass 2 works on the four rows at once, and the packs clamp
// to 0..255 as clamp64 does. int32 cannot overflow while every coefficient
// is below 4096 in magnitude (every coefficient of an undamaged 8-bit
// JPEG is); otherwise it returns false without writing and the caller
// takes the 64-bit Go code.

// The bytes of the packed result are column-major (index = 4*col + row);
// this PSHUFB mask makes them row-major.
DATA idct4RowMajor<>+0(SB)/8, $0x0d0905010c080400
DATA idct4RowMajor<>+8(SB)/8, $0x0f0b07030e0a0602
GLOBL idct4RowMajor<>(SB), RODATA|NOPTR, $16

// func idct4x4AVX2(blk *[64]int32, out *byte, stride int) bool
TEXT ·idct4x4AVX2(SB), NOSPLIT, $0-25
	MOVQ blk+0(FP), SI
	MOVQ out+8(FP), DI
	MOVQ stride+16(FP), DX

	// Rows 0-3, columns 0-3 of the coefficients: X0..X3 = z0..z3 of each
	// column (lane = column).
	VMOVDQU 0(SI), X0
	VMOVDQU 32(SI), X1
	VMOVDQU 64(SI), X2
	VMOVDQU 96(SI), X3

	// Range check: max |z| (unsigned, so |MinInt32| counts as large) <= 4095.
	MOVL $4095, AX
	VMOVD AX, X15
	VPBROADCASTD X15, X15
	VPABSD X0, X4
	VPABSD X1, X5
	VPMAXUD X5, X4, X4
	VPABSD X2, X5
	VPMAXUD X5, X4, X4
	VPABSD X3, X5
	VPMAXUD X5, X4, X4
	VPMAXUD X15, X4, X4
	VPCMPEQD X15, X4, X4
	VPMOVMSKB X4, AX
	CMPL AX, $0xffff
	JNE tooLarge

	// Constants: X12 = FIX(0.541196100), X13 = FIX(0.765366865),
	// X14 = FIX(1.847759065), X15 = pass 1 rounding 1<<10.
	MOVL $4433, AX
	VMOVD AX, X12
	VPBROADCASTD X12, X12
	MOVL $6270, AX
	VMOVD AX, X13
	VPBROADCASTD X13, X13
	MOVL $15137, AX
	VMOVD AX, X14
	VPBROADCASTD X14, X14
	MOVL $1024, AX
	VMOVD AX, X15
	VPBROADCASTD X15, X15

	// Pass 1 (lane = column).
	VPADDD X2, X0, X4     // z0 + z2
	VPSLLD $2, X4, X4     // t10
	VPSUBD X2, X0, X5     // z0 - z2
	VPSLLD $2, X5, X5     // t12
	VPADDD X3, X1, X6     // z1 + z3
	VPMULLD X12, X6, X6
	VPADDD X15, X6, X6    // r
	VPMULLD X13, X1, X7
	VPADDD X6, X7, X7
	VPSRAD $11, X7, X7    // t0
	VPMULLD X14, X3, X8
	VPSUBD X8, X6, X8
	VPSRAD $11, X8, X8    // t2
	VPADDD X7, X4, X0     // w0
	VPSUBD X7, X4, X3     // w3
	VPADDD X8, X5, X1     // w1
	VPSUBD X8, X5, X2     // w2

	// Transpose: X0..X3 become the work array's columns (lane = row).
	VPUNPCKLDQ X1, X0, X4 // w0[0] w1[0] w0[1] w1[1]
	VPUNPCKHDQ X1, X0, X5 // w0[2] w1[2] w0[3] w1[3]
	VPUNPCKLDQ X3, X2, X6 // w2[0] w3[0] w2[1] w3[1]
	VPUNPCKHDQ X3, X2, X7 // w2[2] w3[2] w2[3] w3[3]
	VPUNPCKLQDQ X6, X4, X0
	VPUNPCKHQDQ X6, X4, X1
	VPUNPCKLQDQ X7, X5, X2
	VPUNPCKHQDQ X7, X5, X3

	// Pass 2 (lane = row): level shift and rounding in the DC term,
	// 128<<5 + 1<<4.
	MOVL $4112, AX
	VMOVD AX, X15
	VPBROADCASTD X15, X15
	VPADDD X15, X0, X0    // dc
	VPADDD X2, X0, X4
	VPSLLD $13, X4, X4    // t10
	VPSUBD X2, X0, X5
	VPSLLD $13, X5, X5    // t12
	VPADDD X3, X1, X6
	VPMULLD X12, X6, X6   // z
	VPMULLD X13, X1, X7
	VPADDD X6, X7, X7     // t0
	VPMULLD X14, X3, X8
	VPSUBD X8, X6, X8     // t2
	VPADDD X7, X4, X0
	VPSRAD $18, X0, X0    // column 0
	VPSUBD X7, X4, X3
	VPSRAD $18, X3, X3    // column 3
	VPADDD X8, X5, X1
	VPSRAD $18, X1, X1    // column 1
	VPSUBD X8, X5, X2
	VPSRAD $18, X2, X2    // column 2

	// Clamp to 0..255 by saturating packs, then row-major order.
	VPACKSSDW X1, X0, X0
	VPACKSSDW X3, X2, X2
	VPACKUSWB X2, X0, X0
	VPSHUFB idct4RowMajor<>(SB), X0, X0

	VMOVD X0, (DI)
	VPEXTRD $1, X0, (DI)(DX*1)
	LEAQ (DI)(DX*2), DI
	VPEXTRD $2, X0, (DI)
	VPEXTRD $3, X0, (DI)(DX*1)
	MOVB $1, ret+24(FP)
	RET

tooLarge:
	MOVB $0, ret+24(FP)
	RET
