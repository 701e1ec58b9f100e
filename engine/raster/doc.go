// Package raster is imgpar's pixel core: JPEG decoding at reduced scale and a
// fast, high-quality resampler, plus the small geometric steps around them
// (centre crop, EXIF orientation, flattening alpha). It has no I/O and no
// goroutines; the caller runs one call per job on as many goroutines as it likes.
//
// # Shrink on load
//
// DecodeJPEG asks engine/internal/jpegn (a fork of github.com/gen2brain/jpegn v0.4.2) to decode at 1/2, 1/4 or 1/8 of the
// full size, scaling in the DCT domain (a reduced inverse DCT per block). That
// saves the inverse DCT, most of the memory and all of the resampling of the full
// image; the Huffman decoding, most of what is left, costs the same at any scale.
// ShrinkDenom picks the denominator by libvips' rule, always leaving at least a 2x
// reduction for the resampler. Only 8-bit baseline and progressive images with 1
// or 3 components go to jpegn; the rest (CMYK, extended sequential) and whatever
// jpegn rejects or panics on are decoded at full size by image/jpeg, and the
// resampler simply has more to do (12-bit, lossless and arithmetic-coded images
// are errors: neither decoder supports them). jpegn is lenient with damaged scan
// data (it may return a partial image without an error), so callers that must
// reject such files check the stream first. ResizeScaled maps the output onto
// the exact extent of the original image, since a scaled decode's last row and
// column are partial pixels. JPEGDecodeMemory tells from the frame header alone how
// much a decode will allocate (a progressive JPEG holds all its coefficients).
//
// # Planes
//
// A YCbCr image is resampled plane by plane: luma at its own resolution, each
// chroma plane at its own resolution, with chroma sample positions (JPEG's centred
// siting) mapped exactly, including for sub-images at odd offsets. There is no
// conversion to RGB and no full-size copy. The result is 4:4:4 whenever a 4:2:0
// result would hold less chroma detail than the source has (so for every real
// reduction: dropping that detail would cost several dB against an RGB reference,
// and the chroma planes are small at the output size); when enlarging, the source
// subsampling is kept (4:1:1 and 4:1:0 become 4:2:0). Gray
// stays Gray. Everything else is resampled as four 8-bit channels of RGBA
// premultiplied by alpha (as Pillow does), so that invisible colour does not bleed
// into edges, and returned as NRGBA; RGBA and opaque NRGBA rows are read in place,
// other types are converted a row at a time, never whole.
//
// # Fixed point
//
// Filter weights (Lanczos3, Catmull-Rom, linear, box, nearest; the same kernels as
// github.com/disintegration/imaging) are computed once per axis for every output
// sample, windows clamped to the image, and quantised to int16 with 14 fractional
// bits; each output's weights sum to exactly 1<<14, so flat areas stay exact. Each
// pass accumulates in int32 and rounds and clamps to 8 bits.
//
// # Order of work
//
// Both passes stream through a ring holding as many rows as the vertical filter
// has taps; there is no intermediate image. Usually the vertical pass runs first:
// for each output row it combines the source rows under the filter (read in
// place, or converted/box-shrunk into the ring) into one full-width row, which the
// horizontal pass then filters into the output, so most of the arithmetic is in
// one contiguous loop over bytes. When that would do more work, or when the
// window of full-width source rows would not stay in the L2 cache (a wide RGBA
// image shrunk a lot), the horizontal pass runs first, into the ring at the output
// width. On amd64 with AVX2 the passes run in assembly (kernels_amd64.s: pmaddwd
// on pairs of rows, and on 8 or 4 taps at a time along a row); other CPUs use the
// pure Go loops, which give bit-identical results.
//
// # Pre-shrink
//
// With the vector kernels a filter of up to 64 taps is cheap, so Lanczos3 works
// directly on the source up to a 10x reduction per axis (15x for Catmull-Rom);
// beyond that, and for every reduction of 4x or more on the pure Go path, the
// source is first averaged over integer k x k blocks: libvips' shrink + reduce,
// Pillow's reducing_gap. The box average is cheap (sums, no multiplies, streamed
// through the ring) and the final filter still sees at least twice the output
// resolution (on the Go path) or a few times it (on the vector path); against the
// float reference the box costs a few dB on the luma of detailed photos and stays
// far above the fidelity bar. Nearest and Box never pre-shrink. JPEGs rarely
// need it: the scaled decode leaves a 2x-4x reduction.
//
// # Fidelity
//
// PSNR measures outputs against a reference; the tests hold every filter and
// ratio to the float resampler of imaging on full-size image/jpeg decodes, and the
// whole fast path (scaled decode + resize) to at least 35 dB on every photo with
// a median of at least 42 dB.
package raster
