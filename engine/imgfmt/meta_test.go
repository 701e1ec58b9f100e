package imgfmt

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"testing"
)

func TestReadMetaOrientationJPEG(t *testing.T) {
	jpg := encodeStdJPEG(t, gradient(32, 24))
	for _, bigEndian := range []bool{false, true} {
		for o := 1; o <= 8; o++ {
			exif := makeEXIF(bigEndian, o, 0)
			data := jpegWithSegments(jpg, segment(0xE1, append(append([]byte(nil), exifPrefix...), exif...)))
			m := ReadMeta(JPEG, data)
			if m.Orientation != o {
				t.Errorf("bigEndian=%v orientation %d: ReadMeta gave %d", bigEndian, o, m.Orientation)
			}
			if !bytes.Equal(m.EXIF, exif) {
				t.Errorf("bigEndian=%v orientation %d: EXIF payload differs", bigEndian, o)
			}
			h, err := ProbeBytes(data)
			if err != nil || h.Orientation != o {
				t.Errorf("bigEndian=%v orientation %d: Probe = %+v, %v", bigEndian, o, h, err)
			}
			// The image still decodes.
			if img, err := Decode(JPEG, data); err != nil || img.Bounds().Dx() != 32 {
				t.Errorf("decode: %v", err)
			}
		}
	}
	// No tag, out-of-range values, no EXIF at all: 1.
	for name, exif := range map[string][]byte{
		"no tag":    makeEXIF(false, 0, 0),
		"zero":      makeEXIF(false, 0, 0),
		"nine":      makeEXIF(true, 9, 0),
		"truncated": makeEXIF(true, 6, 0)[:20],
	} {
		data := jpegWithSegments(jpg, segment(0xE1, append(append([]byte(nil), exifPrefix...), exif...)))
		if m := ReadMeta(JPEG, data); m.Orientation != 1 {
			t.Errorf("%s: orientation %d, want 1", name, m.Orientation)
		}
	}
	if m := ReadMeta(JPEG, jpg); m.Orientation != 1 || m.EXIF != nil || m.ICC != nil {
		t.Errorf("plain JPEG: %+v", m)
	}
	// XMP in an earlier APP1 does not hide the EXIF one.
	xmp := segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"))
	data := jpegWithSegments(jpg, xmp, segment(0xE1, append(append([]byte(nil), exifPrefix...), makeEXIF(false, 8, 0)...)))
	if m := ReadMeta(JPEG, data); m.Orientation != 8 {
		t.Errorf("EXIF after XMP: orientation %d", m.Orientation)
	}
	if h, _ := ProbeBytes(data); h.Orientation != 8 {
		t.Errorf("EXIF after XMP: Probe orientation %d", h.Orientation)
	}
}

func TestResetOrientation(t *testing.T) {
	for _, bigEndian := range []bool{false, true} {
		for o := 1; o <= 8; o++ {
			in := makeEXIF(bigEndian, o, 0)
			orig := bytes.Clone(in)
			out := ResetOrientation(in)
			if !bytes.Equal(in, orig) {
				t.Fatal("ResetOrientation modified its input")
			}
			if got := exifOrientation(out); got != 1 {
				t.Errorf("bigEndian=%v %d: orientation after reset %d", bigEndian, o, got)
			}
			if want := makeEXIF(bigEndian, 1, 0); !bytes.Equal(out, want) {
				t.Errorf("bigEndian=%v %d: reset payload\n%x\nwant\n%x", bigEndian, o, out, want)
			}
			// The "Exif\0\0" prefix is dropped.
			if got := ResetOrientation(append(append([]byte(nil), exifPrefix...), in...)); !bytes.Equal(got, out) {
				t.Errorf("with prefix: %x", got)
			}
		}
	}
	// A LONG-typed orientation is rewritten as SHORT 1.
	long := makeEXIF(true, 6, 0)
	e, bo, _ := findIFD0Tag(long, tagOrientation)
	bo.put16(long[e+2:], typeLong)
	bo.put32(long[e+8:], 6)
	if exifOrientation(long) != 6 || exifOrientation(ResetOrientation(long)) != 1 {
		t.Error("LONG orientation not handled")
	}
	if ResetOrientation(nil) != nil {
		t.Error("nil must stay nil")
	}
	for _, junk := range [][]byte{{}, []byte("garbage"), makeEXIF(false, 0, 0), makeEXIF(false, 3, 0)[:24]} {
		if got := ResetOrientation(junk); !bytes.Equal(got, trimExifPrefix(junk)) {
			t.Errorf("ResetOrientation(%q) = %q, want an unchanged copy", junk, got)
		}
	}
}

