package icc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Profile is a parsed ICC profile: its header and the tags a transform to
// sRGB needs, kept as byte slices of the original profile.
type Profile struct {
	// Version is the header's version field (0x04300000 for v4.3).
	Version uint32
	// Class is the device class ("mntr", "prtr", "scnr", "spac", ...).
	Class string
	// ColorSpace is the data colour space ("RGB", "CMYK", "GRAY", ...),
	// trailing spaces trimmed.
	ColorSpace string
	// PCS is the profile connection space, "XYZ" or "Lab".
	PCS string
	// Intent is the header's rendering intent (0 perceptual).
	Intent uint32

	tags map[string][]byte
}

// Errors that name what is wrong with a profile.
var (
	ErrMalformed   = errors.New("malformed ICC profile")
	ErrUnsupported = errors.New("unsupported ICC profile")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// maxTags bounds the tag table (real profiles have a few dozen).
const maxTags = 1024

// Parse reads a profile's header and tag table. It checks that every tag
// lies inside the data; the tags themselves are read when a transform is
// built.
func Parse(data []byte) (*Profile, error) {
	if len(data) < 132 {
		return nil, malformed("%d bytes, shorter than the 132-byte header and tag count", len(data))
	}
	if string(data[36:40]) != "acsp" {
		return nil, malformed("no 'acsp' signature")
	}
	size := be32(data)
	if size < 132 || int64(size) > int64(len(data)) {
		return nil, malformed("header says %d bytes, have %d", size, len(data))
	}
	data = data[:size]
	p := &Profile{
		Version:    be32(data[8:]),
		Class:      sig(data[12:16]),
		ColorSpace: sig(data[16:20]),
		PCS:        sig(data[20:24]),
		Intent:     be32(data[64:]),
		tags:       map[string][]byte{},
	}
	n := be32(data[128:])
	if n > maxTags || 132+12*int64(n) > int64(len(data)) {
		return nil, malformed("tag table of %d entries does not fit", n)
	}
	for i := 0; i < int(n); i++ {
		e := data[132+12*i:]
		s, off, ln := string(e[:4]), be32(e[4:]), be32(e[8:])
		if ln < 8 || int64(off)+int64(ln) > int64(len(data)) {
			return nil, malformed("tag %q at %d+%d lies outside the profile", s, off, ln)
		}
		if _, dup := p.tags[s]; !dup {
			p.tags[s] = data[off : off+ln]
		}
	}
	return p, nil
}

// has reports whether the profile has tag s.
func (p *Profile) has(s string) bool { _, ok := p.tags[s]; return ok }

func sig(b []byte) string {
	i := len(b)
	for i > 0 && (b[i-1] == ' ' || b[i-1] == 0) {
		i--
	}
	return string(b[:i])
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// s15f16 reads an s15Fixed16Number.
func s15f16(b []byte) float64 { return float64(int32(be32(b))) / 65536 }

// readXYZ reads an XYZType tag.
func (p *Profile) readXYZ(s string) ([3]float64, error) {
	t, ok := p.tags[s]
	if !ok {
		return [3]float64{}, malformed("no %q tag", s)
	}
	if string(t[:4]) != "XYZ " || len(t) < 20 {
		return [3]float64{}, malformed("tag %q is not an XYZ value", s)
	}
	return [3]float64{s15f16(t[8:]), s15f16(t[12:]), s15f16(t[16:])}, nil
}

// curve maps [0,1] to [0,1] (parametric curves may leave the range; the
// pipeline clips where lcms does).
type curve interface {
	eval(x float64) float64
}

type identityCurve struct{}

func (identityCurve) eval(x float64) float64 { return x }

type gammaCurve float64

func (g gammaCurve) eval(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return math.Pow(x, float64(g))
}

// tableCurve is a sampled curve, linearly interpolated (curv with 2 or more
// entries, and lut8/lut16 input and output tables).
type tableCurve []float64

func (t tableCurve) eval(x float64) float64 {
	n := len(t) - 1
	if x <= 0 {
		return t[0]
	}
	if x >= 1 {
		return t[n]
	}
	f := x * float64(n)
	i := int(f)
	if i >= n {
		return t[n]
	}
	w := f - float64(i)
	return t[i] + (t[i+1]-t[i])*w
}

// paraCurve is a parametricCurveType, function types 0..4 of ICC.1:2010
// table 68.
type paraCurve struct {
	kind int
	p    [7]float64 // g a b c d e f
}

func (c paraCurve) eval(x float64) float64 {
	g, a, b, cc, d, e, f := c.p[0], c.p[1], c.p[2], c.p[3], c.p[4], c.p[5], c.p[6]
	pow := func(v float64) float64 {
		if v <= 0 {
			return 0
		}
		return math.Pow(v, g)
	}
	switch c.kind {
	case 0:
		return pow(x)
	case 1:
		if a != 0 && x >= -b/a {
			return pow(a*x + b)
		}
		return 0
	case 2:
		if a != 0 && x >= -b/a {
			return pow(a*x+b) + cc
		}
		return cc
	case 3:
		if x >= d {
			return pow(a*x + b)
		}
		return cc * x
	default:
		if x >= d {
			return pow(a*x+b) + e
		}
		return cc*x + f
	}
}

// paraParams is how many parameters each parametric function type has.
var paraParams = [5]int{1, 3, 4, 5, 7}

// readCurve reads a curv or para element at the start of b and returns it
// with the element's length in bytes, padded to 4.
func readCurve(b []byte) (curve, int, error) {
	if len(b) < 12 {
		return nil, 0, malformed("curve element truncated")
	}
	switch string(b[:4]) {
	case "curv":
		n := int(be32(b[8:]))
		if n > (len(b)-12)/2 {
			return nil, 0, malformed("curve of %d entries truncated", n)
		}
		size := (12 + 2*n + 3) &^ 3
		switch n {
		case 0:
			return identityCurve{}, size, nil
		case 1:
			return gammaCurve(float64(be16(b[12:])) / 256), size, nil
		}
		t := make(tableCurve, n)
		for i := range t {
			t[i] = float64(be16(b[12+2*i:])) / 65535
		}
		return t, size, nil
	case "para":
		kind := int(be16(b[8:]))
		if kind > 4 {
			return nil, 0, unsupported("parametric curve function type %d", kind)
		}
		np := paraParams[kind]
		if len(b) < 12+4*np {
			return nil, 0, malformed("parametric curve truncated")
		}
		c := paraCurve{kind: kind}
		for i := 0; i < np; i++ {
			c.p[i] = s15f16(b[12+4*i:])
		}
		return c, (12 + 4*np + 3) &^ 3, nil
	}
	return nil, 0, unsupported("curve type %q", b[:4])
}

// readCurveTag reads a TRC tag (rTRC, gTRC, bTRC, kTRC).
func (p *Profile) readCurveTag(s string) (curve, error) {
	t, ok := p.tags[s]
	if !ok {
		return nil, malformed("no %q tag", s)
	}
	c, _, err := readCurve(t)
	if err != nil {
		return nil, fmt.Errorf("tag %q: %w", s, err)
	}
	return c, nil
}

// readCurves reads n consecutive curve elements starting at off in t (the
// B, M and A curve sets of mAB).
func readCurves(t []byte, off uint32, n int) ([]curve, error) {
	cs := make([]curve, n)
	for i := range cs {
		if int64(off) >= int64(len(t)) {
			return nil, malformed("curve set outside the tag")
		}
		c, size, err := readCurve(t[off:])
		if err != nil {
			return nil, err
		}
		cs[i] = c
		off += uint32(size)
	}
	return cs, nil
}
