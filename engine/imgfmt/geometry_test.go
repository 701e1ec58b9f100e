package imgfmt

import (
	"strings"
	"testing"
)

func TestParseResize(t *testing.T) {
	tests := []struct {
		in   string
		want Geometry
	}{
		{"800x", Geometry{Width: 800}},
		{"800", Geometry{Width: 800}},
		{"x600", Geometry{Height: 600}},
		{"800x600", Geometry{Width: 800, Height: 600}},
		{"800X600", Geometry{Width: 800, Height: 600}},
		{" 800x600 ", Geometry{Width: 800, Height: 600}},
		{"800x600^", Geometry{Width: 800, Height: 600, Fit: FitCover}},
		{"800x600!", Geometry{Width: 800, Height: 600, Fit: FitFill}},
		{"50%", Geometry{Percent: 50}},
		{"12.5%", Geometry{Percent: 12.5}},
		{"200%", Geometry{Percent: 200}},
		{"800x600>", Geometry{Width: 800, Height: 600, OnlyShrink: true}},
		{"800x>", Geometry{Width: 800, OnlyShrink: true}},
		{"x600>", Geometry{Height: 600, OnlyShrink: true}},
		{"800x600^>", Geometry{Width: 800, Height: 600, Fit: FitCover, OnlyShrink: true}},
		{"800x600>^", Geometry{Width: 800, Height: 600, Fit: FitCover, OnlyShrink: true}},
		{"800x600!>", Geometry{Width: 800, Height: 600, Fit: FitFill, OnlyShrink: true}},
		{"50%>", Geometry{Percent: 50, OnlyShrink: true}},
		{"65536x1", Geometry{Width: 65536, Height: 1}},
	}
	for _, tt := range tests {
		got, err := ParseResize(tt.in)
		if err != nil {
			t.Errorf("ParseResize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseResize(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("ParseResize(%q) gave an invalid geometry: %v", tt.in, err)
		}
	}
}

func TestParseResizeErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "empty"},
		{"   ", "empty"},
		{"0x0", "at least 1"},
		{"0x600", "width must be at least 1"},
		{"800x0", "height must be at least 1"},
		{"x", "no width or height"},
		{"-800x600", "not a whole number"},
		{"800.5x600", "not a whole number"},
		{"1e3x600", "not a whole number"},
		{"abc", "not a whole number"},
		{"800x600x1", "more than one 'x'"},
		{"800x600^!", "exclude each other"},
		{"800x^", "need both a width and a height"},
		{"x600!", "need both a width and a height"},
		{"50%^", "not a percentage"},
		{"800x600+10+10", "offsets"},
		{"800x600<", "only enlarge"},
		{"800x600>>", "given twice"},
		{"800x600^^", "given twice"},
		{"800^x600", "go after the size"},
		{"^", "no size"},
		{"%", "not a number"},
		{"0%", "more than 0"},
		{"-5%", "more than 0"},
		{"NaN%", "not a number"},
		{"Inf%", "not a number"},
		{"20000%", "at most"},
		{"50%x50%", "only one percentage"},
		{"50%%", "only one percentage"},
		{"50%x", "'%' goes at the end"},
		{"100000x1", "too large"},
		{"99999999999999999999x1", "too large"},
		{"800x600@", "area"},
	}
	for _, tt := range tests {
		g, err := ParseResize(tt.in)
		if err == nil {
			t.Errorf("ParseResize(%q) = %+v, want an error containing %q", tt.in, g, tt.wantErr)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.wantErr) {
			t.Errorf("ParseResize(%q) error %q does not contain %q", tt.in, msg, tt.wantErr)
		}
		if !strings.Contains(msg, "invalid geometry") || strings.Contains(msg, "\n") {
			t.Errorf("ParseResize(%q) error %q: want one line starting 'invalid geometry'", tt.in, msg)
		}
	}
}

