package engine

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// Image defaults, shared by every front end.
const (
	DefaultWidth      = 800
	DefaultFit        = "inside"
	DefaultFilter     = "lanczos"
	DefaultBackground = "white"
	// DefaultPNGLevel is the PNG encoder's own default level.
	DefaultPNGLevel = -1
)

// OutputRevision counts changes in what imgpar writes for unchanged
// options: raise it whenever a decoder, the colour management or an
// encoder changes output bytes for a spec that stays the same, so that an
// incremental re-run over an older imgpar's outputs redoes them instead of
// calling them up to date (the manifest's spec hash covers it, Job.SpecKey).
//
//	1  until the colour management, libwebp's WebP colour conversion and
//	   the BMP/TIFF/GIF decoder fixes of issue #12 (the spec alone)
//	2  those, plus HEIC alpha and the BigTIFF ICC profile
//	3  an input profile that is sRGB by colour is no longer embedded
//	4  JPEGs shrunk 4-8x on load: jpegn's 1/2-scale IDCT computes the
//	   transform instead of an approximation up to 19 levels off; and
//	   YCbCr to RGB with libjpeg's rounding (engine/internal/ycc), not
//	   Go's, which is up to half a level off (every non-JPEG output of a
//	   JPEG); lossy WebP of YCbCr pixels encoded from the planes
//	5  JPEG: rate-distortion rounding of luma by default (jpegenc,
//	   rdo.go): 3-4% smaller files, PSNR not lower
const OutputRevision = 5

// ImageOptions are image settings as a front end receives them: the flags
// of `imgpar process`, the query parameters of `imgpar serve`. A nil
// pointer or an empty string is "not given". NewImageSpec turns them into
// an ImageSpec: the one place where defaults are applied and values are
// checked.
type ImageOptions struct {
	Width, Height *int
	// Resize is a geometry string ("800x600^", "50%"); it is the size, so
	// it cannot come with Width or Height, and its fit wins over Fit. A
	// comma-separated list ("320x,640x") makes a set: one rendition each.
	Resize string
	Fit    string
	// Enlarge allows upscaling.
	Enlarge bool
	Filter  string
	// Format is the output format's name in any spelling LookupFormat
	// knows; "" or "same" keeps each input's own format. A comma-separated
	// list ("webp,jpeg") makes a set: one rendition per format.
	Format string
	// Quality, 1-100; nil gives each output format its own default (as
	// sharp: 80 for JPEG and WebP, 50 for AVIF).
	Quality     *int
	Lossless    bool
	Progressive bool // progressive JPEG (same pixels as baseline)
	// Trellis: JPEG quantised by bits and error (smaller file, PSNR not
	// lower, 3-4 times the encode time; imgfmt.EncodeOptions.Trellis).
	Trellis      bool
	PNGLevel     *int // 0-9, or -1 for the encoder's default
	Background   string
	NoRotate     bool
	Strip        bool
	KeepMetadata bool
	// MaxPixels refuses inputs whose header declares more pixels; 0 is no
	// limit; nil is imgfmt.DefaultMaxPixels.
	MaxPixels *int64
	// Colorspace "srgb" converts colour-managed input to sRGB and tags it;
	// "" keeps the input's profile where the output can carry it, unless
	// the profile is sRGB (left out; KeepMetadata keeps it too).
	Colorspace string
	// Widths and Heights make a set (responsive images): one rendition per
	// value, each fitted as Width (or Height) alone would be, with Height
	// (or Width), if given, as the other side of the box.
	Widths, Heights []int
}

