package numbers

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzParseText checks that the text parser never panics, reports errors as
// *ParseError with a position, reads the same through one-byte reads, and
// that what it accepts round-trips through AppendJS.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"1,2,3", "1 2\t3\n4\r\n", "# c\n1 # d\n", "+1 .5 5. 1e5 -0 1e400", "\ufeff1",
		"1,,2", ",1", "1,\n", "abc", "0x10", "Infinity", "NaN", "1e", "1_0", "--1", "1,2,", "#",
		"1, # c", "１", "\x00", "1\x002", "\"1\"", strings.Repeat("9", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, err := ParseText(bytes.NewReader(data))
		ys, err2 := ParseText(&oneByteReader{r: strings.NewReader(string(data))})
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) || !equalFloats(xs, ys) {
			t.Fatalf("one-byte reads differ: %v / %v, %v / %v", xs, ys, err, err2)
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 || !strings.Contains(pe.Msg, "not a number") {
				t.Fatalf("error %v (%T) has no position or message", err, err)
			}
			return
		}
		var b []byte
		for _, x := range xs {
			if math.IsInf(x, 0) {
				return
			}
			b = AppendJS(b, x)
			b = append(b, '\n')
		}
		zs, err := ParseText(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("reparse of %q: %v", b, err)
		}
		for i := range xs {
			if x := xs[i]; !sameBits(zs[i], x) && !(x == 0 && zs[i] == 0) {
				t.Fatalf("%v printed as %q reads back as %v", x, AppendJS(nil, x), zs[i])
			}
		}
	})
}

// FuzzParseJSON checks that the JSON parser never panics, accepts only valid
// JSON, agrees with encoding/json on arrays of numbers, and reads the same
// through one-byte reads.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		"[1,2,3]", "[]", `{"numbers":[1,2]}`, `{"task":"x","payload":[1]}`, `{"a":{"b":[null,true]},"numbers":[-0,1e-7]}`,
		`[1,"abc"]`, `[1,]`, `[01]`, `[1.]`, `[.5]`, `[+1]`, `[NaN]`, `[1e400]`, `{"numbers":[1],"payload":[2]}`,
		`{"numbers":1}`, `{"x":1}`, `42`, `"x"`, `[1] [2]`, ``, `[`, `{"a":"\u00e9\ud83d\ude00","numbers":[]}`,
		`{"a":"\ud800","numbers":[]}`, "\ufeff[1]", `[[[[]]]]`, `{"numbers":[1]`, "[1,\n2]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, err := ParseJSON(data)
		c := &collectSink{xs: []float64{}}
		err2 := newJSONParser(newSrc(&oneByteReader{r: strings.NewReader(string(data))}, 0, -1), false, c).document()
		if err2 != nil {
			err2 = resolveInMemory(err2, "")
		}
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) || (err == nil && !equalFloats(xs, c.xs)) {
			t.Fatalf("one-byte reads differ: %v / %v, %v / %v", xs, c.xs, err, err2)
		}
		plain := bytes.TrimPrefix(data, utf8BOM)
		var std []float64
		stdErr := json.Unmarshal(plain, &std)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error %v (%T) has no position", err, err)
			}
			// A top-level null unmarshals into a nil slice without error;
			// a number file that is null holds no array: refused on purpose.
			if stdErr == nil && std != nil {
				t.Fatalf("encoding/json reads %q as %v, we fail: %v", data, std, err)
			}
			return
		}
		if !json.Valid(plain) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if stdErr == nil && !equalFloats(xs, std) {
			t.Fatalf("%q: we read %v, encoding/json %v", data, xs, std)
		}
	})
}
