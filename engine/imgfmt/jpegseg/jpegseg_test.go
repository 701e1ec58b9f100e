package jpegseg

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkAll collects a walk of data, through the slice form and through the
// io.ReaderAt form, and fails the test if the two differ.
func walkAll(t testing.TB, data []byte) ([]Segment, error) {
	t.Helper()
	segs, err := collect(Segments(data))
	segsAt, errAt := collect(SegmentsAt(bytes.NewReader(data), int64(len(data))))
	if !equalSegs(segs, segsAt) || (err == nil) != (errAt == nil) || err != nil && err.Error() != errAt.Error() {
		t.Fatalf("Segments and SegmentsAt differ:\n%v %v\n%v %v", segs, err, segsAt, errAt)
	}
	return segs, err
}

func collect(seq func(func(Segment, error) bool)) ([]Segment, error) {
	var segs []Segment
	for s, err := range seq {
		if err != nil {
			return segs, err
		}
		segs = append(segs, s)
	}
	return segs, nil
}

func equalSegs(a, b []Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func markers(segs []Segment) string {
	var sb strings.Builder
	for i, s := range segs {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(name(s.Marker))
	}
	return sb.String()
}

func name(m byte) string {
	switch {
	case m == SOI:
		return "SOI"
	case m == EOI:
		return "EOI"
	case m == SOS:
		return "SOS"
	case m == DHT:
		return "DHT"
	case m == 0xDB:
		return "DQT"
	case m >= RST0 && m <= RST7:
		return "RST"
	case m == TEM:
		return "TEM"
	case IsSOF(m):
		return "SOF"
	case m >= 0xE0 && m <= 0xEF:
		return "APP"
	}
	return "?"
}

// seg builds a marker segment with a payload.
func seg(m byte, payload string) string {
	n := len(payload) + 2
	return "\xFF" + string([]byte{m, byte(n >> 8), byte(n)}) + payload
}

func TestSegmentsTrickyCases(t *testing.T) {
	const soi, eoi = "\xFF\xD8", "\xFF\xD9"
	sos := seg(SOS, "\x01\x01\x00\x00\x3F\x00")
	tests := []struct {
		name, data string
		want       string // the markers walked
		wantErr    string // "" for none
	}{
		{"minimal", soi + eoi, "SOI EOI", ""},
		{"fill bytes before markers", soi + "\xFF\xFF\xFF" + seg(0xE0, "JFIF\x00") + "\xFF\xFF" + eoi, "SOI APP EOI", ""},
		{"standalone TEM and RST outside a scan", soi + "\xFF\x01\xFF\xD3" + eoi, "SOI TEM RST EOI", ""},
		{"second SOI", soi + soi + eoi, "SOI SOI EOI", ""},
		{"scan with stuffed bytes and restarts", soi + sos + "\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD7\x78" + eoi, "SOI SOS EOI", ""},
		{"fill bytes then a stuffed zero inside a scan", soi + sos + "\x12\xFF\xFF\xFF\x00\x34" + eoi, "SOI SOS EOI", ""},
		{"fill bytes before EOI ending a scan", soi + sos + "\x12\x34\xFF\xFF\xFF\xD9", "SOI SOS EOI", ""},
		{"progressive: scans, tables between", soi + sos + "\x11\xFF\x00" + seg(DHT, "\x00abc") + sos + "\x22\xFF\xD1\x33" + eoi, "SOI SOS DHT SOS EOI", ""},
		{"a marker-like pair inside a payload", soi + seg(0xE1, "\xFF\xD9\xFF\xDA") + eoi, "SOI APP EOI", ""},
		{"trailer after EOI", soi + eoi + "camera trailer \xFF\x00\xFF", "SOI EOI", ""},
		{"extraneous bytes", soi + "junk" + seg(0xE0, "x") + eoi, "SOI APP EOI", ""},

		{"not a JPEG", "\x89PNG", "", "not a JPEG"},
		{"empty", "", "", "not a JPEG"},
		{"no EOI", soi + seg(0xE0, "x"), "SOI APP", "truncated (needs 2 bytes at offset 7, file has 7)"},
		{"cut in a length", soi + "\xFF\xE0\x00", "SOI", "truncated (needs 2 bytes at offset 4, file has 5)"},
		{"cut in a payload", soi + "\xFF\xE0\x00\x10abc", "SOI", "truncated: segment 0xE0 at offset 2 runs past the end (needs 20 bytes, file has 9)"},
		{"bad length", soi + "\xFF\xE0\x00\x01", "SOI", "bad segment length 1 at offset 4"},
		{"FF00 where a marker belongs", soi + "\xFF\x00" + eoi, "SOI", "bad marker 0xFF00 at offset 2"},
		{"scan cut short", soi + sos + "\x12\x34\xFF\x00", "SOI SOS", "truncated: the image data ends before its end-of-image marker"},
		{"scan ends in a lone 0xFF", soi + sos + "\x12\x34\xFF", "SOI SOS", "truncated: the image data ends before its end-of-image marker"},
		{"scan ends in fill bytes", soi + sos + "\x12\xFF\xFF\xFF", "SOI SOS", "truncated: the image data ends before its end-of-image marker"},
		{"scan ends after a restart", soi + sos + "\x12\xFF\xD0", "SOI SOS", "truncated: the image data ends before its end-of-image marker"},
		{"junk beyond the budget", soi + strings.Repeat("\x00", MaxSkip+10) + eoi, "SOI", "bad marker 0x0000 at offset 65538"},
	}
	for _, tt := range tests {
		segs, err := walkAll(t, []byte(tt.data))
		if got := markers(segs); got != tt.want {
			t.Errorf("%s: markers %q, want %q", tt.name, got, tt.want)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		case strings.HasPrefix(tt.wantErr, "truncated") && !errors.Is(err, ErrTruncated):
			t.Errorf("%s: error %v does not wrap ErrTruncated", tt.name, err)
		}
		for _, s := range segs {
			if d := []byte(tt.data); d[s.Offset] != 0xFF || d[s.Offset+1] != s.Marker {
				t.Errorf("%s: segment %+v does not point at its marker", tt.name, s)
			}
		}
	}
}

func TestSegmentsFields(t *testing.T) {
	data := []byte("\xFF\xD8ab\xFF\xFF" + seg(0xE1, "Exif\x00\x00") + "\xFF\xD9")
	segs, err := walkAll(t, data)
	if err != nil || len(segs) != 3 {
		t.Fatalf("walk = %+v, %v", segs, err)
	}
	app := segs[1]
	if app.Marker != APP1 || app.Offset != 6 || app.Length != 8 || app.Skipped != 2 {
		t.Errorf("APP1 = %+v, want offset 6 (after the fill bytes), length 8, 2 skipped", app)
	}
	if got := string(app.Payload(data)); got != "Exif\x00\x00" {
		t.Errorf("payload %q", got)
	}
	if eoi := segs[2]; eoi.Offset != 16 || eoi.Length != 0 || eoi.Start() != 18 || eoi.End() != 18 {
		t.Errorf("EOI = %+v, start %d, end %d", eoi, eoi.Start(), eoi.End())
	}
	// The caller may stop at any segment.
	n := 0
	for range Segments(data) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("the walk went on after the caller stopped")
	}
}

