// Package icc is imgpar's colour management: it parses ICC v2 and v4
// profiles (Parse), converts 8-bit grey, RGB and CMYK pixels to sRGB
// through them (NewTransform, Transform.Apply), and tells a profile that
// is sRGB by colour (SRGBEquivalent), in pure Go.
//
// What it reads: matrix/TRC RGB profiles (rXYZ/gXYZ/bXYZ with curv —
// identity, gamma or table — or para curves of function types 0 to 4), grey
// profiles (kTRC), and LUT-based profiles whose A2B0 tag is a lut8 (mft1),
// lut16 (mft2) or lutAtoB (mAB) with any of its B, matrix, M, CLUT and A
// stages and 8- or 16-bit CLUTs, to an XYZ or Lab PCS (v2 16-bit Lab
// encoding for lut16, v4 for mAB). The destination is always sRGB, computed
// analytically (lcms' built-in sRGB: Rec. 709 primaries Bradford-adapted to
// D50, the IEC 61966-2-1 curve), so no B2A/mBA tag of the source is needed.
// Floating-point D2Bx tags, named-colour, device-link and abstract profiles,
// and Lab/XYZ/n-colour data spaces are refused (ErrUnsupported).
//
// The intent is perceptual, sharp's choice (for matrix/TRC profiles it is
// relative colorimetric), with lcms' rules for black point compensation,
// which lcms forces for the perceptual intent towards its v4 sRGB: the source
// black point is the v4 perceptual black for v4 LUT profiles, else the
// darkest colorant made neutral (L* at most 50).
//
// Results are checked against lcms2 (Pillow's ImageCms) in
// TestAgainstLCMS, per profile kind.
package icc