func TestAVIFWithICCRefusesOddLayouts(t *testing.T) {
	icc := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	var buf bytes.Buffer
	if err := Encode(&buf, gradient(16, 16), EncodeOptions{Format: AVIF}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if _, ok := avifWithICC(good, icc); !ok {
		t.Fatal("libavif's own layout refused")
	}
	for n := 0; n < len(good); n += 7 {
		avifWithICC(good[:n], icc) // must not panic
	}
	l, _ := parseAVIF(good)
	bad := bytes.Clone(good)
	bad[l.iloc.body()+5] = 0x40 // base_offset_size 4
	if _, ok := avifWithICC(bad, icc); ok {
		t.Error("iloc with base offsets accepted")
	}
	bad = bytes.Clone(good)
	bad[l.ipma.body()+3] = 1 // 2-byte associations
	if _, ok := avifWithICC(bad, icc); ok {
		t.Error("ipma with 2-byte associations accepted")
	}
	if _, ok := avifWithICC([]byte("not an avif file at all"), icc); ok {
		t.Error("junk accepted")
	}
}

// syntheticICC returns an n-byte "profile" with an RGB header: the real
// profile's first 128 bytes, the size field set, then a byte pattern.
func syntheticICC(t *testing.T, n int) []byte {
	real := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	icc := make([]byte, n)
	copy(icc, real[:128])
	icc[0], icc[1], icc[2], icc[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	for i := 128; i < n; i++ {
		icc[i] = byte(i*7 + i>>8)
	}
	return icc
}

func TestICCRoundTrip(t *testing.T) {
	adobe := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	if ICCColorSpace(adobe) != "RGB" {
		t.Fatalf("profile colour space %q", ICCColorSpace(adobe))
	}
	big := syntheticICC(t, 150000) // three APP2 segments
	exact := syntheticICC(t, 2*iccSegmentMax)
	img := gradient(40, 30)
	for _, f := range []Format{JPEG, PNG, WebP, AVIF} {
		for name, icc := range map[string][]byte{"adobe": adobe, "big": big, "two exact segments": exact} {
			var buf bytes.Buffer
			if err := Encode(&buf, img, EncodeOptions{Format: f, ICC: icc, PNGLevel: -1}); err != nil {
				t.Fatal(err)
			}
			m := ReadMeta(f, buf.Bytes())
			if !bytes.Equal(m.ICC, icc) {
				t.Errorf("%s %s: read back %d bytes, want %d identical", f, name, len(m.ICC), len(icc))
			}
			dec := decodeAny(t, f, buf.Bytes())
			if dec.Bounds().Dx() != 40 || dec.Bounds().Dy() != 30 {
				t.Errorf("%s %s: decoded %v", f, name, dec.Bounds())
			}
		}
	}
	// The big profile is split 65519 + 65519 + 18962 with sequence numbers.
	var buf bytes.Buffer
	if err := Encode(&buf, img, EncodeOptions{Format: JPEG, ICC: big}); err != nil {
		t.Fatal(err)
	}
	var got []string
	data := buf.Bytes()
	for off := 2; off+4 < len(data) && data[off] == 0xFF && data[off+1] != 0xDA; {
		n := int(be16(data[off+2:]))
		if data[off+1] == 0xE2 {
			p := data[off+4 : off+2+n]
			got = append(got, fmt.Sprintf("%d/%d:%d", p[12], p[13], len(p)-14))
		}
		off += 2 + n
	}
	if want := "[1/3:65519 2/3:65519 3/3:18962]"; fmt.Sprint(got) != want {
		t.Errorf("APP2 segments %v, want %s", got, want)
	}
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF, 0xE2}) {
		t.Errorf("ICC not right after SOI: % x", data[:4])
	}
}