// TestSegmentsLongScan crosses SegmentsAt's read chunks inside entropy-coded
// data, with a run of fill bytes and a marker split across a boundary.
func TestSegmentsLongScan(t *testing.T) {
	sos := seg(SOS, "\x01\x01\x00\x00\x3F\x00")
	for _, tail := range []string{"\xFF\xD9", "\xFF\xFF\xFF\xD9", "\xFF\x00\xFF\xD9"} {
		for shift := range 4 {
			head := "\xFF\xD8" + sos
			scan := bytes.Repeat([]byte{0x12, 0xFF, 0x00}, entropyChunk/3)
			scan = scan[:entropyChunk-len(head)-2+shift]
			data := append(append([]byte(head), scan...), tail...)
			segs, err := walkAll(t, data)
			if err != nil || markers(segs) != "SOI SOS EOI" {
				t.Errorf("tail %q shift %d: %s, %v", tail, shift, markers(segs), err)
			}
		}
	}
}

// TestSegmentsRealFiles walks the repository's JPEGs and JPEGs that
// image/jpeg writes: every one reaches EOI, has one frame before its first
// scan, and stopping the walk at the frame reads little of a file.
func TestSegmentsRealFiles(t *testing.T) {
	files, _ := filepath.Glob("../../../testdata/photos/*.jpg")
	more, _ := filepath.Glob("../../../testdata/formats/*.jp*g")
	files = append(files, more...)
	if len(files) < 8 {
		t.Fatalf("found only %d JPEGs in testdata", len(files))
	}
	inputs := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	inputs["image/jpeg grey"] = buf.Bytes()
	for name, data := range inputs {
		segs, err := walkAll(t, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if last := segs[len(segs)-1]; last.Marker != EOI {
			t.Errorf("%s: walk ended at %s", name, markers(segs[len(segs)-1:]))
		}
		frames := 0
		for _, s := range segs {
			if IsSOF(s.Marker) {
				frames++
			}
			if s.Skipped != 0 {
				t.Errorf("%s: %d extraneous bytes before %+v", name, s.Skipped, s)
			}
		}
		if frames != 1 {
			t.Errorf("%s: %d frames", name, frames)
		}
		cr := &countingReader{r: bytes.NewReader(data)}
		for s := range SegmentsAt(cr, int64(len(data))) {
			if IsSOF(s.Marker) {
				break
			}
		}
		if cr.n > 4*len(segs) {
			t.Errorf("%s: walking to the frame read %d bytes", name, cr.n)
		}
	}
}

type countingReader struct {
	r io.ReaderAt
	n int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.n += len(p)
	return c.r.ReadAt(p, off)
}

// refWalk is a model of the walk, a byte at a time, for the fuzz target. It
// returns the segments and whether the walk ended without an error; ok is
// meaningless when more than MaxSkip-4096 bytes were skipped (the model
// does not follow the budget's chunking).
func refWalk(d []byte) (segs []Segment, ok, budget bool) {
	if len(d) < 2 || d[0] != 0xFF || d[1] != SOI {
		return nil, false, false
	}
	segs = append(segs, Segment{Marker: SOI})
	p, total := 2, 0
	for {
		skip := 0
		for p < len(d) && d[p] != 0xFF {
			p++
			skip++
		}
		if total += skip; total > MaxSkip-4096 {
			return segs, false, true
		}
		for p+1 < len(d) && d[p+1] == 0xFF {
			p++
		}
		if p+1 >= len(d) {
			return segs, false, false
		}
		m := d[p+1]
		if m == 0 {
			return segs, false, false
		}
		s := Segment{Marker: m, Offset: int64(p), Skipped: skip}
		if Standalone(m) {
			segs = append(segs, s)
			if m == EOI {
				return segs, true, false
			}
			p += 2
			continue
		}
		if p+4 > len(d) {
			return segs, false, false
		}
		s.Length = int(d[p+2])<<8 | int(d[p+3])
		if s.Length < 2 || p+2+s.Length > len(d) {
			return segs, false, false
		}
		segs = append(segs, s)
		p += 2 + s.Length
		if m != SOS {
			continue
		}
		for { // entropy-coded data
			for p < len(d) && d[p] != 0xFF {
				p++
			}
			q := p + 1
			for q < len(d) && d[q] == 0xFF {
				q++
			}
			if q >= len(d) {
				return segs, false, false
			}
			if c := d[q]; c != 0 && (c < RST0 || c > RST7) {
				break
			}
			p = q + 1
		}
	}
}

func FuzzSegments(f *testing.F) {
	sos := seg(SOS, "\x01\x01\x00\x00\x3F\x00")
	f.Add([]byte("\xFF\xD8\xFF\xD9"))
	f.Add([]byte("\xFF\xD8\xFF\xFF" + seg(0xE0, "JFIF") + "x\xFF\x01" + sos + "\x12\xFF\x00\xFF\xD0\xFF\xFF\x00\xFF\xFF\xD9"))
	f.Add([]byte("\xFF\xD8" + sos + "\xFF\x00" + seg(DHT, "ab") + sos + "\xFF"))
	files, _ := filepath.Glob("../../../testdata/photos/*.jpg")
	for _, p := range files[:min(2, len(files))] {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		segs, err := walkAll(t, data)
		ref, ok, budget := refWalk(data)
		if budget {
			return
		}
		if !equalSegs(segs, ref) || (err == nil) != ok {
			t.Fatalf("walk %+v, %v\nmodel %+v, ok %v", segs, err, ref, ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	})
}