// ImageSpec says how to turn one image into another: every value parsed
// and checked (by NewImageSpec), so that a worker only reads it. It crosses
// the worker protocol as JSON and keys the incremental manifest.
type ImageSpec struct {
	Geometry imgfmt.Geometry `json:"geometry"`
	Filter   raster.Filter   `json:"filter"`
	// Format is the output format. It is empty only in the template a
	// plan starts from ("the input's own", --format same); ForInput
	// resolves it, and every job carries a concrete format.
	Format imgfmt.Format `json:"format,omitempty"`
	// Quality is 1-100, or 0 for the output format's own default.
	Quality      int         `json:"quality,omitempty"`
	Lossless     bool        `json:"lossless,omitempty"`
	Progressive  bool        `json:"progressive,omitempty"`
	Trellis      bool        `json:"trellis,omitempty"`
	PNGLevel     int         `json:"png_level"`
	Background   color.NRGBA `json:"background"`
	NoRotate     bool        `json:"no_rotate,omitempty"`
	Strip        bool        `json:"strip,omitempty"`
	KeepMetadata bool        `json:"keep_metadata,omitempty"`
	MaxPixels    int64       `json:"max_pixels,omitempty"`
	// Colorspace is "" or ColorspaceSRGB (engine/colour.go).
	Colorspace string `json:"colorspace,omitempty"`
	// Sizes and Formats, when Sizes is set, make the spec a set: one
	// rendition per size and format, all from one decode (sets.go).
	// Geometry and Format then hold the first of each; Rendition gives a
	// rendition's own spec, which is a plain one (its JSON, and so its
	// manifest key, is that of a run asking for that size and format).
	// A format "" in Formats is the input's own until ForInput.
	Sizes   []imgfmt.Geometry `json:"sizes,omitempty"`
	Formats []imgfmt.Format   `json:"formats,omitempty"`
}

// IsSet reports whether the spec asks for a set of renditions (a list of
// sizes or formats) rather than one output.
func (s *ImageSpec) IsSet() bool { return len(s.Sizes) > 0 }

// Rendition is the plain spec of one rendition of a set: s's settings with
// geometry g and format f.
func (s ImageSpec) Rendition(g imgfmt.Geometry, f imgfmt.Format) ImageSpec {
	s.Geometry, s.Format, s.Sizes, s.Formats = g, f, nil, nil
	return s
}

// OptionError is a setting that is not valid (a usage error). Its message
// names the option as the engine knows it ("quality"); front ends word it
// with their own spelling (--quality, quality=) from the fields.
type OptionError struct {
	Option string // "width", "quality", "png-level", "name", "shard", ... (the process flag's name)
	Value  string // the value as given: numbers bare, text quoted
	Reason string // what is wrong, or what is wanted
	// With, when set, names a second option that cannot be given together
	// with Option (Value and Reason are then empty).
	With string
}

func (e *OptionError) Error() string {
	if e.With != "" {
		return fmt.Sprintf("%s and %s cannot be given together", e.Option, e.With)
	}
	return fmt.Sprintf("%s %s: %s", e.Option, e.Value, e.Reason)
}

// Unwrap makes it a usage error.
func (e *OptionError) Unwrap() error { return ErrUsage }

func optErr(option string, value any, reason string) error {
	v := fmt.Sprint(value)
	if s, ok := value.(string); ok {
		v = strconv.Quote(s)
	}
	return &OptionError{Option: option, Value: v, Reason: reason}
}

// NewImageSpec applies the defaults to o and checks every value once.
// Errors are *OptionError.
func NewImageSpec(o ImageOptions) (ImageSpec, error) {
	s := ImageSpec{
		Lossless:     o.Lossless,
		Progressive:  o.Progressive,
		Trellis:      o.Trellis,
		NoRotate:     o.NoRotate,
		Strip:        o.Strip,
		KeepMetadata: o.KeepMetadata,
		PNGLevel:     DefaultPNGLevel,
		MaxPixels:    imgfmt.DefaultMaxPixels,
	}
	sizes, set, err := geometriesOf(o)
	if err != nil {
		return s, err
	}
	s.Geometry = sizes[0]

	filter, err := raster.ParseFilter(orDefault(o.Filter, DefaultFilter))
	if err != nil {
		return s, optErr("filter", o.Filter, "want lanczos, catmullrom, linear, box or nearest")
	}
	s.Filter = filter

	formats, err := formatsOf(o.Format)
	if err != nil {
		return s, err
	}
	s.Format = formats[0]
	if set || len(formats) > 1 {
		s.Sizes, s.Formats = sizes, formats
	}
	if o.Quality != nil {
		if q := *o.Quality; q < 1 || q > 100 {
			return s, optErr("quality", q, "must be 1-100")
		}
		s.Quality = *o.Quality
	}
	if o.PNGLevel != nil {
		if l := *o.PNGLevel; l < -1 || l > 9 {
			return s, optErr("png-level", l, "must be 0-9, or -1 for the default")
		}
		s.PNGLevel = *o.PNGLevel
	}
	bg, err := parseColor(orDefault(o.Background, DefaultBackground))
	if err != nil {
		return s, optErr("background", o.Background, "want a colour name (white, black, grey, red, green, blue) or #rrggbb")
	}
	s.Background = bg
	if o.MaxPixels != nil {
		if *o.MaxPixels < 0 {
			return s, optErr("max-pixels", *o.MaxPixels, "must not be negative (0: no limit)")
		}
		s.MaxPixels = *o.MaxPixels
	}
	s.Colorspace = strings.ToLower(o.Colorspace)
	if CheckColorspace(s.Colorspace) != nil {
		return s, optErr("colorspace", o.Colorspace, "want srgb (or leave it out to keep the input's profile)")
	}
	return s, nil
}