func TestParseFit(t *testing.T) {
	for in, want := range map[string]Fit{"": FitInside, "inside": FitInside, "COVER": FitCover, " fill ": FitFill} {
		got, err := ParseFit(in)
		if err != nil || got != want {
			t.Errorf("ParseFit(%q) = %v, %v; want %v", in, got, err, want)
		}
		if want.String() != strings.ToLower(strings.TrimSpace(in)) && in != "" {
			t.Errorf("%v.String() = %q", want, want.String())
		}
	}
	for _, in := range []string{"contain", "outside", "stretch", "1"} {
		if _, err := ParseFit(in); err == nil {
			t.Errorf("ParseFit(%q): want an error", in)
		}
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name           string
		g              Geometry
		srcW, srcH     int
		rw, rh, ow, oh int
	}{
		{"width, landscape photo", Geometry{Width: 800}, 5640, 3172, 800, 450, 800, 450},
		{"width, 5:4 photo", Geometry{Width: 800}, 1280, 1024, 800, 640, 800, 640},
		{"width, portrait", Geometry{Width: 800}, 3172, 5640, 800, 1422, 800, 1422},
		{"height, portrait", Geometry{Height: 600}, 3172, 5640, 337, 600, 337, 600},
		{"height, landscape", Geometry{Height: 450}, 5640, 3172, 800, 450, 800, 450},
		{"inside box, landscape", Geometry{Width: 800, Height: 600}, 5640, 3172, 800, 450, 800, 450},
		{"inside box, portrait", Geometry{Width: 800, Height: 600}, 3172, 5640, 337, 600, 337, 600},
		{"inside box, square", Geometry{Width: 800, Height: 600}, 1000, 1000, 600, 600, 600, 600},
		{"round half up", Geometry{Width: 500}, 1000, 333, 500, 167, 500, 167},
		{"cover thumbnail", Geometry{Width: 200, Height: 200, Fit: FitCover}, 5640, 3172, 356, 200, 200, 200},
		{"cover portrait", Geometry{Width: 200, Height: 200, Fit: FitCover}, 3172, 5640, 200, 356, 200, 200},
		{"cover wide box", Geometry{Width: 800, Height: 200, Fit: FitCover}, 5640, 3172, 800, 450, 800, 200},
		{"cover one side is inside", Geometry{Width: 800, Fit: FitCover}, 5640, 3172, 800, 450, 800, 450},
		{"cover small source, no enlarge", Geometry{Width: 800, Height: 600, Fit: FitCover}, 600, 400, 600, 400, 600, 400},
		{"cover partly small, no enlarge", Geometry{Width: 800, Height: 600, Fit: FitCover}, 1000, 500, 1000, 500, 800, 500},
		{"cover small source, enlarge", Geometry{Width: 800, Height: 600, Fit: FitCover, Enlarge: true}, 600, 400, 900, 600, 800, 600},
		{"fill", Geometry{Width: 800, Height: 600, Fit: FitFill}, 5640, 3172, 800, 600, 800, 600},
		{"fill, no enlarge per axis", Geometry{Width: 800, Height: 600, Fit: FitFill}, 1000, 500, 800, 500, 800, 500},
		{"fill, enlarge", Geometry{Width: 800, Height: 600, Fit: FitFill, Enlarge: true}, 1000, 500, 800, 600, 800, 600},
		{"fill one side is inside", Geometry{Height: 300, Fit: FitFill}, 1000, 500, 600, 300, 600, 300},
		{"percent 50", Geometry{Percent: 50}, 5640, 3172, 2820, 1586, 2820, 1586},
		{"percent 33", Geometry{Percent: 33}, 101, 101, 33, 33, 33, 33},
		{"percent 12.5", Geometry{Percent: 12.5}, 5640, 3172, 705, 397, 705, 397},
		{"percent 200, no enlarge", Geometry{Percent: 200}, 400, 300, 400, 300, 400, 300},
		{"percent 200, enlarge", Geometry{Percent: 200, Enlarge: true}, 400, 300, 800, 600, 800, 600},
		{"percent tiny keeps 1px", Geometry{Percent: 0.01}, 100, 50, 1, 1, 1, 1},
		{"no enlarge", Geometry{Width: 800}, 400, 300, 400, 300, 400, 300},
		{"enlarge", Geometry{Width: 800, Enlarge: true}, 400, 300, 800, 600, 800, 600},
		{"only shrink, small source untouched", Geometry{Width: 800, Height: 600, OnlyShrink: true, Enlarge: true}, 400, 300, 400, 300, 400, 300},
		{"only shrink, large source", Geometry{Width: 800, Height: 600, OnlyShrink: true, Enlarge: true}, 1600, 1200, 800, 600, 800, 600},
		{"only shrink, one side larger", Geometry{Width: 800, Height: 600, OnlyShrink: true}, 1000, 500, 800, 400, 800, 400},
		{"only shrink, width only", Geometry{Width: 800, OnlyShrink: true, Enlarge: true}, 640, 2000, 640, 2000, 640, 2000},
		{"only shrink percent >= 100", Geometry{Percent: 150, OnlyShrink: true, Enlarge: true}, 400, 300, 400, 300, 400, 300},
		{"only shrink percent < 100", Geometry{Percent: 50, OnlyShrink: true}, 400, 300, 200, 150, 200, 150},
		{"1x1 source", Geometry{Width: 800}, 1, 1, 1, 1, 1, 1},
		{"1x1 source, box", Geometry{Width: 800, Height: 600}, 1, 1, 1, 1, 1, 1},
		{"1x1 source, enlarge", Geometry{Width: 800, Height: 600, Enlarge: true}, 1, 1, 600, 600, 600, 600},
		{"1x1 source, cover enlarge", Geometry{Width: 100, Height: 50, Fit: FitCover, Enlarge: true}, 1, 1, 100, 100, 100, 50},
		{"1x1 source, percent", Geometry{Percent: 10}, 1, 1, 1, 1, 1, 1},
		{"very wide keeps 1px height", Geometry{Width: 800}, 10000, 1, 800, 1, 800, 1},
		{"very tall, by height", Geometry{Height: 100}, 1, 10000, 1, 100, 1, 100},
		{"very tall, by width", Geometry{Width: 800}, 1, 10000, 1, 10000, 1, 10000},
		{"zero geometry", Geometry{}, 640, 480, 640, 480, 640, 480},
		{"empty source", Geometry{Width: 800}, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		rw, rh, ow, oh := tt.g.Plan(tt.srcW, tt.srcH)
		if rw != tt.rw || rh != tt.rh || ow != tt.ow || oh != tt.oh {
			t.Errorf("%s: %+v.Plan(%d, %d) = %d,%d,%d,%d; want %d,%d,%d,%d",
				tt.name, tt.g, tt.srcW, tt.srcH, rw, rh, ow, oh, tt.rw, tt.rh, tt.ow, tt.oh)
		}
	}
}

// TestPlanNeverZeroNeverEnlarges sweeps sizes and geometries for the
// invariants: no side below 1; without Enlarge no side grows; inside fits
// the box; cover output equals the box when the source is large enough.
func TestPlanNeverZeroNeverEnlarges(t *testing.T) {
	sizes := []int{1, 2, 3, 7, 99, 100, 101, 333, 640, 1023, 4000}
	for _, sw := range sizes {
		for _, sh := range sizes {
			for _, bw := range []int{0, 1, 50, 199, 800} {
				for _, bh := range []int{0, 1, 50, 601} {
					for _, fit := range []Fit{FitInside, FitCover, FitFill} {
						g := Geometry{Width: bw, Height: bh, Fit: fit}
						rw, rh, ow, oh := g.Plan(sw, sh)
						if rw < 1 || rh < 1 || ow < 1 || oh < 1 {
							t.Fatalf("%+v.Plan(%d,%d) = %d,%d,%d,%d: a side below 1", g, sw, sh, rw, rh, ow, oh)
						}
						if rw > sw || rh > sh {
							t.Fatalf("%+v.Plan(%d,%d) = %d,%d: enlarged without Enlarge", g, sw, sh, rw, rh)
						}
						if fit == FitInside && bw > 0 && bh > 0 && (ow > bw || oh > bh) {
							t.Fatalf("%+v.Plan(%d,%d) = %dx%d: not inside the box", g, sw, sh, ow, oh)
						}
						if fit == FitCover && bw > 0 && bh > 0 && sw >= bw && sh >= bh && (ow != bw || oh != bh) {
							t.Fatalf("%+v.Plan(%d,%d) = %dx%d: cover output is not the box", g, sw, sh, ow, oh)
						}
					}
				}
			}
		}
	}
}

func TestGeometryValidate(t *testing.T) {
	bad := []Geometry{
		{Width: -1},
		{Height: -5},
		{Width: MaxDimension + 1},
		{Percent: -1},
		{Percent: MaxPercent + 1},
		{Percent: 50, Width: 100},
		{Width: 10, Fit: Fit(7)},
	}
	for _, g := range bad {
		if err := g.Validate(); err == nil {
			t.Errorf("%+v.Validate(): want an error", g)
		}
	}
	for _, g := range []Geometry{{}, {Width: 1}, {Percent: 50}, {Width: 800, Height: 600, Fit: FitFill, Enlarge: true}} {
		if err := g.Validate(); err != nil {
			t.Errorf("%+v.Validate(): %v", g, err)
		}
	}
	if !(Geometry{}).IsZero() || (Geometry{Height: 1}).IsZero() {
		t.Error("IsZero wrong")
	}
}
