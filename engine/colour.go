package engine

import (
	"fmt"
	"image"

	"github.com/imgpar/imgpar/engine/imgfmt"
)

// Colour management, as sharp does it by default where the two differ only
// in what a format can hold:
//
//   - CMYK pixels (CMYK and YCCK JPEGs) with a CMYK profile are converted
//     to sRGB through it, at full size before the resize, which works on
//     RGB; the output is untagged sRGB, as sharp's. Without a usable
//     profile they keep the plain formula (closer to the source than
//     libvips' fallback profile).
//   - By default an RGB or grey input's profile is kept and its pixels are
//     left alone whenever the output format carries a profile (JPEG, PNG,
//     WebP, AVIF, TIFF), unless the profile is sRGB by colour
//     (imgfmt.SRGBEquivalent): then the output is untagged, as sharp's,
//     which every reader takes as sRGB, so the same pixels mean the same
//     colours and the 0.5-20 KB profile is saved. --keep-metadata keeps
//     even an sRGB profile byte for byte.
//   - When the profile will not reach the output (GIF, BMP, --strip), or
//     with --colorspace srgb, the pixels are converted to sRGB after the
//     resize (fewer pixels; a per-pixel transform commutes with geometry
//     up to the resampling being done in the source's encoding). The output
//     is untagged, except --colorspace srgb tags it with a compact sRGB
//     profile where the format carries one and --strip is not given.
//   - sRGB profiles (and profiles within one level of sRGB) are not
//     converted: the conversion would change nothing.
//   - A profile that cannot be read is ignored (the pixels are taken as
//     sRGB), as sharp ignores a broken embedded profile.

// ColorspaceSRGB is the one value ImageSpec.Colorspace takes besides "".
const ColorspaceSRGB = "srgb"

// CheckColorspace validates a --colorspace value.
func CheckColorspace(s string) error {
	if s != "" && s != ColorspaceSRGB {
		return fmt.Errorf("colorspace %q: want srgb (or nothing to keep the input's profile)", s)
	}
	return nil
}

// cmykToSRGB converts decoded CMYK pixels through a CMYK profile and
// returns the profile still to be honoured downstream: nil once it has
// been applied.
func cmykToSRGB(img image.Image, icc []byte) (image.Image, []byte) {
	if _, ok := img.(*image.CMYK); !ok {
		return img, icc
	}
	if imgfmt.ICCColorSpace(icc) != "CMYK" {
		return img, nil // no profile, or one that does not describe CMYK: plain formula
	}
	out, converted, err := imgfmt.ToSRGB(img, icc)
	if err != nil || !converted {
		return img, nil // plain formula later; a CMYK profile never goes on RGB output
	}
	return out, nil
}

// outputColour applies the output half of the policy above and returns
// the pixels and the profile to embed.
func outputColour(img image.Image, icc []byte, spec *ImageSpec) (image.Image, []byte, error) {
	if convertsToSRGB(icc, spec) {
		return srgbPixels(img, icc), srgbTag(spec), nil
	}
	if len(icc) == 0 {
		return img, srgbTag(spec), nil
	}
	if !spec.KeepMetadata && imgfmt.SRGBEquivalent(icc) {
		return img, nil, nil
	}
	return img, icc, nil
}

// convertsToSRGB reports whether outputColour converts pixels that carry
// profile icc to sRGB for spec. The converted pixels do not depend on the
// format, so a set converts each size once for all its formats that need it.
func convertsToSRGB(icc []byte, spec *ImageSpec) bool {
	return len(icc) > 0 && (spec.Colorspace == ColorspaceSRGB || spec.Strip || !spec.Format.CarriesICC())
}

// srgbPixels converts img from profile icc to sRGB; it may work in place.
func srgbPixels(img image.Image, icc []byte) image.Image {
	out, _, err := imgfmt.ToSRGB(img, icc)
	if err != nil {
		return img // unreadable profile: the pixels as they are, taken as sRGB
	}
	return out
}

// srgbTag is the profile an output in sRGB carries: the compact sRGB
// profile with --colorspace srgb where the format holds one, else none.
func srgbTag(spec *ImageSpec) []byte {
	if spec.Colorspace == ColorspaceSRGB && !spec.Strip && spec.Format.CarriesICC() {
		return imgfmt.SRGBProfile()
	}
	return nil
}