// formatChoices lists the values a format option takes, for messages.
const formatChoices = "same, jpeg, png, gif, bmp, tiff, webp or avif"

// formatsOf parses a format or a comma-separated list of them; "" and
// "same" are the input's own format ("").
func formatsOf(list string) ([]imgfmt.Format, error) {
	var out []imgfmt.Format
	for _, v := range strings.Split(list, ",") {
		var f imgfmt.Format
		if strings.TrimSpace(v) == "" && strings.Contains(list, ",") {
			return nil, optErr("format", list, "an empty item in the list")
		}
		if v != "" && !strings.EqualFold(strings.TrimSpace(v), "same") {
			var err error
			if f, err = imgfmt.ParseFormat(v); err != nil {
				reason := "want " + formatChoices
				if named, ok := imgfmt.LookupFormat(v); ok {
					reason = fmt.Sprintf("%s is read but not written; want %s", strings.ToUpper(string(named)), formatChoices)
				}
				return nil, optErr("format", v, reason)
			}
		}
		if slices.Contains(out, f) {
			return nil, optErr("format", list, fmt.Sprintf("%s given twice", orDefault(string(f), "same")))
		}
		out = append(out, f)
	}
	return out, nil
}

// geometriesOf returns the size, or the sizes of a set (set is true for
// --widths, --heights and a list of --resize geometries, even of one).
func geometriesOf(o ImageOptions) (sizes []imgfmt.Geometry, set bool, err error) {
	one := func(o ImageOptions, option string) error {
		g, err := geometryOf(o)
		if err != nil {
			var oe *OptionError
			if errors.As(err, &oe) && oe.With == "" {
				oe.Option = option
			}
			return err
		}
		if slices.Contains(sizes, g) {
			return optErr(option, "", "a size given twice")
		}
		sizes = append(sizes, g)
		return nil
	}
	switch {
	case o.Widths != nil && o.Heights != nil:
		return nil, false, &OptionError{Option: "widths", Value: "and --heights", Reason: "give one list (boxes: a list in --resize, 320x200,640x400)"}
	case o.Widths != nil || o.Heights != nil:
		list, option := o.Widths, "widths"
		if o.Heights != nil {
			list, option = o.Heights, "heights"
		}
		switch {
		case o.Resize != "":
			return nil, false, &OptionError{Option: "resize", With: option}
		case len(list) == 0:
			return nil, false, optErr(option, "", "want a list of sizes such as 320,640,1280")
		case o.Widths != nil && o.Width != nil:
			return nil, false, &OptionError{Option: "width", With: "widths"}
		case o.Heights != nil && o.Height != nil:
			return nil, false, &OptionError{Option: "height", With: "heights"}
		}
		for _, v := range list {
			if v <= 0 {
				return nil, false, optErr(option, v, fmt.Sprintf("want 1 to %d pixels", imgfmt.MaxDimension))
			}
			oo := o
			oo.Widths, oo.Heights = nil, nil
			if option == "widths" {
				oo.Width = &v
			} else {
				oo.Height = &v
				if oo.Width == nil {
					oo.Width = new(int) // the height alone decides, not the default width
				}
			}
			if err := one(oo, option); err != nil {
				return nil, false, err
			}
		}
		return sizes, true, nil
	case strings.Contains(o.Resize, ","):
		for _, r := range strings.Split(o.Resize, ",") {
			if strings.TrimSpace(r) == "" {
				return nil, false, optErr("resize", o.Resize, "an empty item in the list")
			}
			oo := o
			oo.Resize = strings.TrimSpace(r)
			if err := one(oo, "resize"); err != nil {
				return nil, false, err
			}
		}
		return sizes, true, nil
	}
	g, err := geometryOf(o)
	return []imgfmt.Geometry{g}, false, err
}

