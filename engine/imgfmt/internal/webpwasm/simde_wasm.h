/* libwebp's SSE2/SSE4.1 intrinsics for wasm32 with SIMD128: SIMDe's
 * portable versions (SIMDe 0.7.4, Debian bookworm's libsimde-dev), except the
 * few that SIMDe 0.7.4 has no WebAssembly path for, and one it gets wrong.
 * The former compile to scalar loops through the stack, which made
 * libwebp's SSE2 quantizer and inverse transform several times slower than
 * its plain C code; here they are written with the SIMD128 instructions
 * that compute the same thing. The latter is _mm_extract_epi8, below.
 * _mm_mulhi_* and _mm_unpack*_epi{8,16} are also written so that they
 * avoid i8x16.shuffle, which wazero compiles poorly (see pmulhw).
 *
 * build.sh installs this file as both <emmintrin.h> and <smmintrin.h>, so
 * every libwebp x86 file sees SSE2, SSSE3 and SSE4.1 with these overrides.
 * Each override has the x86 instruction's exact semantics (the encoder's
 * output is byte-identical to native cwebp's: TestWebPEncoderMatchesCwebp).
 */
#ifndef IMGPAR_SIMDE_WASM_H_
#define IMGPAR_SIMDE_WASM_H_

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/sse4.1.h>
#include <wasm_simd128.h>

/* pmulhw: high 16 bits of each signed 16x16 product. The high halves are
 * taken by an arithmetic shift and a narrowing pack rather than a
 * two-vector i8x16.shuffle: wazero compiles every i8x16.shuffle to two
 * mask loads, two pshufb and an or, the shift and pack to psrad, packssdw.
 * The pack cannot saturate: a product >> 16 lies in [-16384, 16384]. */
static __inline__ __m128i imgpar_mm_mulhi_epi16(__m128i a, __m128i b) {
  v128_t lo = wasm_i32x4_extmul_low_i16x8((v128_t)a, (v128_t)b);
  v128_t hi = wasm_i32x4_extmul_high_i16x8((v128_t)a, (v128_t)b);
  return (__m128i)wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(lo, 16), wasm_i32x4_shr(hi, 16));
}
#undef _mm_mulhi_epi16
#define _mm_mulhi_epi16(a, b) imgpar_mm_mulhi_epi16(a, b)

/* pmulhuw: high 16 bits of each unsigned 16x16 product; as pmulhw, with a
 * logical shift (0..65535, which the unsigned pack keeps as it is). */
static __inline__ __m128i imgpar_mm_mulhi_epu16(__m128i a, __m128i b) {
  v128_t lo = wasm_u32x4_extmul_low_u16x8((v128_t)a, (v128_t)b);
  v128_t hi = wasm_u32x4_extmul_high_u16x8((v128_t)a, (v128_t)b);
  return (__m128i)wasm_u16x8_narrow_i32x4(wasm_u32x4_shr(lo, 16), wasm_u32x4_shr(hi, 16));
}
#undef _mm_mulhi_epu16
#define _mm_mulhi_epu16(a, b) imgpar_mm_mulhi_epu16(a, b)

/* punpck{l,h}{bw,wd} with a zero second operand, libwebp's usual way to
 * widen pixels (_mm_unpacklo_epi8(x, zero)), is a zero extension:
 * i16x8/i32x4.extend_{low,high}_u, which wazero compiles to one pmovzx
 * instead of its generic shuffle (above). IMGPAR_ZERO(b) is true only when
 * the compiler can prove b is all zero bits (after inlining); otherwise
 * SIMDe's shuffle is used, so the result is the same either way. */
typedef long long imgpar_i64x2 __attribute__((__vector_size__(16)));
#define IMGPAR_ZERO(b)                                                     \
  (__builtin_constant_p(((imgpar_i64x2)(b))[0] | ((imgpar_i64x2)(b))[1]) && \
   (((imgpar_i64x2)(b))[0] | ((imgpar_i64x2)(b))[1]) == 0)