func TestICCColourSpaceMatch(t *testing.T) {
	grey := readLocal(t, "Gray.icc")
	adobe := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	cmyk := bytes.Clone(adobe)
	copy(cmyk[16:20], "CMYK")
	g := image.NewGray(image.Rect(0, 0, 8, 8))
	rgb := gradient(8, 8)
	tests := []struct {
		name string
		f    Format
		img  image.Image
		icc  []byte
		kept bool
	}{
		{"grey profile on grey JPEG", JPEG, g, grey, true},
		{"grey profile on grey PNG", PNG, g, grey, true},
		{"grey profile on colour JPEG", JPEG, rgb, grey, false},
		{"RGB profile on grey JPEG", JPEG, g, adobe, false},
		{"CMYK profile on RGB JPEG", JPEG, rgb, cmyk, false},
		{"CMYK profile on PNG", PNG, rgb, cmyk, false},
		{"CMYK profile on WebP", WebP, rgb, cmyk, false},
		{"CMYK profile on AVIF", AVIF, rgb, cmyk, false},
		{"RGB profile on AVIF", AVIF, rgb, adobe, true},
		{"grey profile on WebP", WebP, g, grey, false},
		{"truncated profile", JPEG, rgb, adobe[:100], false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := Encode(&buf, tt.img, EncodeOptions{Format: tt.f, ICC: tt.icc, PNGLevel: -1}); err != nil {
			t.Fatal(err)
		}
		m := ReadMeta(tt.f, buf.Bytes())
		if kept := m.ICC != nil; kept != tt.kept {
			t.Errorf("%s: kept=%v, want %v", tt.name, kept, tt.kept)
		}
	}
}

func TestJPEGICCReassembly(t *testing.T) {
	jpg := encodeStdJPEG(t, gradient(8, 8))
	part := func(seq, count int, data string) []byte {
		return segment(0xE2, append(append(append([]byte(nil), iccPrefix...), byte(seq), byte(count)), data...))
	}
	tests := []struct {
		name string
		segs [][]byte
		want string
	}{
		{"in order", [][]byte{part(1, 3, "aa"), part(2, 3, "bb"), part(3, 3, "cc")}, "aabbcc"},
		{"shuffled", [][]byte{part(3, 3, "cc"), part(1, 3, "aa"), part(2, 3, "bb")}, "aabbcc"},
		{"missing one", [][]byte{part(1, 3, "aa"), part(3, 3, "cc")}, ""},
		{"duplicate", [][]byte{part(1, 2, "aa"), part(1, 2, "bb")}, ""},
		{"count mismatch", [][]byte{part(1, 2, "aa"), part(2, 3, "bb")}, ""},
		{"seq zero", [][]byte{part(0, 2, "aa"), part(1, 2, "bb")}, ""},
		{"lone odd numbering", [][]byte{part(0, 0, "zz")}, "zz"},
	}
	for _, tt := range tests {
		m := ReadMeta(JPEG, jpegWithSegments(jpg, tt.segs...))
		if string(m.ICC) != tt.want {
			t.Errorf("%s: ICC %q, want %q", tt.name, m.ICC, tt.want)
		}
	}
}

func TestEXIFRoundTrip(t *testing.T) {
	img := gradient(24, 16)
	for _, f := range []Format{JPEG, PNG, WebP} {
		for _, bigEndian := range []bool{false, true} {
			src := makeEXIF(bigEndian, 6, 0)
			exif := ResetOrientation(src)
			var buf bytes.Buffer
			icc := readLocal(t, "compatibleWithAdobeRGB1998.icc")
			if err := Encode(&buf, img, EncodeOptions{Format: f, EXIF: exif, ICC: icc, PNGLevel: -1}); err != nil {
				t.Fatal(err)
			}
			m := ReadMeta(f, buf.Bytes())
			if !bytes.Equal(m.EXIF, exif) || m.Orientation != 1 || !bytes.Equal(m.ICC, icc) {
				t.Errorf("%s bigEndian=%v: EXIF %d bytes, orientation %d, ICC %d bytes", f, bigEndian, len(m.EXIF), m.Orientation, len(m.ICC))
			}
			if h, err := ProbeBytes(buf.Bytes()); err != nil || h.Orientation != 1 || h.Width != 24 {
				t.Errorf("%s: Probe = %+v, %v", f, h, err)
			}
			if _, err := Decode(f, buf.Bytes()); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			// With the orientation kept, readers see it.
			buf.Reset()
			if err := Encode(&buf, img, EncodeOptions{Format: f, EXIF: src, PNGLevel: -1}); err != nil {
				t.Fatal(err)
			}
			if m := ReadMeta(f, buf.Bytes()); m.Orientation != 6 {
				t.Errorf("%s: orientation %d, want 6", f, m.Orientation)
			}
			if h, _ := ProbeBytes(buf.Bytes()); h.Orientation != 6 {
				t.Errorf("%s: Probe orientation %d, want 6", f, h.Orientation)
			}
		}
	}
	// EXIF too big for one APP1 segment is left out of a JPEG.
	var buf bytes.Buffer
	if err := Encode(&buf, img, EncodeOptions{Format: JPEG, EXIF: makeEXIF(false, 1, 70000)}); err != nil {
		t.Fatal(err)
	}
	if m := ReadMeta(JPEG, buf.Bytes()); m.EXIF != nil {
		t.Error("oversized EXIF written to JPEG")
	}
	// Junk EXIF is not written.
	buf.Reset()
	if err := Encode(&buf, img, EncodeOptions{Format: PNG, EXIF: []byte("junk junk junk"), PNGLevel: -1}); err != nil {
		t.Fatal(err)
	}
	if m := ReadMeta(PNG, buf.Bytes()); m.EXIF != nil {
		t.Error("junk EXIF written to PNG")
	}
}

func TestReadMetaPNGChunks(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, gradient(4, 4), EncodeOptions{Format: PNG, PNGLevel: -1}); err != nil {
		t.Fatal(err)
	}
	png := buf.Bytes()
	// eXIf with a (non-standard) "Exif\0\0" prefix, after IDAT.
	iend := len(png) - 12
	exif := append(append([]byte(nil), exifPrefix...), makeEXIF(true, 5, 0)...)
	data := append(append(append([]byte(nil), png[:iend]...), pngChunk("eXIf", exif)...), png[iend:]...)
	if m := ReadMeta(PNG, data); m.Orientation != 5 || !bytes.Equal(m.EXIF, makeEXIF(true, 5, 0)) {
		t.Errorf("eXIf after IDAT: %+v", m)
	}
	// A corrupt iCCP is ignored.
	data = append(append(append([]byte(nil), png[:33]...), pngChunk("iCCP", []byte("name\x00\x00not zlib"))...), png[33:]...)
	if m := ReadMeta(PNG, data); m.ICC != nil {
		t.Error("corrupt iCCP returned a profile")
	}
	if _, err := Decode(PNG, data); err != nil {
		t.Errorf("PNG with corrupt iCCP does not decode: %v", err)
	}
}