func geometryOf(o ImageOptions) (imgfmt.Geometry, error) {
	if o.Resize != "" {
		if o.Width != nil || o.Height != nil {
			return imgfmt.Geometry{}, &OptionError{Option: "resize", With: "width/height"}
		}
		g, err := imgfmt.ParseResize(o.Resize)
		if err != nil {
			return g, optErr("resize", o.Resize, err.Error())
		}
		g.Enlarge = g.Enlarge || o.Enlarge
		return g, nil
	}
	g := imgfmt.Geometry{Width: DefaultWidth, Enlarge: o.Enlarge}
	side := func(name string, p *int, dst *int) error {
		if p == nil {
			return nil
		}
		if *p < 0 || *p > imgfmt.MaxDimension {
			return optErr(name, *p, fmt.Sprintf("want 0 (free) to %d pixels", imgfmt.MaxDimension))
		}
		*dst = *p
		return nil
	}
	if err := side("width", o.Width, &g.Width); err != nil {
		return g, err
	}
	if err := side("height", o.Height, &g.Height); err != nil {
		return g, err
	}
	fit, err := imgfmt.ParseFit(o.Fit)
	if err != nil {
		return g, optErr("fit", o.Fit, "want inside, cover or fill")
	}
	g.Fit = fit
	return g, g.Validate()
}

// ForInput returns the spec for one input of format in: the template's
// format, or for "the input's own" the format written for in.
func (s ImageSpec) ForInput(in imgfmt.Format) ImageSpec {
	if s.Format == "" {
		s.Format = sameFormat(in)
	}
	if s.Formats != nil {
		fs := make([]imgfmt.Format, len(s.Formats))
		for i, f := range s.Formats {
			if fs[i] = f; f == "" {
				fs[i] = sameFormat(in)
			}
		}
		s.Formats = fs
	}
	return s
}

// encodeOptions are the encoder's settings for this spec and the metadata
// carried over from the input.
func (s *ImageSpec) encodeOptions(meta ImageMeta) imgfmt.EncodeOptions {
	o := imgfmt.DefaultEncodeOptions(s.Format)
	o.Quality = s.Quality
	o.Lossless = s.Lossless
	o.Progressive = s.Progressive
	o.Trellis = s.Trellis
	o.PNGLevel = s.PNGLevel
	o.Background = s.Background
	o.ICC = meta.ICC
	o.EXIF = meta.EXIF
	return o
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

// parseColor reads a background colour: a name (white, black, grey, red,
// green, blue) or #rgb / #rrggbb / #rrggbbaa in hex.
func parseColor(s string) (color.NRGBA, error) {
	names := map[string]color.NRGBA{
		"white": {255, 255, 255, 255}, "black": {0, 0, 0, 255}, "gray": {128, 128, 128, 255},
		"grey": {128, 128, 128, 255}, "red": {255, 0, 0, 255}, "green": {0, 128, 0, 255}, "blue": {0, 0, 255, 255},
	}
	if c, ok := names[strings.ToLower(s)]; ok {
		return c, nil
	}
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) == 6 {
		h += "ff"
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 8 || err != nil {
		return color.NRGBA{}, fmt.Errorf("background %q: want a colour name or #rrggbb", s)
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}
