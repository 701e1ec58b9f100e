package imgfmt

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"io"
	"sort"
	"sync"

	"github.com/imgpar/imgpar/engine/internal/icc"
)

// CarriesICC reports whether Encode embeds an ICC profile in format f:
// JPEG, PNG, WebP, AVIF and TIFF do; GIF and BMP cannot, so pixels meant
// for them must be converted to sRGB first.
func (f Format) CarriesICC() bool {
	switch f {
	case JPEG, PNG, WebP, AVIF, TIFF:
		return true
	}
	return false
}

// ToSRGB converts img from the colour space of the ICC profile to sRGB
// (perceptual intent, as sharp; see engine/internal/icc). A CMYK profile
// turns *image.CMYK (0 = no ink) into *image.RGBA, in place; RGB and grey
// profiles convert RGB and grey images, in place where the type allows.
// converted is false when nothing needed doing: the profile is sRGB or as
// good as, or it does not describe img's colour model (a CMYK profile with
// RGB pixels). A profile that cannot be read or is of a kind not supported
// is an error naming the problem, and img is returned unchanged.
func ToSRGB(img image.Image, profile []byte) (out image.Image, converted bool, err error) {
	t, err := transformFor(profile)
	if err != nil {
		return img, false, err
	}
	out, converted = t.Apply(img)
	return out, converted, nil
}

func transformFor(profile []byte) (*icc.Transform, error) {
	p, err := icc.Parse(profile)
	if err != nil {
		return nil, fmt.Errorf("colour profile: %w", err)
	}
	t, err := icc.NewTransform(p)
	if err != nil {
		return nil, fmt.Errorf("colour profile: %w", err)
	}
	return t, nil
}

// SRGBEquivalent reports whether an ICC profile describes sRGB by colour
// (icc.SRGBEquivalent: converting to sRGB moves no 8-bit colour by more
// than one level), so that an output tagged with it means what the same
// output untagged means. A profile that cannot be read, CMYK and every
// other kind icc cannot convert are not sRGB. The verdict costs about
// 3 ms and is remembered per distinct profile, so a worker pays it once
// per profile a batch carries.
func SRGBEquivalent(profile []byte) bool {
	if len(profile) == 0 {
		return false
	}
	key := sha256.Sum256(profile)
	srgbVerdicts.Lock()
	v, ok := srgbVerdicts.m[key]
	srgbVerdicts.Unlock()
	if ok {
		return v
	}
	p, err := icc.Parse(profile)
	v = err == nil && icc.SRGBEquivalent(p)
	srgbVerdicts.Lock()
	if len(srgbVerdicts.m) >= maxSRGBVerdicts {
		clear(srgbVerdicts.m) // a long-running serve seeing endless distinct profiles
	}
	srgbVerdicts.m[key] = v
	srgbVerdicts.Unlock()
	return v
}

// srgbVerdicts memoises SRGBEquivalent, a pure function of the profile's
// bytes, per process.
var srgbVerdicts = struct {
	sync.Mutex
	m map[[sha256.Size]byte]bool
}{m: map[[sha256.Size]byte]bool{}}

const maxSRGBVerdicts = 1024

// SRGBProfile is the compact ICC v4 sRGB profile imgpar embeds in output it
// converted to sRGB on request (--colorspace srgb). Do not modify it.
func SRGBProfile() []byte { return icc.SRGBProfile() }

// tagPhotometric is TIFF's PhotometricInterpretation (0, 1 grey; 2 RGB;
// 3 palette).
const tagPhotometric = 262

// encodeTIFFWithICC runs encode (a TIFF encoder writing one classic TIFF)
// into memory and writes the result with the profile added to its first
// IFD as tag 34675 (InterColorProfile), where ImageMagick, libvips, libtiff
// and Pillow read it. A profile that does not suit the written pixels (a
// CMYK profile on RGB, a grey one on colour) is left out, as for the other
// formats.
func encodeTIFFWithICC(w io.Writer, profile []byte, encode func(io.Writer) error) error {
	if len(profile) == 0 {
		return encode(w)
	}
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		return err
	}
	out, err := tiffAddICC(buf.Bytes(), profile)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// tiffAddICC appends the profile and a copy of IFD0 with the ICC tag added,
// and points the header at the new IFD; the old IFD's entries are copied as
// they are (their out-of-line values stay where they were), so it works for
// whatever tags the encoder wrote. The old IFD, a few hundred bytes, stays
// behind unreferenced.
func tiffAddICC(data, profile []byte) ([]byte, error) {
	if len(data) < 8 || (string(data[:4]) != "II*\x00" && string(data[:4]) != "MM\x00*") {
		return nil, fmt.Errorf("tiff: not a classic TIFF")
	}
	bo := tiffOrder(data)
	ifd := int64(bo.u32(data[4:]))
	if ifd < 8 || ifd+2 > int64(len(data)) {
		return nil, fmt.Errorf("tiff: IFD0 offset %d outside the file", ifd)
	}
	n := int64(bo.u16(data[ifd:]))
	if ifd+2+12*n+4 > int64(len(data)) || n > maxIFDEntries {
		return nil, fmt.Errorf("tiff: IFD0 of %d entries does not fit", n)
	}
	entries := make([][]byte, 0, n+1)
	grey := false
	for i := int64(0); i < n; i++ {
		e := data[ifd+2+12*i : ifd+2+12*i+12]
		switch bo.u16(e) {
		case tagICCProfile:
			continue // replaced
		case tagPhotometric:
			grey = bo.u16(e[8:]) <= 1
		}
		entries = append(entries, e)
	}
	if !iccFits(profile, grey) {
		return data, nil
	}
	next := data[ifd+2+12*n : ifd+2+12*n+4]
	out := make([]byte, len(data), len(data)+len(profile)+16+12*len(entries)+32)
	copy(out, data)
	for len(out)%2 != 0 {
		out = append(out, 0)
	}
	iccOff := len(out)
	out = append(out, profile...)
	for len(out)%2 != 0 {
		out = append(out, 0)
	}
	e := make([]byte, 12)
	bo.put16(e, tagICCProfile)
	bo.put16(e[2:], typeUndefined)
	bo.put32(e[4:], uint32(len(profile)))
	bo.put32(e[8:], uint32(iccOff))
	entries = append(entries, e)
	sort.SliceStable(entries, func(i, j int) bool { return bo.u16(entries[i]) < bo.u16(entries[j]) })
	newIFD := len(out)
	if int64(newIFD)+int64(2+12*len(entries)+4) > 1<<32-1 {
		return nil, fmt.Errorf("tiff: file too large for an ICC profile")
	}
	cnt := make([]byte, 2)
	bo.put16(cnt, uint16(len(entries)))
	out = append(out, cnt...)
	for _, e := range entries {
		out = append(out, e...)
	}
	out = append(out, next...)
	bo.put32(out[4:], uint32(newIFD))
	return out, nil
}