static __inline__ __attribute__((__always_inline__)) __m128i
imgpar_mm_unpacklo_epi8(__m128i a, __m128i b) {
  if (IMGPAR_ZERO(b)) return (__m128i)wasm_u16x8_extend_low_u8x16((v128_t)a);
  return simde_mm_unpacklo_epi8(a, b);
}
static __inline__ __attribute__((__always_inline__)) __m128i
imgpar_mm_unpackhi_epi8(__m128i a, __m128i b) {
  if (IMGPAR_ZERO(b)) return (__m128i)wasm_u16x8_extend_high_u8x16((v128_t)a);
  return simde_mm_unpackhi_epi8(a, b);
}
static __inline__ __attribute__((__always_inline__)) __m128i
imgpar_mm_unpacklo_epi16(__m128i a, __m128i b) {
  if (IMGPAR_ZERO(b)) return (__m128i)wasm_u32x4_extend_low_u16x8((v128_t)a);
  return simde_mm_unpacklo_epi16(a, b);
}
static __inline__ __attribute__((__always_inline__)) __m128i
imgpar_mm_unpackhi_epi16(__m128i a, __m128i b) {
  if (IMGPAR_ZERO(b)) return (__m128i)wasm_u32x4_extend_high_u16x8((v128_t)a);
  return simde_mm_unpackhi_epi16(a, b);
}
#undef _mm_unpacklo_epi8
#define _mm_unpacklo_epi8(a, b) imgpar_mm_unpacklo_epi8(a, b)
#undef _mm_unpackhi_epi8
#define _mm_unpackhi_epi8(a, b) imgpar_mm_unpackhi_epi8(a, b)
#undef _mm_unpacklo_epi16
#define _mm_unpacklo_epi16(a, b) imgpar_mm_unpacklo_epi16(a, b)
#undef _mm_unpackhi_epi16
#define _mm_unpackhi_epi16(a, b) imgpar_mm_unpackhi_epi16(a, b)

/* pmullw: low 16 bits of each product. */
static __inline__ __m128i imgpar_mm_mullo_epi16(__m128i a, __m128i b) {
  return (__m128i)wasm_i16x8_mul((v128_t)a, (v128_t)b);
}
#undef _mm_mullo_epi16
#define _mm_mullo_epi16(a, b) imgpar_mm_mullo_epi16(a, b)

/* pmaddwd: i32x4.dot_i16x8_s is the same operation (the one overflow,
 * -32768 * -32768 * 2, wraps to INT32_MIN in both). */
static __inline__ __m128i imgpar_mm_madd_epi16(__m128i a, __m128i b) {
  return (__m128i)wasm_i32x4_dot_i16x8((v128_t)a, (v128_t)b);
}
#undef _mm_madd_epi16
#define _mm_madd_epi16(a, b) imgpar_mm_madd_epi16(a, b)

/* pshufb: a byte with its top bit set selects zero, otherwise its low four
 * bits select a byte of a. swizzle gives zero for any index >= 16, so keeping
 * bit 7 and bits 0-3 of each index gives the same result. */
static __inline__ __m128i imgpar_mm_shuffle_epi8(__m128i a, __m128i b) {
  v128_t idx = wasm_v128_and((v128_t)b, wasm_i8x16_splat((int8_t)0x8F));
  return (__m128i)wasm_i8x16_swizzle((v128_t)a, idx);
}
#undef _mm_shuffle_epi8
#define _mm_shuffle_epi8(a, b) imgpar_mm_shuffle_epi8(a, b)

/* pmovmskb: the top bit of each byte. */
static __inline__ int imgpar_mm_movemask_epi8(__m128i a) {
  return (int)wasm_i8x16_bitmask((v128_t)a);
}
#undef _mm_movemask_epi8
#define _mm_movemask_epi8(a) imgpar_mm_movemask_epi8(a)

/* psadbw: per 8-byte half, the sum of absolute byte differences, zero
 * extended to 64 bits. */
static __inline__ __m128i imgpar_mm_sad_epu8(__m128i a, __m128i b) {
  v128_t d = wasm_v128_or(wasm_u8x16_sub_sat((v128_t)a, (v128_t)b),
                          wasm_u8x16_sub_sat((v128_t)b, (v128_t)a));
  v128_t s = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(d));
  s = wasm_i32x4_add(s, wasm_u64x2_shr(s, 32));
  return (__m128i)wasm_v128_and(s, wasm_i64x2_splat(0xFFFFFFFF));
}
#undef _mm_sad_epu8
#define _mm_sad_epu8(a, b) imgpar_mm_sad_epu8(a, b)

/* pextrb: the byte zero-extended. SIMDe 0.7.4 returns it sign-extended (an
 * int8_t), and libwebp indexes histograms with it (lossless_enc_sse41.c):
 * bytes >= 128 would count below the array and the lossless files would
 * differ from native libwebp's. A macro: the lane must be a constant. */
#undef _mm_extract_epi8
#define _mm_extract_epi8(a, imm8) ((int)wasm_u8x16_extract_lane((v128_t)(a), (imm8)))

#endif /* IMGPAR_SIMDE_WASM_H_ */