func TestReadMetaRepoICC(t *testing.T) {
	adobe := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	tests := []struct {
		file  string
		f     Format
		size  int
		space string
	}{
		{"boats-adobergb.jpg", JPEG, len(adobe), "RGB"},
		{"boats-adobergb.png", PNG, len(adobe), "RGB"},
		{"boats-rgb-lut-profile-2seg.jpg", JPEG, 115428, "RGB"},
		{"boats-cmyk-fogra39-3seg.jpg", JPEG, 155220, "CMYK"},
	}
	for _, tt := range tests {
		data := readRepoFile(t, filepath.Join("icc", tt.file))
		m := ReadMeta(tt.f, data)
		if len(m.ICC) != tt.size || ICCColorSpace(m.ICC) != tt.space {
			t.Errorf("%s: ICC %d bytes %q, want %d %q", tt.file, len(m.ICC), ICCColorSpace(m.ICC), tt.size, tt.space)
		}
		if tt.size == len(adobe) && !bytes.Equal(m.ICC, adobe) {
			t.Errorf("%s: profile differs from the .icc file", tt.file)
		}
		img, err := Decode(tt.f, data)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		// Re-encoding keeps RGB profiles byte for byte and drops the CMYK
		// one (the output is RGB).
		for _, out := range []Format{JPEG, PNG, WebP, AVIF} {
			var buf bytes.Buffer
			if err := Encode(&buf, img, EncodeOptions{Format: out, ICC: m.ICC, PNGLevel: -1}); err != nil {
				t.Fatal(err)
			}
			got := ReadMeta(out, buf.Bytes()).ICC
			if tt.space == "RGB" && !bytes.Equal(got, m.ICC) {
				t.Errorf("%s -> %s: profile not kept (%d bytes)", tt.file, out, len(got))
			}
			if tt.space == "CMYK" && got != nil {
				t.Errorf("%s -> %s: CMYK profile attached to RGB output", tt.file, out)
			}
		}
	}
}

