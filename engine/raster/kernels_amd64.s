//go:build amd64 && !purego

#include "textflag.h"

// func vpassAVX2(dst *uint8, rows *unsafe.Pointer, wpairs *int32, npairs int, n int)
//
// For x in [0, n) step 16: dst[x..x+16] = clamp8((8192 + sum_p rows[2p][x]*w0[p] +
// rows[2p+1][x]*w1[p]) >> 14), where wpairs[p] holds w0 in its low and w1 in its
// high 16 bits. n must be a multiple of 16 and npairs >= 1.
TEXT ·vpassAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ wpairs+16(FP), DX
	MOVQ npairs+24(FP), CX
	MOVQ n+32(FP), BX
	MOVL $8192, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	XORQ R8, R8

vloopx:
	CMPQ R8, BX
	JGE  vdone
	VMOVDQA Y15, Y5
	VMOVDQA Y15, Y6
	MOVQ    SI, R9
	MOVQ    DX, R10
	MOVQ    CX, R11

vlooptap:
	MOVQ         0(R9), R12
	MOVQ         8(R9), R13
	VPMOVZXBW    (R12)(R8*1), Y0 // row 0, pixels x..x+15 as words
	VPMOVZXBW    (R13)(R8*1), Y1 // row 1
	VPBROADCASTD (R10), Y4
	VPUNPCKLWD   Y1, Y0, Y2      // (r0, r1) pairs, pixels 0-3 | 8-11
	VPUNPCKHWD   Y1, Y0, Y3      // pixels 4-7 | 12-15
	VPMADDWD     Y4, Y2, Y2
	VPMADDWD     Y4, Y3, Y3
	VPADDD       Y2, Y5, Y5
	VPADDD       Y3, Y6, Y6
	ADDQ         $16, R9
	ADDQ         $4, R10
	DECQ         R11
	JNZ          vlooptap

	VPSRAD       $14, Y5, Y5
	VPSRAD       $14, Y6, Y6
	VPACKSSDW    Y6, Y5, Y5   // words: pixels 0-7 | 8-15
	VEXTRACTI128 $1, Y5, X6
	VPACKUSWB    X6, X5, X5   // bytes 0-15
	VMOVDQU      X5, (DI)(R8*1)
	ADDQ         $16, R8
	JMP          vloopx

vdone:
	VZEROUPPER
	RET

// func hpass1AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int)
//
// For each output x in [0, ndst): dst[x] = clamp8((8192 + sum_k src[starts[x]+k] *
// w[x*nPad+k]) >> 14) for k in [0, nPad). nPad must be a positive multiple of 8,
// and src must be readable up to the largest start + nPad.
TEXT ·hpass1AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ starts+16(FP), DX
	MOVQ w+24(FP), R8
	MOVQ nPad+32(FP), CX
	MOVQ ndst+40(FP), BX
	XORQ R9, R9
	MOVL $255, R14
	XORL R15, R15

hloop:
	CMPQ    R9, BX
	JGE     hdone
	MOVLQSX (DX)(R9*4), R10
	LEAQ    (SI)(R10*1), R11
	VPXOR   X0, X0, X0
	MOVQ    CX, R13

hinner:
	VPMOVZXBW (R11), X1
	VPMADDWD  (R8), X1, X1
	VPADDD    X1, X0, X0
	ADDQ      $8, R11
	ADDQ      $16, R8
	SUBQ      $8, R13
	JNZ       hinner

	VPSHUFD $0x4E, X0, X1
	VPADDD  X1, X0, X0
	VPSHUFD $0xB1, X0, X1
	VPADDD  X1, X0, X0
	VMOVD   X0, AX
	ADDL    $8192, AX
	SARL    $14, AX
	CMPL    AX, R15
	CMOVLLT R15, AX
	CMPL    AX, R14
	CMOVLGT R14, AX
	MOVB    AL, (DI)(R9*1)
	INCQ    R9
	JMP     hloop

hdone:
	RET

// Byte shuffle turning 4 RGBA pixels p0..p3 into (r0 r1 g0 g1 b0 b1 a0 a1 | r2 r3 ...).
DATA shuf4<>+0(SB)/8, $0x0703060205010400
DATA shuf4<>+8(SB)/8, $0x0f0b0e0a0d090c08
GLOBL shuf4<>(SB), RODATA|NOPTR, $16

