// Package webpwasm holds libwebp compiled to WebAssembly, the WebP encoder
// imgfmt runs under wazero (imgfmt/webpenc.go). It is a fork: FORK.md says
// what changed from upstream and which tests prove it; in short:
//
//   - upstream: libwebp 1.2.4 as Debian bookworm ships it (source package
//     libwebp 1.2.4-0.2+deb12u1, with Debian's security patches), BSD-3-Clause
//     (LICENSE.libwebp, PATENTS.libwebp); the exported glue webp.c.txt is
//     gen2brain/webp v0.5.5's lib/webp.c plus a progress hook that calls
//     the host (imgpar.progress; MIT, LICENSE.gen2brain);
//     wasi-libc is linked in (LICENSE.wasi-libc).
//   - changed: libwebp's SSE2 and SSE4.1 code paths are compiled in,
//     their intrinsics translated to WebAssembly SIMD128 by SIMDe (MIT,
//     LICENSE.simde) plus simde_wasm.h, which replaces the seven intrinsics
//     SIMDe 0.7.4 only has as scalar loops and the one it gets wrong.
//     gen2brain/webp's module (libwebp 1.4.0) is plain C; libwebp's x86
//     code makes an encode about 1.7x faster (docs/benchmarks.md). The
//     high-half multiplies and zero-extending unpacks avoid i8x16.shuffle,
//     which wazero compiles poorly, and libwebp is linked with LTO and
//     built with bulk-memory and sign-ext (~5% together).
//   - proof: the encoder's output is byte-identical to Debian's native cwebp
//     1.2.4 (TestWebPEncoderMatchesCwebp, in imgfmt) and to gen2brain/webp's
//     1.4.0 module (TestWebPEncoderMatchesGen2brain).
//
// build.sh rebuilds webp.wasm.gz byte for byte from the Debian packages.
package webpwasm

import _ "embed"

// Gz is the gzip-compressed WebAssembly module. It exports malloc, free,
// decode and encode (see webp.c.txt).
//
//go:embed webp.wasm.gz
var Gz []byte

// SHA256 is the hex SHA-256 of Gz, as build.sh prints it.
const SHA256 = "f6715b5be24f021177d63f99de74962659b2d317e1a3d6ff9fdffe5bf88fae5c"

// LibwebpVersion is the libwebp release the module is built from.
const LibwebpVersion = "1.2.4"
