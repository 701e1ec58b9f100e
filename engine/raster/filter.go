package raster

import (
	"fmt"
	"math"
	"strings"
)

// Filter selects the resampling kernel used by ResizeScaled.
type Filter int

// The resampling filters. The zero value is Lanczos (Lanczos3), the default.
const (
	Lanczos    Filter = iota // windowed sinc, 3 lobes (libvips/sharp default)
	CatmullRom               // cubic, B=0 C=0.5
	Linear                   // triangle (bilinear)
	Box                      // area average
	Nearest                  // nearest neighbour, no filtering
)

var filterNames = [...]string{
	Lanczos:    "lanczos",
	CatmullRom: "catmullrom",
	Linear:     "linear",
	Box:        "box",
	Nearest:    "nearest",
}

// String returns the name ParseFilter accepts for f.
func (f Filter) String() string {
	if f >= 0 && int(f) < len(filterNames) {
		return filterNames[f]
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

// MarshalText writes the filter's name (for the worker protocol).
func (f Filter) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads a name ParseFilter accepts.
func (f *Filter) UnmarshalText(b []byte) error {
	v, err := ParseFilter(string(b))
	*f = v
	return err
}

// ParseFilter parses a filter name: lanczos, catmullrom, linear, box or nearest
// (case-insensitive).
func ParseFilter(s string) (Filter, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for f, n := range filterNames {
		if n == name {
			return Filter(f), nil
		}
	}
	return Lanczos, fmt.Errorf("unknown filter %q (want one of %s)", s, strings.Join(filterNames[:], ", "))
}

// support is the kernel's radius in source pixels at scale 1.
func (f Filter) support() float64 {
	switch f {
	case CatmullRom:
		return 2
	case Linear:
		return 1
	case Box:
		return 0.5
	case Nearest:
		return 0
	default:
		return 3
	}
}

// kernel evaluates the filter at distance x (in source pixels at scale 1).
// The definitions match github.com/disintegration/imaging's filters of the same names.
func (f Filter) kernel(x float64) float64 {
	x = math.Abs(x)
	switch f {
	case CatmullRom:
		// Mitchell–Netravali with B=0, C=0.5.
		switch {
		case x < 1:
			return (9*x*x*x - 15*x*x + 6) / 6
		case x < 2:
			return (-3*x*x*x + 15*x*x - 24*x + 12) / 6
		}
		return 0
	case Linear:
		if x < 1 {
			return 1 - x
		}
		return 0
	case Box:
		if x <= 0.5 {
			return 1
		}
		return 0
	case Nearest:
		return 0
	default:
		if x >= 3 {
			return 0
		}
		// Linear interpolation in a table: weights are rounded to 14 bits, far
		// coarser than the table's error (below 1e-7).
		f := x * lanczosSteps
		i := int(f)
		return lanczosTable[i] + (lanczosTable[i+1]-lanczosTable[i])*(f-float64(i))
	}
}

// lanczosSteps is the number of lanczosTable entries per unit of distance.
const lanczosSteps = 4096

// lanczosTable samples the Lanczos3 kernel sinc(x)*sinc(x/3) on [0, 3]; it is
// exactly 0 at the integers 1 and 2, so that windows trim cleanly.
var lanczosTable = func() *[3*lanczosSteps + 2]float64 {
	var t [3*lanczosSteps + 2]float64
	for i := range t {
		x := float64(i) / lanczosSteps
		switch {
		case i == 0:
			t[i] = 1
		case x >= 3 || i%lanczosSteps == 0:
			t[i] = 0
		default:
			// sinc(x)*sinc(x/3) with one sine: sin(3u) = sin(u)*(3 - 4 sin²(u)).
			u := math.Pi * x / 3
			su := math.Sin(u)
			t[i] = su * su * (3 - 4*su*su) / (3 * u * u)
		}
	}
	return &t
}()