// Dword permutation (0 0 0 0 1 1 1 1): weight pair (w0,w1) to the low lane, (w2,w3) to the high.
DATA permidx<>+0(SB)/8, $0
DATA permidx<>+8(SB)/8, $0
DATA permidx<>+16(SB)/8, $0x0000000100000001
DATA permidx<>+24(SB)/8, $0x0000000100000001
GLOBL permidx<>(SB), RODATA|NOPTR, $32

// func hpass4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int)
//
// hpass1AVX2 for 4-channel pixels: starts are in pixels, and each channel of
// dst[4x..4x+4] gets the filtered channel of src. Four taps per step.
TEXT ·hpass4AVX2(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         starts+16(FP), DX
	MOVQ         w+24(FP), R8
	MOVQ         nPad+32(FP), CX
	MOVQ         ndst+40(FP), BX
	VMOVDQU      shuf4<>(SB), X13
	VMOVDQU      permidx<>(SB), Y14
	MOVL         $8192, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, X15
	XORQ         R9, R9

h4loop:
	CMPQ    R9, BX
	JGE     h4done
	MOVLQSX (DX)(R9*4), R10
	LEAQ    (SI)(R10*4), R11
	VPXOR   Y5, Y5, Y5
	MOVQ    CX, R13

h4inner:
	VMOVDQU      (R11), X0
	VPSHUFB      X13, X0, X0
	VPMOVZXBW    X0, Y0
	VPBROADCASTQ (R8), Y4
	VPERMD       Y4, Y14, Y4
	VPMADDWD     Y4, Y0, Y0
	VPADDD       Y0, Y5, Y5
	ADDQ         $16, R11
	ADDQ         $8, R8
	SUBQ         $4, R13
	JNZ          h4inner

	VEXTRACTI128 $1, Y5, X6
	VPADDD       X6, X5, X5
	VPADDD       X15, X5, X5
	VPSRAD       $14, X5, X5
	VPACKSSDW    X5, X5, X5
	VPACKUSWB    X5, X5, X5
	VMOVD        X5, AX
	MOVL         AX, (DI)(R9*4)
	INCQ         R9
	JMP          h4loop

h4done:
	VZEROUPPER
	RET

// func hpass1x4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ngroups int)
//
// hpass1AVX2 for 4*ngroups outputs, four at a time, with the four partial sums
// reduced together. w holds, per group of four outputs and per 8 taps, the four
// outputs' 8 weights one after the other (weights.wPad4).
TEXT ·hpass1x4AVX2(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         starts+16(FP), DX
	MOVQ         w+24(FP), R8
	MOVQ         nPad+32(FP), CX
	MOVQ         ngroups+40(FP), BX
	MOVL         $8192, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, X15

g4loop:
	TESTQ   BX, BX
	JZ      g4done
	MOVLQSX 0(DX), R10
	MOVLQSX 4(DX), R11
	MOVLQSX 8(DX), R12
	MOVLQSX 12(DX), R13
	ADDQ    SI, R10
	ADDQ    SI, R11
	ADDQ    SI, R12
	ADDQ    SI, R13
	VPXOR   X0, X0, X0
	VPXOR   X1, X1, X1
	VPXOR   X2, X2, X2
	VPXOR   X3, X3, X3
	MOVQ    CX, R14

g4inner:
	VPMOVZXBW (R10), X4
	VPMADDWD  0(R8), X4, X4
	VPADDD    X4, X0, X0
	VPMOVZXBW (R11), X5
	VPMADDWD  16(R8), X5, X5
	VPADDD    X5, X1, X1
	VPMOVZXBW (R12), X6
	VPMADDWD  32(R8), X6, X6
	VPADDD    X6, X2, X2
	VPMOVZXBW (R13), X7
	VPMADDWD  48(R8), X7, X7
	VPADDD    X7, X3, X3
	ADDQ      $8, R10
	ADDQ      $8, R11
	ADDQ      $8, R12
	ADDQ      $8, R13
	ADDQ      $64, R8
	SUBQ      $8, R14
	JNZ       g4inner

	VPHADDD   X1, X0, X0
	VPHADDD   X3, X2, X2
	VPHADDD   X2, X0, X0 // the four sums
	VPADDD    X15, X0, X0
	VPSRAD    $14, X0, X0
	VPACKSSDW X0, X0, X0
	VPACKUSWB X0, X0, X0
	VMOVD     X0, (DI)
	ADDQ      $4, DI
	ADDQ      $16, DX
	DECQ      BX
	JMP       g4loop

g4done:
	RET
