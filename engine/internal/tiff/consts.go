// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package tiff

// A TIFF file holds one or more images, each described by an Image File
// Directory (IFD) of entries: a tag, a data type, a count and the value
// itself or, if it does not fit in 4 bytes (8 in BigTIFF), its offset.

const (
	leHeader = "II\x2A\x00" // Header for little-endian files.
	beHeader = "MM\x00\x2A" // Header for big-endian files.

	ifdLen = 12 // Length of a classic IFD entry in bytes (BigTIFF: 20).
)

// Data types (p. 14-16 of the spec; 16-18 from BigTIFF).
const (
	dtByte      = 1
	dtASCII     = 2
	dtShort     = 3
	dtLong      = 4
	dtRational  = 5
	dtSByte     = 6
	dtUndefined = 7
	dtSShort    = 8
	dtSLong     = 9
	dtSRational = 10
	dtFloat     = 11
	dtDouble    = 12
	dtIFD       = 13
	dtLong8     = 16
	dtSLong8    = 17
	dtIFD8      = 18
)

// The length of one instance of each data type in bytes.
var lengths = [...]uint32{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8}

// Tags (see p. 28-41 of the spec).
const (
	tImageWidth                = 256
	tImageLength               = 257
	tBitsPerSample             = 258
	tCompression               = 259
	tPhotometricInterpretation = 262

	tFillOrder = 266

	tStripOffsets    = 273
	tSamplesPerPixel = 277
	tRowsPerStrip    = 278
	tStripByteCounts = 279

	tPlanarConfiguration = 284

	tT4Options = 292 // CCITT Group 3 options, a set of 32 flag bits.
	tT6Options = 293 // CCITT Group 4 options, a set of 32 flag bits.

	tTileWidth      = 322
	tTileLength     = 323
	tTileOffsets    = 324
	tTileByteCounts = 325

	tXResolution    = 282
	tYResolution    = 283
	tResolutionUnit = 296

	tPredictor    = 317
	tColorMap     = 320
	tInkSet       = 332
	tExtraSamples = 338
	tSampleFormat = 339

	tJPEGTables = 347

	tJPEGInterchangeFormat       = 513
	tJPEGInterchangeFormatLength = 514

	tYCbCrCoefficients   = 529
	tYCbCrSubSampling    = 530
	tReferenceBlackWhite = 532
)

// Compression types (defined in various places in the spec and supplements).
const (
	cNone       = 1
	cCCITT      = 2
	cG3         = 3 // Group 3 Fax.
	cG4         = 4 // Group 4 Fax.
	cLZW        = 5
	cJPEGOld    = 6 // Superseded by cJPEG.
	cJPEG       = 7
	cDeflate    = 8 // zlib compression.
	cPackBits   = 32773
	cDeflateOld = 32946 // Superseded by cDeflate.
)

// compressionNames names the compression schemes met in the wild that
// this package does not decode, for refusals that say what the file is.
var compressionNames = map[uint64]string{
	cCCITT: "CCITT modified Huffman RLE",
	32766:  "NeXT 2-bit RLE",
	32771:  "CCITT RLE with word alignment",
	32809:  "ThunderScan RLE",
	32895:  "IT8 CT with padding",
	32896:  "IT8 linework RLE",
	32897:  "IT8 monochrome picture",
	32898:  "IT8 binary line art",
	32908:  "Pixar film",
	32909:  "Pixar log",
	32947:  "Kodak DCS",
	34661:  "JBIG",
	34676:  "SGI LogLuv RLE",
	34677:  "SGI LogLuv 24-bit",
	34712:  "JPEG 2000",
	34713:  "Nikon NEF",
	34887:  "LERC",
	34892:  "lossy JPEG (DNG)",
	34925:  "LZMA",
	34926:  "Zstandard (old code)",
	34927:  "WebP (old code)",
	34933:  "PNG",
	34934:  "JPEG XR",
	50000:  "Zstandard",
	50001:  "WebP",
	50002:  "JPEG XL (old code)",
	52546:  "JPEG XL",
}

// Photometric interpretation values (see p. 37 of the spec).
const (
	pWhiteIsZero = 0
	pBlackIsZero = 1
	pRGB         = 2
	pPaletted    = 3
	pTransMask   = 4 // transparency mask
	pCMYK        = 5
	pYCbCr       = 6
	pCIELab      = 8
)

var photometricNames = map[uint64]string{
	pTransMask: "transparency mask",
	pCIELab:    "CIE L*a*b*",
	9:          "ICC L*a*b*",
	10:         "ITU L*a*b*",
	32803:      "colour filter array (raw sensor data)",
	32844:      "LogL",
	32845:      "LogLuv",
	34892:      "linear raw",
}

// Values for the tPredictor tag (page 64-65 of the spec; 3 from Adobe's
// technical note 3).
const (
	prNone          = 1
	prHorizontal    = 2
	prFloatingPoint = 3
)

// Values for the tSampleFormat tag.
const (
	sfUint  = 1
	sfInt   = 2
	sfFloat = 3
)

// Values for the tResolutionUnit tag (page 18).
const (
	resNone    = 1
	resPerInch = 2 // Dots per inch.
	resPerCM   = 3 // Dots per centimeter.
)

// imageMode represents the mode of the image.
type imageMode int

const (
	mPaletted imageMode = iota
	mGray
	mGrayInvert
	mRGB
	mCMYK
	mYCbCr
)

// CompressionType describes the type of compression used in Options.
type CompressionType int

// Constants for supported compression types.
const (
	Uncompressed CompressionType = iota
	Deflate
	LZW
	CCITTGroup3
	CCITTGroup4
)

// specValue returns the compression type constant from the TIFF spec that
// is equivalent to c.
func (c CompressionType) specValue() uint32 {
	switch c {
	case LZW:
		return cLZW
	case Deflate:
		return cDeflate
	case CCITTGroup3:
		return cG3
	case CCITTGroup4:
		return cG4
	}
	return cNone
}
