// Package imgfmt knows image file formats: it recognises them (Sniff,
// FormatFromExt), reads their headers without decoding pixels (Probe: the
// dimensions and EXIF orientation, used to reject decompression bombs and to
// plan work and memory), reads and writes their metadata (EXIF orientation,
// EXIF payloads and ICC colour profiles), decodes them (DecodeMax) and encodes
// them (Encode), and it computes output geometry the way libvips and sharp do
// (ParseResize, ParseFit, Geometry.Plan).
//
// Supported formats:
//
//	format  read  write  alpha written  ICC written   EXIF written
//	jpeg    yes   yes    flattened      APP2 segments APP1 Exif
//	png     yes   yes    yes            iCCP chunk    eXIf chunk
//	gif     yes   yes    1-bit          no            no
//	bmp     yes   yes    flattened      no            no
//	tiff    yes   yes    yes            tag 34675     no
//	webp    yes   yes    yes            ICCP chunk    EXIF chunk
//	avif    yes   yes    yes            colr prof box no (dropped)
//	heic    yes   no (--format same writes JPEG: SameOutput)
//
// GIF, WebP and APNG input yield their first frame (sharp's default); TIFF
// its first image. Animated output is not produced. docs/formats.md has
// the full table of variants and refusals.
//
// WebP is decoded by golang.org/x/image/webp with libwebp's colour
// conversion (webpdec.go) and encoded by libwebp compiled to WebAssembly
// with its SSE2 code as WebAssembly SIMD (internal/webpwasm, built by its
// build.sh; run by webpenc.go, always: no system library is looked for); AVIF is decoded and encoded by
// github.com/gen2brain/avif, HEIC decoded by github.com/gen2brain/heic,
// libavif and libheif as WebAssembly under wazero when built with -tags
// nodynamic (as imgpar's release binaries are; without the tag they first
// try a system libavif.so). Compiling the modules costs CPU time once per
// process (about 0.5 s for WebP and 1-2 s for AVIF; the HEIC decoder,
// libheif with libde265, took 7 s on a busy 2-core machine), so a worker
// compiles its output format's encoder on its first file, and only when
// that format is WebP or AVIF; decoders are compiled on the first file
// that needs them. The WebP encoder's machine code is kept in a cache
// directory (wasmcache.go: os.UserCacheDir()/imgpar/wasm, or
// $IMGPAR_WASM_CACHE; "off" for none), so later processes load it in
// about 50 ms instead, and its module instances are reused across files.
// The modules are wired to the os.Stdout and os.Stderr values in force
// when they are initialised, so a worker that points os.Stdout elsewhere
// should do so before the first WebP or AVIF encode.
//
// No function in this package panics on hostile input: malformed files are
// reported as errors that name the format and the problem on one line.
package imgfmt
