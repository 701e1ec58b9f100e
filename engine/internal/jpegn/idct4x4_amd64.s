//go:build amd64 && !noasm

#include "textflag.h"

// TRANSPOSE4 transposes the 4x4 int32 matrix in rows X0..X3 into columns
// X4 (0), X1 (1), X0 (2), X3 (3); X5 is scratch.
#define TRANSPOSE4 \
	MOVO X0, X4; PUNPCKLLQ X1, X4; \
	PUNPCKHLQ X1, X0; \
	MOVO X2, X5; PUNPCKLLQ X3, X5; \
	PUNPCKHLQ X3, X2; \
	MOVO X4, X1; PUNPCKHQDQ X5, X1; \
	PUNPCKLQDQ X5, X4; \
	MOVO X0, X3; PUNPCKHQDQ X2, X3; \
	PUNPCKLQDQ X2, X0

// BUTTERFLY is idct8x8To4x4's 4-point transform on the vectors s0 = X4,
// s1 = X1, s2 = X0, s3 = X3: out0 = X0, out1 = X1, out2 = X2, out3 = X3.
#define BUTTERFLY \
	MOVO X4, X5; PADDL X0, X5; \
	PSUBL X0, X4; \
	MOVO X1, X6; PSRAL $1, X6; PSUBL X3, X6; \
	PSRAL $1, X3; PADDL X3, X1; \
	MOVO X5, X0; PADDL X1, X0; \
	PSUBL X1, X5; \
	MOVO X4, X1; PADDL X6, X1; \
	PSUBL X6, X4; \
	MOVO X4, X2; \
	MOVO X5, X3

// func idct4x4SSE2(blk *[64]int32, out *byte, stride int)
TEXT ·idct4x4SSE2(SB), NOSPLIT, $0-24
	MOVQ blk+0(FP), SI
	MOVQ out+8(FP), DI
	MOVQ stride+16(FP), CX

	// Rows 0..3, columns 0..3 of the block.
	MOVOU 0(SI), X0
	MOVOU 32(SI), X1
	MOVOU 64(SI), X2
	MOVOU 96(SI), X3

	// Row pass on all four rows at once (lanes are rows), then the column
	// pass on all four columns (lanes are columns).
	TRANSPOSE4
	BUTTERFLY
	TRANSPOSE4
	BUTTERFLY

	// (x >> 3) + 128, then clamp to 0..255: packssdw saturates to int16
	// and packuswb to 0..255, which is min(max(x, 0), 255).
	PCMPEQL X7, X7
	PSRLL $31, X7
	PSLLL $7, X7
	PSRAL $3, X0
	PSRAL $3, X1
	PSRAL $3, X2
	PSRAL $3, X3
	PADDL X7, X0
	PADDL X7, X1
	PADDL X7, X2
	PADDL X7, X3
	PACKSSLW X1, X0
	PACKSSLW X3, X2
	PACKUSWB X2, X0

	MOVL X0, AX
	MOVL AX, (DI)
	PSRLDQ $4, X0
	MOVL X0, AX
	MOVL AX, (DI)(CX*1)
	LEAQ (DI)(CX*2), DX
	PSRLDQ $4, X0
	MOVL X0, AX
	MOVL AX, (DX)
	PSRLDQ $4, X0
	MOVL X0, AX
	MOVL AX, (DX)(CX*1)
	RET
