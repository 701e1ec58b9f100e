package numbers

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return false
		}
	}
	return true
}

var (
	inf  = math.Inf(1)
	negZ = math.Copysign(0, -1)
)

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []float64
	}{
		{"commas", "1,2,3", []float64{1, 2, 3}},
		{"all separators", "1 2\t3\n4\r\n5,6", []float64{1, 2, 3, 4, 5, 6}},
		{"comma and spaces", "1, 2 ,3 , 4\n", []float64{1, 2, 3, 4}},
		{"several per field", "1 2,3", []float64{1, 2, 3}},
		{"tsv", "1\t2\t3\n4\t5\t6\n", []float64{1, 2, 3, 4, 5, 6}},
		{"comments", "# header, with commas\n1\n   # indented\n2 # trailing, 3\n#\n3", []float64{1, 2, 3}},
		{"blank lines", "\n\n1\n\n  \n\t\n2\n\n", []float64{1, 2}},
		{"empty", "", []float64{}},
		{"only comment", "# nothing", []float64{}},
		{"js forms", "+1 .5 5. 1e5 -1E-2 -0 007 +.5e1 0.1", []float64{1, 0.5, 5, 1e5, -0.01, negZ, 7, 5, 0.1}},
		{"out of range", "1e400 -1e400 1e-400 -1e-400", []float64{inf, -inf, 0, negZ}},
		{"long digits", "0.1000000000000000055511151231257827021181583404541015625 123456789012345678901234567890", []float64{0.1, 1.2345678901234568e29}},
		{"bom", "\ufeff1,2", []float64{1, 2}},
		{"bom comment", "\ufeff# c\n3", []float64{3}},
		{"crlf", "1,2\r\n3,4\r\n", []float64{1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseText(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !equalFloats(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1,abc,3", `1:3: not a number: "abc"`},
		{"1\n2\n  0x10", `3:3: not a number: "0x10"`},
		{"Infinity", `1:1: not a number: "Infinity"`},
		{"-Infinity", `1:1: not a number: "-Infinity"`},
		{"NaN", `1:1: not a number: "NaN"`},
		{"1 inf", `1:3: not a number: "inf"`},
		{"1_000", `1:1: not a number: "1_000"`},
		{"0b1", `1:1: not a number: "0b1"`},
		{"1e", `1:1: not a number: "1e"`},
		{"1e+", `1:1: not a number: "1e+"`},
		{".", `1:1: not a number: "."`},
		{"+", `1:1: not a number: "+"`},
		{"--1", `1:1: not a number: "--1"`},
		{"1.2.3", `1:1: not a number: "1.2.3"`},
		{"\"1\"", `1:1: not a number: "\"1\""`},
		{"1\t12#3", `1:3: not a number: "12#3"`},
		{"１", `1:1: not a number: "１"`},
		{"1,,2", `1:3: not a number: ""`},
		{",1", `1:1: not a number: ""`},
		{"1,\n2", `1:3: not a number: ""`},
		{"1, \t\n2", `1:5: not a number: ""`},
		{"1,2,", `1:5: not a number: ""`},
		{"1, # c\n", `1:4: not a number: ""`},
		{"\ufeffx", `1:1: not a number: "x"`},
		{"# c\n\n 1 2\n3 4x\n", `4:3: not a number: "4x"`},
		{strings.Repeat("9", maxToken+10), `1:1: not a number: "` + strings.Repeat("9", 64) + `"...`},
	} {
		_, err := ParseText(strings.NewReader(tc.in))
		if err == nil {
			t.Errorf("ParseText(%.20q) succeeded", tc.in)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseText(%.20q): %T %v, want a *ParseError", tc.in, err, err)
		}
		if err.Error() != tc.want {
			t.Errorf("ParseText(%.20q):\n got %s\nwant %s", tc.in, err, tc.want)
		}
	}
}

// TestParseTextAcrossBuffers checks tokens split across reads, with a reader
// that returns one byte at a time.
func TestParseTextAcrossBuffers(t *testing.T) {
	in := "12345.678 -9e-3, 5\n# c\n42"
	got, err := ParseText(&oneByteReader{r: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if !equalFloats(got, []float64{12345.678, -9e-3, 5, 42}) {
		t.Errorf("got %v", got)
	}
	// A token straddling the 256 KiB buffer.
	var b strings.Builder
	var want []float64
	for i := 0; b.Len() < 3*srcBufSize; i++ {
		b.WriteString("1234567.125,")
		want = append(want, 1234567.125)
	}
	b.WriteString("7")
	want = append(want, 7)
	got, err = ParseText(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !equalFloats(got, want) {
		t.Errorf("got %d numbers, want %d", len(got), len(want))
	}
}

type oneByteReader struct{ r *strings.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestParseJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []float64
	}{
		{"array", "[1,2,3]", []float64{1, 2, 3}},
		{"empty array", " [ ] ", []float64{}},
		{"whitespace", "\n\t[ 1 ,\r\n 2 ]\n", []float64{1, 2}},
		{"numbers", `{"numbers":[1,2]}`, []float64{1, 2}},
		{"seed request", `{"numbers":[10,20,30,40]}`, []float64{10, 20, 30, 40}},
		{"seed message", `{"task":"process-data","payload":[1,2,3]}`, []float64{1, 2, 3}},
		{"worker message", `{"threadId":1,"numbers":[2,3,4,5,6]}`, []float64{2, 3, 4, 5, 6}},
		{"other keys", `{"a":{"b":[1,{"c":null}],"d":"x\"y\\u0041"},"numbers":[1e2,-0,0.5,-1.5E-3],"z":[true,false]}`, []float64{100, negZ, 0.5, -1.5e-3}},
		{"escaped key", `{"num\u0062ers":[4]}`, []float64{4}},
		{"bom", "\ufeff[5]", []float64{5}},
		{"big exponent", "[1e400,-1e400]", []float64{inf, -inf}},
		{"long", "[0.1000000000000000055511151231257827021181583404541015625]", []float64{0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !equalFloats(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[1,"abc"]`, `1:4: not a number: "abc"`},
		{"[1,\n2,\n \"x\"]", `3:2: not a number: "x"`},
		{`[1,null]`, `1:4: not a number: null`},
		{`[true]`, `1:2: not a number: true`},
		{`[1,[2]]`, `1:4: not a number: an array`},
		{`[{}]`, `1:2: not a number: an object`},
		{`[1,2`, `1:5: invalid JSON: unexpected end of input`},
		{`[1,]`, `1:4: invalid JSON: unexpected character ']'`},
		{`[1 2]`, `1:4: invalid JSON: unexpected character '2'`},
		{`[01]`, `1:2: invalid JSON: bad number "01"`},
		{`[1.]`, `1:2: invalid JSON: bad number "1."`},
		{`[.5]`, `1:2: invalid JSON: unexpected character '.'`},
		{`[+1]`, `1:2: invalid JSON: unexpected character '+'`},
		{`[-]`, `1:2: invalid JSON: bad number "-"`},
		{`[NaN]`, `1:2: invalid JSON: unexpected character 'N'`},
		{`[tru]`, `1:5: invalid JSON: unexpected character ']'`},
		{`{"numbers":[1],"payload":[2]}`, `1:16: both "numbers" and "payload" given; want one`},
		{`{"numbers":[1],"numbers":[2]}`, `1:16: duplicate key "numbers"`},
		{`{"x":1}`, `1:1: object has no "numbers" or "payload" array`},
		{`{}`, `1:1: object has no "numbers" or "payload" array`},
		{`{"numbers":"1,2"}`, `1:12: "numbers" must be an array of numbers, not "1,2"`},
		{`{"numbers":[1]`, `1:15: invalid JSON: unexpected end of input`},
		{`{"a" 1}`, `1:6: invalid JSON: unexpected character '1'`},
		{`{"a":1,}`, `1:8: invalid JSON: unexpected character '}'`},
		{`42`, `1:1: want an array of numbers or an object with a "numbers" or "payload" array, found a number`},
		{`"x"`, `1:1: want an array of numbers or an object with a "numbers" or "payload" array, found "x"`},
		{`[1] [2]`, `1:5: invalid JSON: unexpected character '[' after the end of the value`},
		{``, `1:1: invalid JSON: empty input (want an array of numbers or an object with a "numbers" or "payload" array)`},
		{"{\"a\":\"x\ty\",\"numbers\":[]}", `1:8: invalid JSON: control character 0x09 in string`},
		{`{"a":"\q","numbers":[]}`, `1:7: invalid JSON: bad escape \q in string`},
		{`{"a":"\u12G4","numbers":[]}`, `1:7: invalid JSON: bad \u escape in string`},
		{`{"a":` + strings.Repeat("[", maxDepth+5) + strings.Repeat("]", maxDepth+5) + `,"numbers":[]}`, `1:10007: invalid JSON: nested too deeply`},
	} {
		_, err := ParseJSON([]byte(tc.in))
		if err == nil {
			t.Errorf("ParseJSON(%.30q) succeeded", tc.in)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseJSON(%.30q): %T %v, want a *ParseError", tc.in, err, err)
		}
		if err.Error() != tc.want {
			t.Errorf("ParseJSON(%.30q):\n got %s\nwant %s", tc.in, err, tc.want)
		}
	}
}

// taskSink records the tasks of an NDJSON input.
type taskSink struct{ tasks [][]float64 }

func (s *taskSink) begin() error { s.tasks = append(s.tasks, []float64{}); return nil }
func (s *taskSink) add(xs []float64) error {
	s.tasks[len(s.tasks)-1] = append(s.tasks[len(s.tasks)-1], xs...)
	return nil
}
func (s *taskSink) end() error { return nil }

func parseNDJSON(in string) ([][]float64, error) {
	s := &taskSink{}
	err := newJSONParser(newSrc(strings.NewReader(in), 0, -1), true, s).lines()
	if err != nil {
		return nil, resolveInMemory(err, "")
	}
	return s.tasks, nil
}

func TestParseNDJSON(t *testing.T) {
	tasks, err := parseNDJSON("[1,2]\n\n{\"numbers\":[3]}\r\n  \n[]\n{\"task\":\"t\",\"payload\":[4,5]}\n[6]")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1, 2}, {3}, {}, {4, 5}, {6}}
	if len(tasks) != len(want) {
		t.Fatalf("got %d tasks %v, want %v", len(tasks), tasks, want)
	}
	for i := range want {
		if !equalFloats(tasks[i], want[i]) {
			t.Errorf("task %d = %v, want %v", i, tasks[i], want[i])
		}
	}
	if tasks, err := parseNDJSON(""); err != nil || len(tasks) != 0 {
		t.Errorf("empty NDJSON: %v, %v", tasks, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"[1,\n2]", `1:4: invalid JSON: unexpected end of line (NDJSON wants one value per line)`},
		{"[1]\n[2] x\n", `2:5: invalid JSON: unexpected character 'x' after the end of the value (NDJSON wants one value per line)`},
		{"[1]\n\n[\"a\"]", `3:2: not a number: "a"`},
		{"[1]\n5\n", `2:1: want an array of numbers or an object with a "numbers" or "payload" array, found a number`},
	} {
		_, err := parseNDJSON(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("NDJSON %q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "-0", "+0", "1", "1.", ".1", "1e1", "1E+1", "1e-1", "123456789012345", "1234567890123456", "00012", "9007199254740993"} {
		if _, ok := parseDecimal([]byte(s)); !ok {
			t.Errorf("parseDecimal(%q) failed", s)
		}
	}
	for _, s := range []string{"", "+", "-", ".", "e1", "1e", "0x1", "1_0", "inf", "Infinity", "nan", " 1", "1 ", "1..2", "1e1.5", "++1"} {
		if v, ok := parseDecimal([]byte(s)); ok {
			t.Errorf("parseDecimal(%q) = %v", s, v)
		}
	}
	if v, _ := parseDecimal([]byte("9007199254740993")); v != 9007199254740992 {
		t.Errorf("9007199254740993 parsed as %v, want 9007199254740992 (round to even)", v)
	}
	if v, _ := parseDecimal([]byte("-0")); !math.Signbit(v) {
		t.Error("-0 lost its sign")
	}
	if v, _ := parseJSONNumber([]byte("-0")); !math.Signbit(v) {
		t.Error("JSON -0 lost its sign")
	}
}

// TestParseFastMatchesStrconv checks the Clinger fast path against
// strconv.ParseFloat (correctly rounded) on random short decimals.
func TestParseFastMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	fast := 0
	for range n {
		var b []byte
		if rng.IntN(3) == 0 {
			b = append(b, "+-"[rng.IntN(2)])
		}
		digits := 1 + rng.IntN(17)
		dot := rng.IntN(digits + 2)
		for i := range digits {
			if i == dot {
				b = append(b, '.')
			}
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			b = append(b, "eE"[rng.IntN(2)])
			if rng.IntN(2) == 0 {
				b = append(b, "+-"[rng.IntN(2)])
			}
			b = strconv.AppendInt(b, int64(rng.IntN(40)), 10)
		}
		want, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if got, ok := parseFast(b); ok {
			fast++
			if !sameBits(got, want) {
				t.Fatalf("parseFast(%s) = %v, strconv gives %v", b, got, want)
			}
		}
		if got, ok := parseDecimal(b); !ok || !sameBits(got, want) {
			t.Fatalf("parseDecimal(%s) = %v, %v; strconv gives %v", b, got, ok, want)
		}
	}
	if fast < n/4 {
		t.Errorf("fast path taken only %d times of %d", fast, n)
	}
}
