// Package tiff decodes TIFF and BigTIFF images and encodes TIFF. It is a
// fork of golang.org/x/image/tiff at v0.48.0 (BSD-3-Clause, see LICENSE),
// made because that decoder refuses much of what photo libraries hold and
// gets one case wrong; imgpar's engine/imgfmt is its only user.
//
// What changed in the decoder, and why (issue 12 of imgpar):
//   - BigTIFF (magic 43, 64-bit offsets): read.
//   - JPEG compression: new style (7, TIFF Technical Note 2) with the
//     JPEGTables tag spliced in front of each strip or tile, photometric
//     YCbCr (any sampling the JPEG stream declares), RGB, grey and CMYK;
//     old style (6) when the file gives the whole JPEG stream, at
//     JPEGInterchangeFormat or as its contiguous strips (files that only
//     describe it by table tags are refused). Streams are decoded by image/jpeg.
//   - CMYK (photometric 5, 8 and 16 bits): returned as *image.CMYK so that
//     the caller can apply the file's ICC profile; with alpha, converted
//     with the plain formula.
//   - YCbCr (photometric 6) uncompressed, LZW, Deflate or PackBits with
//     subsampling 1x1, 2x1, 2x2, 1x2, 4x1 and 4x2: returned as
//     *image.YCbCr; a non-default ReferenceBlackWhite is applied as
//     libtiff does; coefficients other than BT.601's are refused.
//   - PlanarConfiguration 2 (separate planes) for 8, 16, 32 and 64-bit
//     samples.
//   - Floating-point samples (SampleFormat 3, 32 and 64 bits, predictor 3
//     too) read as 0..1, clamped, like libvips; 32-bit unsigned integers;
//     2- and 4-bit grey; grey with alpha; unspecified extra samples read
//     as alpha (as libvips and ImageMagick do).
//   - CCITT G3/G4: a code's white run is a 0 bit whatever the photometric
//     interpretation, as in libtiff; upstream inverted min-is-black faxes.
//   - Refusals name the feature and value ("tiff: compression 34712 (JPEG
//     2000) is not supported"); Decode takes the file's bytes.
//
// The encoder writes opaque RGBA/NRGBA (8 and 16 bits) as 3-sample RGB
// instead of always adding an alpha channel.
//
// The conformance tests in engine/imgfmt (TestTIFFConformance*) compare
// every variant with libtiff's, ImageMagick's or Pillow's decode by PSNR.
package tiff