func TestTIFFMeta(t *testing.T) {
	data := readRepoFile(t, "orient/orient-6.tiff")
	m := ReadMeta(TIFF, data)
	if m.Orientation != 6 {
		t.Errorf("orientation %d", m.Orientation)
	}
	img, err := Decode(TIFF, data)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 400 {
		t.Errorf("decoded %v", b)
	}
	// The red marker (upright top-left) is stored bottom-left for 6.
	r, g, b, _ := img.At(5, 395).RGBA()
	if r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
		t.Errorf("stored bottom-left is %v, want red", color.RGBA64{uint16(r), uint16(g), uint16(b), 0xffff})
	}
}

// craftTIFF builds a minimal TIFF header and IFD0 (no pixel data) with the
// given dimensions, orientation and ICC profile.
func craftTIFF(bigEndian bool, w, h, orientation int, icc []byte) []byte {
	bo := byteOrder(bigEndian)
	out := []byte("II*\x00\x08\x00\x00\x00")
	if bigEndian {
		out = []byte("MM\x00*\x00\x00\x00\x08")
	}
	entries := [][4]uint32{
		{tagImageWidth, typeLong, 1, uint32(w)},
		{tagImageLength, typeShort, 1, uint32(h)},
		{tagBitsPerSample, typeShort, 1, 16},
		{tagOrientation, typeShort, 1, uint32(orientation)},
		{tagICCProfile, typeUndefined, uint32(len(icc)), uint32(8 + 2 + 4*12 + 4)},
	}
	n := make([]byte, 2)
	bo.put16(n, uint16(len(entries)))
	out = append(out, n...)
	for _, e := range entries {
		b := make([]byte, 12)
		bo.put16(b, uint16(e[0]))
		bo.put16(b[2:], uint16(e[1]))
		bo.put32(b[4:], e[2])
		if e[1] == typeShort {
			bo.put16(b[8:], uint16(e[3]))
		} else {
			bo.put32(b[8:], e[3])
		}
		out = append(out, b...)
	}
	// Fix the ICC offset now that the IFD size is known.
	iccOff := len(out) + 4
	bo.put32(out[len(out)-4:], uint32(iccOff))
	out = append(out, 0, 0, 0, 0)
	return append(out, icc...)
}

func TestTIFFMetaCrafted(t *testing.T) {
	icc := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	for _, bigEndian := range []bool{false, true} {
		data := craftTIFF(bigEndian, 70000, 3, 3, icc)
		h, err := ProbeBytes(data)
		if err != nil || h.Width != 70000 || h.Height != 3 || h.Orientation != 3 || h.BitDepth != 16 || h.Format != TIFF {
			t.Errorf("bigEndian=%v: Probe = %+v, %v", bigEndian, h, err)
		}
		m := ReadMeta(TIFF, data)
		if m.Orientation != 3 || !bytes.Equal(m.ICC, icc) || m.EXIF != nil {
			t.Errorf("bigEndian=%v: ReadMeta orientation %d, ICC %d bytes", bigEndian, m.Orientation, len(m.ICC))
		}
		// A profile running past the end of the file is ignored.
		if m := ReadMeta(TIFF, data[:len(data)-10]); m.ICC != nil {
			t.Error("truncated TIFF profile returned")
		}
	}
}

func TestDefaultEncodeOptions(t *testing.T) {
	o := DefaultEncodeOptions(PNG)
	if o.Format != PNG || o.PNGLevel != -1 || o.Background != (color.NRGBA{255, 255, 255, 255}) || o.quality() != 80 {
		t.Errorf("DefaultEncodeOptions = %+v", o)
	}
	if q := DefaultEncodeOptions(AVIF).quality(); q != 50 {
		t.Errorf("AVIF default quality %d", q)
	}
}
