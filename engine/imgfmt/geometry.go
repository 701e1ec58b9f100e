package imgfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Fit says how an image is sized into a box of both a width and a height.
type Fit int

const (
	// FitInside scales to fit within the box, keeping the aspect ratio
	// (the default; sharp "inside", ImageMagick "800x600").
	FitInside Fit = iota
	// FitCover scales to cover the box, keeping the aspect ratio, then
	// crops the centre to the box (sharp "cover", ImageMagick "800x600^"
	// plus -extent). For thumbnails.
	FitCover
	// FitFill stretches to exactly the box, ignoring the aspect ratio
	// (sharp "fill", ImageMagick "800x600!").
	FitFill
)

// String returns the name ParseFit accepts.
func (f Fit) String() string {
	switch f {
	case FitInside:
		return "inside"
	case FitCover:
		return "cover"
	case FitFill:
		return "fill"
	}
	return fmt.Sprintf("Fit(%d)", int(f))
}

// ParseFit parses "inside", "cover" or "fill" (case-insensitive; "" is
// inside).
func ParseFit(s string) (Fit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "inside":
		return FitInside, nil
	case "cover":
		return FitCover, nil
	case "fill":
		return FitFill, nil
	}
	return 0, fmt.Errorf("invalid fit %q: want inside, cover or fill", s)
}

// MarshalText writes the fit's name, so that a Geometry crosses the
// worker protocol and the manifest readably.
func (f Fit) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads a name ParseFit accepts.
func (f *Fit) UnmarshalText(b []byte) error {
	v, err := ParseFit(string(b))
	*f = v
	return err
}

// MaxDimension bounds the width and height a geometry may ask for.
const MaxDimension = 1 << 16

// MaxPercent bounds a percentage geometry.
const MaxPercent = 10000

// Geometry is a requested output size, from --width/--height/--fit/
// --enlarge or from a --resize string; both spellings map onto it.
type Geometry struct {
	// Width and Height of the box; 0 leaves that side free (the aspect
	// ratio decides it). Both 0 and no Percent: no resize.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Percent scales both sides by Percent/100 instead of a box.
	Percent float64 `json:"percent,omitempty"`
	// Fit applies when both Width and Height are set; with one side only,
	// every fit behaves as FitInside.
	Fit Fit `json:"fit"`
	// Enlarge allows upscaling. Without it no side ever grows: an image
	// smaller than the box keeps its size (for FitFill, each side is
	// limited separately, as sharp's withoutEnlargement does).
	Enlarge bool `json:"enlarge,omitempty"`
	// OnlyShrink ("800x600>") leaves an image that already fits within the
	// box (or any image, for a percentage of 100 or more) untouched.
	OnlyShrink bool `json:"only_shrink,omitempty"`
}

// IsZero reports whether g asks for no resize at all.
func (g Geometry) IsZero() bool { return g.Width <= 0 && g.Height <= 0 && g.Percent <= 0 }

// Validate checks a geometry assembled from flags.
func (g Geometry) Validate() error {
	switch {
	case g.Width < 0 || g.Height < 0:
		return fmt.Errorf("invalid size %dx%d: width and height must not be negative", g.Width, g.Height)
	case g.Width > MaxDimension || g.Height > MaxDimension:
		return fmt.Errorf("invalid size %dx%d: at most %d pixels a side", g.Width, g.Height, MaxDimension)
	case math.IsNaN(g.Percent) || g.Percent < 0 || g.Percent > MaxPercent:
		return fmt.Errorf("invalid percentage %v: want more than 0 and at most %d", g.Percent, MaxPercent)
	case g.Percent > 0 && (g.Width > 0 || g.Height > 0):
		return fmt.Errorf("give either a percentage or a width/height, not both")
	case g.Fit < FitInside || g.Fit > FitFill:
		return fmt.Errorf("invalid fit %d", int(g.Fit))
	}
	return nil
}

