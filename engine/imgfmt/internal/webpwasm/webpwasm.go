// Package webpwasm holds libwebp 1.4.0 compiled to WebAssembly (with
// -msimd128), exactly as github.com/gen2brain/webp v0.5.5 ships it in
// lib/webp.wasm.gz (sha256 bbcf6834...; webp.c.txt is the glue (webp.c) it was built
// from, LICENSE.libwebp and LICENSE.gen2brain their licences).
//
// imgfmt runs it itself rather than through gen2brain/webp's Encode so that
// it can keep the compiled module in an on-disk cache and reuse module
// instances across encodes (imgfmt/webpenc.go); the bytes are the same, and
// imgfmt's tests prove the output byte-identical to gen2brain/webp's.
package webpwasm

import _ "embed"

// Gz is the gzip-compressed WebAssembly module. It exports malloc, free,
// decode and encode (see webp.c.txt).
//
//go:embed webp.wasm.gz
var Gz []byte

// SHA256 is the hex SHA-256 of Gz, as in gen2brain/webp v0.5.5.
const SHA256 = "bbcf68343d79d80ba4ce7bb29215b2943711bd0787f68ff31785c6e2bb044459"
