package engine

import (
	"encoding/json"
	"errors"
	"image/color"
	"reflect"
	"strings"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// No options at all: the defaults both front ends share.
func TestNewImageSpecDefaults(t *testing.T) {
	got, err := NewImageSpec(ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := ImageSpec{
		Geometry:   imgfmt.Geometry{Width: 800, Fit: imgfmt.FitInside},
		Filter:     raster.Lanczos,
		Format:     "", // the input's own
		Quality:    0,  // each format's own default
		PNGLevel:   -1,
		Background: color.NRGBA{255, 255, 255, 255},
		MaxPixels:  imgfmt.DefaultMaxPixels,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestNewImageSpecValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  ImageOptions
		check func(s ImageSpec) bool
	}{
		{"width 0 is free", ImageOptions{Width: new(0), Height: new(300)}, func(s ImageSpec) bool {
			return s.Geometry.Width == 0 && s.Geometry.Height == 300
		}},
		{"cover", ImageOptions{Width: new(10), Height: new(10), Fit: "COVER"}, func(s ImageSpec) bool { return s.Geometry.Fit == imgfmt.FitCover }},
		{"resize replaces the default width", ImageOptions{Resize: "x600"}, func(s ImageSpec) bool {
			return s.Geometry.Width == 0 && s.Geometry.Height == 600
		}},
		{"resize fit wins", ImageOptions{Resize: "100x100!", Fit: "inside"}, func(s ImageSpec) bool { return s.Geometry.Fit == imgfmt.FitFill }},
		{"resize keeps enlarge", ImageOptions{Resize: "50%", Enlarge: true}, func(s ImageSpec) bool {
			return s.Geometry.Percent == 50 && s.Geometry.Enlarge
		}},
		{"filter", ImageOptions{Filter: "Box"}, func(s ImageSpec) bool { return s.Filter == raster.Box }},
		{"quality", ImageOptions{Quality: new(1)}, func(s ImageSpec) bool { return s.Quality == 1 }},
		{"png level 0 is stored", ImageOptions{PNGLevel: new(0)}, func(s ImageSpec) bool { return s.PNGLevel == 0 }},
		{"background", ImageOptions{Background: "#f00"}, func(s ImageSpec) bool { return s.Background == color.NRGBA{255, 0, 0, 255} }},
		{"no pixel limit", ImageOptions{MaxPixels: new(int64(0))}, func(s ImageSpec) bool { return s.MaxPixels == 0 }},
		{"same", ImageOptions{Format: "Same"}, func(s ImageSpec) bool { return s.Format == "" }},
	} {
		s, err := NewImageSpec(tc.opts)
		if err != nil || !tc.check(s) {
			t.Errorf("%s: %+v, %v", tc.name, s, err)
		}
	}
}

// Every spelling of every output format, case-insensitive.
func TestNewImageSpecFormatAliases(t *testing.T) {
	for in, want := range map[string]imgfmt.Format{
		"jpg": imgfmt.JPEG, "jpeg": imgfmt.JPEG, "jpe": imgfmt.JPEG, "JPEG": imgfmt.JPEG, "Jpg": imgfmt.JPEG, " jpeg ": imgfmt.JPEG,
		"png": imgfmt.PNG, "PNG": imgfmt.PNG,
		"gif": imgfmt.GIF, "GIF": imgfmt.GIF,
		"bmp": imgfmt.BMP, "BMP": imgfmt.BMP,
		"tif": imgfmt.TIFF, "tiff": imgfmt.TIFF, "TIFF": imgfmt.TIFF, "TIF": imgfmt.TIFF,
		"webp": imgfmt.WebP, "WebP": imgfmt.WebP,
		"avif": imgfmt.AVIF, "AVIF": imgfmt.AVIF,
	} {
		s, err := NewImageSpec(ImageOptions{Format: in})
		if err != nil || s.Format != want {
			t.Errorf("format %q: %q, %v; want %q", in, s.Format, err, want)
		}
	}
}

// Each invalid value is refused with an *OptionError naming its option.
func TestNewImageSpecInvalid(t *testing.T) {
	for _, tc := range []struct {
		opts   ImageOptions
		option string
	}{
		{ImageOptions{Width: new(-1)}, "width"},
		{ImageOptions{Width: new(imgfmt.MaxDimension + 1)}, "width"},
		{ImageOptions{Height: new(-5)}, "height"},
		{ImageOptions{Height: new(imgfmt.MaxDimension + 1)}, "height"},
		{ImageOptions{Fit: "stretch"}, "fit"},
		{ImageOptions{Resize: "0x0"}, "resize"},
		{ImageOptions{Resize: "800x600+10+10"}, "resize"},
		{ImageOptions{Resize: "50%", Width: new(100)}, "resize"},
		{ImageOptions{Resize: "50%", Height: new(100)}, "resize"},
		{ImageOptions{Filter: "bicubic"}, "filter"},
		{ImageOptions{Format: "jpeg2000"}, "format"},
		{ImageOptions{Format: "jpg."}, "format"},
		{ImageOptions{Quality: new(0)}, "quality"},
		{ImageOptions{Quality: new(101)}, "quality"},
		{ImageOptions{Quality: new(-80)}, "quality"},
		{ImageOptions{PNGLevel: new(10)}, "png-level"},
		{ImageOptions{PNGLevel: new(-2)}, "png-level"},
		{ImageOptions{Background: "mauve"}, "background"},
		{ImageOptions{Background: "#12345"}, "background"},
		{ImageOptions{MaxPixels: new(int64(-1))}, "max-pixels"},
	} {
		_, err := NewImageSpec(tc.opts)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Option != tc.option {
			t.Errorf("%+v: error %v, want an OptionError for %s", tc.opts, err, tc.option)
			continue
		}
		// The engine names options, never a front end's spelling of them.
		if msg := err.Error(); strings.Contains(msg, "--") || strings.Contains(msg, "=") {
			t.Errorf("%+v: message %q names a flag or parameter", tc.opts, msg)
		}
	}
}

// The spec crosses the worker protocol as JSON: what a worker decodes is
// what the primary built.
func TestImageSpecJSON(t *testing.T) {
	s, err := NewImageSpec(ImageOptions{Resize: "300x200^>", Filter: "catmullrom", Format: "webp", Quality: new(70),
		Lossless: true, PNGLevel: new(3), Background: "#102030", NoRotate: true, KeepMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back ImageSpec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip through %s:\n got %+v\nwant %+v", b, back, s)
	}
}

// --format same: each input keeps its format (ForInput); an explicit
// format is left alone.
func TestImageSpecForInput(t *testing.T) {
	same, _ := NewImageSpec(ImageOptions{})
	if f := same.ForInput(imgfmt.TIFF).Format; f != imgfmt.TIFF {
		t.Errorf("same for a TIFF input: %q", f)
	}
	png, _ := NewImageSpec(ImageOptions{Format: "png"})
	if f := png.ForInput(imgfmt.TIFF).Format; f != imgfmt.PNG {
		t.Errorf("png for a TIFF input: %q", f)
	}
}

// Every field of the typed spec reaches the manifest's spec key, so that a
// re-run with any changed option redoes its outputs; a field added later
// is covered by this test without a list to keep up to date.
func TestSpecKeyCoversEveryField(t *testing.T) {
	base, err := NewImageSpec(ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base.Format = imgfmt.JPEG
	key := func(s ImageSpec) string {
		j := Job{Kind: KindImage, Image: &s}
		return j.SpecKey()
	}
	k0 := key(base)
	typ := reflect.TypeOf(base)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if strings.HasPrefix(f.Tag.Get("json"), "-") {
			t.Errorf("ImageSpec.%s is left out of the JSON the spec key hashes", f.Name)
			continue
		}
		s := base
		if !perturb(reflect.ValueOf(&s).Elem().Field(i)) {
			t.Errorf("ImageSpec.%s: the test cannot change a %s field; teach perturb", f.Name, f.Type)
			continue
		}
		if key(s) == k0 {
			t.Errorf("changing ImageSpec.%s leaves the spec key unchanged", f.Name)
		}
	}
	// The colour option the manifest test in cmd relies on.
	s := base
	s.Colorspace = ColorspaceSRGB
	if key(s) == k0 {
		t.Error("--colorspace srgb leaves the spec key unchanged")
	}
	if !strings.Contains(k0, `"R":`) {
		t.Errorf("spec key %s does not carry OutputRevision", k0)
	}
}

// perturb changes v to another value of its type (the first changeable
// field of a struct), reporting whether it could.
func perturb(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() ^ 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 0.5)
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Slice:
		// One more element, itself changed where it can be.
		e := reflect.New(v.Type().Elem()).Elem()
		perturb(e)
		v.Set(reflect.Append(v, e))
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() && perturb(v.Field(i)) {
				return true
			}
		}
		return false
	default:
		return false
	}
	return true
}