// ParseResize parses a geometry in the syntax ImageMagick and vipsthumbnail
// users type:
//
//	800x      width 800, height from the aspect ratio
//	800       the same (ImageMagick's reading; vipsthumbnail's -s 800
//	          would mean an 800x800 box — write 800x800 for that)
//	x600      height 600
//	800x600   fit inside 800x600
//	800x600^  cover 800x600, then centre-crop to it
//	800x600!  fill: exactly 800x600, aspect ignored
//	50%       half the size
//	...>      suffix: only shrink images larger than the box ("800x600>",
//	          "800x600^>", "50%>")
//
// Flags may come in any order after the size. Anything else is rejected
// with an error saying what is wrong: zero or negative sizes, "^" or "!"
// without both sides, "^" with "!", "<" (only enlarge), offsets, areas.
// Enlarge is never set by ParseResize; it comes from --enlarge.
func ParseResize(s string) (Geometry, error) {
	var g Geometry
	fail := func(format string, a ...any) (Geometry, error) {
		return Geometry{}, fmt.Errorf("invalid geometry %q: %s", s, fmt.Sprintf(format, a...))
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fail("empty (want e.g. 800x600, 800x, x600, 800x600^, 800x600!, 50%%, 800x600>)")
	}
	var cover, fill bool
	for t != "" {
		c := t[len(t)-1]
		var seen *bool
		switch c {
		case '^':
			seen = &cover
		case '!':
			seen = &fill
		case '>':
			seen = &g.OnlyShrink
		case '<':
			return fail("'<' (only enlarge) is not supported; allow upscaling with the enlarge option instead")
		default:
			seen = nil
		}
		if seen == nil {
			break
		}
		if *seen {
			return fail("flag %q given twice", c)
		}
		*seen = true
		t = t[:len(t)-1]
	}
	if cover && fill {
		return fail("'^' (cover) and '!' (fill) exclude each other")
	}
	if strings.ContainsAny(t, "^!<>") {
		return fail("flags ^ ! > go after the size, as in 800x600^>")
	}
	if strings.Contains(t, "+") {
		return fail("offsets (+X+Y) are not supported")
	}
	if strings.ContainsAny(t, "@#") {
		return fail("area (@) and other ImageMagick forms are not supported")
	}
	if t == "" {
		return fail("no size before the flags")
	}
	if strings.HasSuffix(t, "%") {
		if cover || fill {
			return fail("'^' and '!' need a width and a height, not a percentage")
		}
		num := strings.TrimSuffix(t, "%")
		if strings.ContainsAny(num, "xX%") {
			return fail("only one percentage for both sides is supported (e.g. 50%%)")
		}
		p, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
			return fail("%q is not a number", num)
		}
		if p <= 0 || p > MaxPercent {
			return fail("percentage must be more than 0 and at most %d", MaxPercent)
		}
		g.Percent = p
		return g, nil
	}
	if strings.Contains(t, "%") {
		return fail("'%%' goes at the end, as in 50%%")
	}
	ws, hs, hasX := strings.Cut(strings.ToLower(t), "x")
	if hasX && strings.Contains(hs, "x") {
		return fail("more than one 'x'")
	}
	var err error
	if g.Width, err = parseSide(ws, "width"); err != nil {
		return fail("%v", err)
	}
	if g.Height, err = parseSide(hs, "height"); err != nil {
		return fail("%v", err)
	}
	if g.Width == 0 && g.Height == 0 {
		return fail("no width or height")
	}
	if (cover || fill) && (g.Width == 0 || g.Height == 0) {
		return fail("'^' and '!' need both a width and a height, e.g. 800x600^")
	}
	switch {
	case cover:
		g.Fit = FitCover
	case fill:
		g.Fit = FitFill
	}
	return g, nil
}

// parseSide parses one side of a WxH geometry; "" is 0 (free).
func parseSide(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s %q is not a whole number of pixels", name, s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxDimension {
		return 0, fmt.Errorf("%s %s is too large (at most %d)", name, s, MaxDimension)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s must be at least 1", name)
	}
	return n, nil
}

// Plan computes, for a source of srcW x srcH pixels as displayed (that is,
// after EXIF orientation: swap the stored sides for orientations 5..8, see
// Header.DisplaySize), the size rw x rh to resample to and the final output
// size ow x oh. They differ only for FitCover, where the resampled image is
// centre-cropped to the box (raster.CropCenter); otherwise ow, oh = rw, rh.
//
// The rounding is sharp's (libvips'): a shrink factor per axis is the
// source side over the target side; inside takes the larger of the two for
// both axes, cover the smaller; without Enlarge no factor goes below 1; no
// factor exceeds its source side (so no side becomes 0); and each output
// side is the source side times 1/factor rounded half up. So 5640x3172 to
// width 800 gives 800x450. A zero geometry, or OnlyShrink with a source
// already within the box, returns the source size. Sources with a
// non-positive side return it unchanged.
func (g Geometry) Plan(srcW, srcH int) (rw, rh, ow, oh int) {
	if srcW <= 0 || srcH <= 0 {
		return srcW, srcH, srcW, srcH
	}
	W, H := max(g.Width, 0), max(g.Height, 0)
	sw, sh := float64(srcW), float64(srcH)
	var hs, vs float64 // shrink factors
	fit := g.Fit
	switch {
	case g.Percent > 0 && !math.IsNaN(g.Percent) && !math.IsInf(g.Percent, 0):
		if g.OnlyShrink && g.Percent >= 100 {
			return srcW, srcH, srcW, srcH
		}
		hs = 100 / g.Percent
		vs = hs
		fit = FitInside
	case W == 0 && H == 0:
		return srcW, srcH, srcW, srcH
	default:
		if g.OnlyShrink && (W == 0 || srcW <= W) && (H == 0 || srcH <= H) {
			return srcW, srcH, srcW, srcH
		}
		switch {
		case W > 0 && H > 0:
			hs, vs = sw/float64(W), sh/float64(H)
			switch fit {
			case FitCover:
				hs = min(hs, vs)
				vs = hs
			case FitFill:
			default:
				hs = max(hs, vs)
				vs = hs
			}
		case W > 0:
			hs = sw / float64(W)
			vs = hs
			fit = FitInside
		default:
			vs = sh / float64(H)
			hs = vs
			fit = FitInside
		}
	}
	if !g.Enlarge {
		hs, vs = max(hs, 1), max(vs, 1)
	}
	hs, vs = min(hs, sw), min(vs, sh)
	rw, rh = roundSide(sw*(1/hs)), roundSide(sh*(1/vs))
	ow, oh = rw, rh
	if fit == FitCover && W > 0 && H > 0 && g.Percent <= 0 {
		ow, oh = min(rw, W), min(rh, H)
	}
	return rw, rh, ow, oh
}

// roundSide rounds half up, as libvips' VIPS_ROUND_UINT, and never returns
// less than 1.
func roundSide(x float64) int {
	return max(1, int(math.Floor(x+0.5)))
}
