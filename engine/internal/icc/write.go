package icc

import (
	"encoding/binary"
	"math"
	"sync"
)

// Tag is one tag of a profile being written: its signature and its
// encoded element (type signature first).
type Tag struct {
	Sig  string
	Data []byte
}

// Header holds the header fields Build writes.
type Header struct {
	Version    uint32 // e.g. 0x04300000
	Class      string // "mntr", "prtr", ...
	ColorSpace string // "RGB ", "CMYK", "GRAY"
	PCS        string // "XYZ ", "Lab "
}

// Build writes a profile: the 128-byte header, the tag table and the tags,
// each on a 4-byte boundary; tags with identical data share it.
func Build(h Header, tags []Tag) []byte {
	n := len(tags)
	out := make([]byte, 132+12*n)
	binary.BigEndian.PutUint32(out[8:], h.Version)
	copy(out[12:16], pad4(h.Class))
	copy(out[16:20], pad4(h.ColorSpace))
	copy(out[20:24], pad4(h.PCS))
	binary.BigEndian.PutUint16(out[24:], 2026) // creation date: year, month, day
	binary.BigEndian.PutUint16(out[26:], 1)
	binary.BigEndian.PutUint16(out[28:], 1)
	copy(out[36:40], "acsp")
	for i, v := range d50 {
		binary.BigEndian.PutUint32(out[68+4*i:], uint32(fixed(v)))
	}
	binary.BigEndian.PutUint32(out[128:], uint32(n))
	seen := map[string]uint32{}
	for i, t := range tags {
		off, ok := seen[string(t.Data)]
		if !ok {
			for len(out)%4 != 0 {
				out = append(out, 0)
			}
			off = uint32(len(out))
			out = append(out, t.Data...)
			seen[string(t.Data)] = off
		}
		e := out[132+12*i:]
		copy(e[:4], pad4(t.Sig))
		binary.BigEndian.PutUint32(e[4:], off)
		binary.BigEndian.PutUint32(e[8:], uint32(len(t.Data)))
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

func pad4(s string) []byte {
	b := []byte(s + "    ")
	return b[:4]
}

func fixed(v float64) int32 { return int32(math.Round(v * 65536)) }

// XYZTag encodes an XYZType element.
func XYZTag(v [3]float64) []byte {
	b := make([]byte, 20)
	copy(b, "XYZ ")
	for i := range v {
		binary.BigEndian.PutUint32(b[8+4*i:], uint32(fixed(v[i])))
	}
	return b
}

// ParaTag encodes a parametricCurveType element of function type kind
// with its parameters (g a b c d e f, as many as the type has).
func ParaTag(kind int, params ...float64) []byte {
	b := make([]byte, 12+4*len(params))
	copy(b, "para")
	binary.BigEndian.PutUint16(b[8:], uint16(kind))
	for i, p := range params {
		binary.BigEndian.PutUint32(b[12+4*i:], uint32(fixed(p)))
	}
	return b
}

// MlucTag encodes a multiLocalizedUnicodeType element with one en-US
// string (ASCII).
func MlucTag(s string) []byte {
	b := make([]byte, 28+2*len(s))
	copy(b, "mluc")
	binary.BigEndian.PutUint32(b[8:], 1)
	binary.BigEndian.PutUint32(b[12:], 12)
	copy(b[16:20], "enUS")
	binary.BigEndian.PutUint32(b[20:], uint32(2*len(s)))
	binary.BigEndian.PutUint32(b[24:], 28)
	for i := 0; i < len(s); i++ {
		b[28+2*i+1] = s[i]
	}
	return b
}

// SF32Tag encodes an s15Fixed16ArrayType element.
func SF32Tag(v ...float64) []byte {
	b := make([]byte, 8+4*len(v))
	copy(b, "sf32")
	for i, x := range v {
		binary.BigEndian.PutUint32(b[8+4*i:], uint32(fixed(x)))
	}
	return b
}

// MatrixProfile builds a v4.3 display profile from D50-adapted colorant
// XYZs (rXYZ, gXYZ, bXYZ), one tone curve element for all three channels,
// and the chromatic adaptation from the device white to D50.
func MatrixProfile(desc string, colorants [3][3]float64, trc []byte, chad [9]float64) []byte {
	return Build(Header{Version: 0x04300000, Class: "mntr", ColorSpace: "RGB", PCS: "XYZ"}, []Tag{
		{"desc", MlucTag(desc)},
		{"cprt", MlucTag("No copyright, use freely")},
		{"wtpt", XYZTag(d50)},
		{"chad", SF32Tag(chad[:]...)},
		{"rXYZ", XYZTag(colorants[0])},
		{"gXYZ", XYZTag(colorants[1])},
		{"bXYZ", XYZTag(colorants[2])},
		{"rTRC", trc},
		{"gTRC", trc},
		{"bTRC", trc},
	})
}

var srgbProfile = sync.OnceValue(func() []byte {
	m := srgbToXYZD50
	var col [3][3]float64
	for c := 0; c < 3; c++ {
		col[c] = [3]float64{m[c], m[3+c], m[6+c]}
	}
	d65 := [3]float64{0.3127 / 0.3290, 1, (1 - 0.3127 - 0.3290) / 0.3290}
	return MatrixProfile("sRGB (imgpar)", col,
		ParaTag(3, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045), bradford(d65, d50))
})

// SRGBProfile returns a compact (540 bytes) ICC v4 sRGB profile,
// matrix/TRC with the exact sRGB curve, made here: what imgpar embeds in
// output it converted to sRGB. The caller must not modify it.
func SRGBProfile() []byte { return srgbProfile() }
