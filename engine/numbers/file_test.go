package numbers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails if dir holds leftover temporary files.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".imgpar-tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		path string
		f    Format
		ok   bool
		ext  string
	}{
		{"a/b.json", JSONArray, true, ".json"},
		{"B.JSON", JSONArray, true, ".json"},
		{"x.ndjson", NDJSON, true, ".ndjson"},
		{"x.JsonL", NDJSON, true, ".ndjson"},
		{"x.csv", Text, true, ".json"},
		{"x.TSV", Text, true, ".json"},
		{"x.txt", Text, true, ".json"},
		{"x.jpg", 0, false, ""},
		{"json", 0, false, ""},
	} {
		f, ok := FormatOf(tc.path)
		if ok != tc.ok || (ok && (f != tc.f || OutputExt(f) != tc.ext)) {
			t.Errorf("FormatOf(%q) = %v, %v", tc.path, f, ok)
		}
	}
}

func TestProcessFile(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, file, content string
		op                  Op
		rounds              int
		want                string
		count               int64
	}{
		{"json heavy", "a.json", "[1,2,3]", OpHeavy, 1, "{\"result\":[30,47,64]}\n", 3},
		{"json default heavy", "a.json", "[0,1]", "", 0, "{\"result\":[75016,75045]}\n", 2},
		{"json numbers double", "a.json", `{"numbers":[1.5,-0,1e308]}`, OpDouble, 0, "{\"result\":[3,0,null]}\n", 3},
		{"json payload square", "a.json", `{"task":"process-data","payload":[1,2,3]}`, OpSquare, 0, "{\"result\":[1,4,9]}\n", 3},
		{"json empty", "a.json", "[]", OpHeavy, 0, "{\"result\":[]}\n", 0},
		{"json stats", "a.json", "[3,1,2]", OpStats, 0, "{\"stats\":{\"count\":3,\"sum\":6,\"min\":1,\"max\":3,\"mean\":2,\"stddev\":0.816496580927726,\"p50\":2,\"p90\":2.8,\"p99\":2.98}}\n", 3},
		{"json stats empty", "a.json", "[]", OpStats, 0, "{\"stats\":{\"count\":0,\"sum\":null,\"min\":null,\"max\":null,\"mean\":null,\"stddev\":null,\"p50\":null,\"p90\":null,\"p99\":null}}\n", 0},
		{"csv", "a.csv", "# x\n1,2\n3\n", OpDouble, 0, "{\"result\":[2,4,6]}\n", 3},
		{"csv upper", "A.CSV", "1", OpDouble, 0, "{\"result\":[2]}\n", 1},
		{"csv empty", "a.csv", "", OpDouble, 0, "{\"result\":[]}\n", 0},
		{"txt stats", "a.txt", "1 2 3 4", OpStats, 0, "{\"stats\":{\"count\":4,\"sum\":10,\"min\":1,\"max\":4,\"mean\":2.5,\"stddev\":1.118033988749895,\"p50\":2.5,\"p90\":3.7,\"p99\":3.9699999999999998}}\n", 4},
		{"ndjson", "a.ndjson", "[1,2]\n\n{\"numbers\":[3]}\n[]\n", OpDouble, 0, "{\"result\":[2,4]}\n{\"result\":[6]}\n{\"result\":[]}\n", 3},
		{"jsonl stats", "a.jsonl", "[1]\n[1,3]\n", OpStats, 0,
			"{\"stats\":{\"count\":1,\"sum\":1,\"min\":1,\"max\":1,\"mean\":1,\"stddev\":0,\"p50\":1,\"p90\":1,\"p99\":1}}\n" +
				"{\"stats\":{\"count\":2,\"sum\":4,\"min\":1,\"max\":3,\"mean\":2,\"stddev\":1,\"p50\":2,\"p90\":2.8,\"p99\":2.98}}\n", 3},
		{"ndjson empty", "a.ndjson", "\n\n", OpDouble, 0, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeFile(t, dir, tc.file, tc.content)
			out := filepath.Join(dir, "out", "sub", "result.json")
			res, err := ProcessFile(ctx, in, out, Options{Op: tc.op, Rounds: tc.rounds}, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, out); got != tc.want {
				t.Errorf("output:\n got %q\nwant %q", got, tc.want)
			}
			if res.Count != tc.count || res.BytesIn != int64(len(tc.content)) || res.BytesOut != int64(len(tc.want)) {
				t.Errorf("result = %+v, want count %d, in %d, out %d", res, tc.count, len(tc.content), len(tc.want))
			}
			noTemps(t, filepath.Dir(out))
		})
	}
}

func TestProcessFileErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		file, content, want string
		op                  Op
	}{
		{"bad.csv", "1,2\n3,abc\n", `%s:2:3: not a number: "abc"`, OpHeavy},
		{"bad.csv", "1,2\n3,abc\n", `%s:2:3: not a number: "abc"`, OpStats},
		{"bad.json", "[1,\n\"x\"]", `%s:2:1: not a number: "x"`, OpDouble},
		{"bad.json", "{\"numbers\":[1]", `%s:1:15: invalid JSON: unexpected end of input`, OpDouble},
		{"bad.ndjson", "[1]\n[2,\"y\"]\n", `%s:2:4: not a number: "y"`, OpDouble},
		{"notes.md", "1", `%s: not a number file (want .json, .ndjson, .jsonl, .csv, .tsv or .txt)`, OpDouble},
	} {
		dir := t.TempDir()
		in := writeFile(t, dir, tc.file, tc.content)
		out := filepath.Join(dir, "out.json")
		_, err := ProcessFile(ctx, in, out, Options{Op: tc.op}, 2)
		want := fmt.Sprintf(tc.want, in)
		if err == nil || err.Error() != want {
			t.Errorf("%s: got error %v, want %s", tc.file, err, want)
		}
		if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("%s: output exists after an error", tc.file)
		}
		noTemps(t, dir)
	}
	dir := t.TempDir()
	if _, err := ProcessFile(ctx, filepath.Join(dir, "missing.csv"), filepath.Join(dir, "o.json"), Options{}, 1); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing input: %v", err)
	}
	in := writeFile(t, dir, "a.csv", "1")
	if _, err := ProcessFile(ctx, in, filepath.Join(dir, "o.json"), Options{Op: "cube"}, 1); err == nil {
		t.Error("unknown op accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ProcessFile(cctx, in, filepath.Join(dir, "o.json"), Options{}, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	noTemps(t, dir)
}

// trickyText returns a text number file exercising every separator,
// comments (with commas and '#' in them), CRLF, blank lines, long lines and
// runs of blanks.
func trickyText(r *rand.Rand, n int) string {
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteString("\ufeff")
	}
	b.WriteString("# header, a, b # c\n")
	for i := 0; i < n; i++ {
		v := []string{"1", "-2.5", "1e5", ".5", "5.", "+7", "-0", "99991", "-99990", "0.1", "3e-320", "1e300", "123456.789"}[r.IntN(13)]
		b.WriteString(v)
		// After a number: a line ending of some kind, or a separator
		// within the line (a comma is always followed by a number).
		switch r.IntN(50) {
		case 0:
			b.WriteString("\n# comment, 1, 2, #3\n")
		case 1:
			b.WriteString(" # trailing, comment\n")
		case 2:
			b.WriteString("\r\n")
		case 3:
			b.WriteString("\n\n  \t\n")
		case 4:
			b.WriteString("\n")
		default:
			b.WriteString([]string{", ", " ,\t", "\t", " ", ","}[r.IntN(5)])
		}
	}
	b.WriteString("42\n")
	return b.String()
}

// TestSplitRangesAssemble checks that processing the ranges of Split and
// assembling the parts gives exactly ProcessFile's output.
func TestSplitRangesAssemble(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 9))
	dir := t.TempDir()
	bigN, partCounts := 300_000, []int{1, 2, 3, 5, 8, 13, 64}
	if raceEnabled || testing.Short() {
		bigN, partCounts = 50_000, []int{1, 2, 5, 64}
	}
	files := map[string]string{
		"tricky.csv":     trickyText(rng, 3000),
		"small.txt":      "1 2 3",
		"oneline.csv":    strings.TrimSuffix(strings.Repeat("1.5,", 20000), ",") + "\n",
		"spaces.txt":     strings.Repeat("7    ", 5000),
		"comments.tsv":   "# " + strings.Repeat("x, ", 3000) + "\n1\t2\n# " + strings.Repeat("#y ", 2000) + "\n3",
		"empty.csv":      "",
		"onlycomm.csv":   "# nothing here\n# at all\n",
		"bom.csv":        "\ufeff1,2,3\n4,5,6\n",
		"crlf.csv":       strings.Repeat("10,20,30\r\n", 500),
		"whole.json":     `{"numbers":[1,2,3.5]}`,
		"big.csv":        bigCSV(rng, bigN),
		"commaspace.csv": strings.Repeat("1,   2,\t3 ,4\n", 2000),
	}
	// heavy with few rounds: the big file has 150k negative fractions, which
	// cost up to R exact rounds each.
	for _, op := range []Options{{Op: OpHeavy, Rounds: 300}, {Op: OpDouble}} {
		for name, content := range files {
			in := writeFile(t, dir, name, content)
			whole := filepath.Join(dir, "whole-"+name+".json")
			wres, err := ProcessFile(ctx, in, whole, op, 2)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := readFile(t, whole)
			for _, parts := range partCounts {
				ranges, err := Split(in, parts)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkRanges(t, name, content, ranges, parts)
				if len(content) > 10_000 && parts > 1 && len(ranges) < 2 {
					t.Fatalf("%s: %d bytes in %d parts gave %v", name, len(content), parts, ranges)
				}
				var partFiles []string
				var count int64
				for i, r := range ranges {
					pf := filepath.Join(dir, "parts", fmt.Sprintf("%s.%d.part", name, i))
					res, err := ProcessRange(ctx, in, r, pf, op, 2)
					if err != nil {
						t.Fatalf("%s range %v: %v", name, r, err)
					}
					count += res.Count
					partFiles = append(partFiles, pf)
				}
				out := filepath.Join(dir, "assembled.json")
				n, err := Assemble(out, partFiles)
				if err != nil {
					t.Fatal(err)
				}
				got := readFile(t, out)
				if got != want {
					t.Fatalf("%s in %d parts (%v): assembled output differs:\n got %.200q\nwant %.200q", name, parts, ranges, got, want)
				}
				if n != int64(len(want)) || count != wres.Count {
					t.Errorf("%s: bytes %d (want %d), count %d (want %d)", name, n, len(want), count, wres.Count)
				}
				for _, pf := range partFiles {
					if _, err := os.Stat(pf); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("part %s not removed", pf)
					}
				}
			}
		}
	}
	noTemps(t, dir)
}

func bigCSV(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d.%d", r.IntN(200000)-100000, r.IntN(1000))
		if i%10 == 9 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(',')
		}
	}
	return b.String()
}

// checkRanges checks that ranges tile the file and that every boundary is
// after a separator and before a non-separator.
func checkRanges(t *testing.T, name, content string, ranges []Range, parts int) {
	t.Helper()
	if len(ranges) == 0 || len(ranges) > max(1, parts) {
		t.Fatalf("%s: %d ranges for %d parts", name, len(ranges), parts)
	}
	if ranges[0].Start != 0 || ranges[len(ranges)-1].End != 0 {
		t.Fatalf("%s: ranges %v do not start at 0 and end at EOF", name, ranges)
	}
	for i := 1; i < len(ranges); i++ {
		b := ranges[i].Start
		if ranges[i-1].End != b || b <= ranges[i-1].Start || b >= int64(len(content)) {
			t.Fatalf("%s: ranges %v do not tile the file", name, ranges)
		}
		if !sepClass[content[b-1]] || sepClass[content[b]] {
			t.Fatalf("%s: boundary %d is not between a separator and a token: %q", name, b, content[b-1:b+1])
		}
	}
}

// TestProcessRangeErrors checks that errors in a range name the true line
// and column of the whole file, as ProcessFile does.
func TestProcessRangeErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, content := range []string{
		strings.Repeat("1,2,3\n", 3000) + "4,oops,5\n" + strings.Repeat("6\n", 3000),
		strings.Repeat("1 ", 10000) + "bad " + strings.Repeat("2 ", 10000),
		strings.Repeat("1,2\n", 3000) + "3,\n" + strings.Repeat("4\n", 3000),
		strings.Repeat("1, ", 3000) + ",2" + strings.Repeat(", 5", 3000),
		"\ufeff" + strings.Repeat("1 ", 5000) + "x",
		strings.Repeat("1 ", 5000) + "7,",
	} {
		in := writeFile(t, dir, "e.csv", content)
		_, werr := ProcessFile(ctx, in, filepath.Join(dir, "w.json"), Options{Op: OpDouble}, 1)
		if werr == nil {
			t.Fatalf("ProcessFile accepted %.40q", content)
		}
		for _, parts := range []int{2, 3, 7, 16} {
			ranges, err := Split(in, parts)
			if err != nil {
				t.Fatal(err)
			}
			var rerr error
			for i, r := range ranges {
				if _, err := ProcessRange(ctx, in, r, filepath.Join(dir, fmt.Sprintf("p%d", i)), Options{Op: OpDouble}, 1); err != nil {
					if rerr != nil {
						t.Fatalf("two ranges failed: %v and %v", rerr, err)
					}
					rerr = err
				}
			}
			if rerr == nil || rerr.Error() != werr.Error() {
				t.Errorf("%d parts: range error %v, want %v", parts, rerr, werr)
			}
		}
	}
	noTemps(t, dir)
}

func TestProcessRangeRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	csv := writeFile(t, dir, "a.csv", "12,34\n56")
	nd := writeFile(t, dir, "a.ndjson", "[1]\n[2]\n")
	js := writeFile(t, dir, "a.json", "[1,2]")
	out := filepath.Join(dir, "p")
	for _, tc := range []struct {
		in string
		r  Range
		o  Options
	}{
		{csv, Range{0, 0}, Options{Op: OpStats}},
		{nd, Range{0, 0}, Options{Op: OpDouble}},
		{js, Range{1, 0}, Options{Op: OpDouble}},
		{csv, Range{1, 0}, Options{Op: OpDouble}},  // inside a token
		{csv, Range{0, 2}, Options{Op: OpDouble}},  // ends inside a token
		{csv, Range{0, 99}, Options{Op: OpDouble}}, // beyond the end
		{csv, Range{5, 3}, Options{Op: OpDouble}},
	} {
		if _, err := ProcessRange(ctx, tc.in, tc.r, out, tc.o, 1); err == nil {
			t.Errorf("ProcessRange(%s, %v, %v) succeeded", filepath.Base(tc.in), tc.r, tc.o.Op)
		}
	}
	if rs, err := Split(nd, 4); err != nil || len(rs) != 1 || rs[0] != (Range{}) {
		t.Errorf("Split(ndjson) = %v, %v", rs, err)
	}
	if rs, err := Split(js, 4); err != nil || len(rs) != 1 {
		t.Errorf("Split(json) = %v, %v", rs, err)
	}
	if _, err := Split(filepath.Join(dir, "none.csv"), 2); err == nil {
		t.Error("Split of a missing file succeeded")
	}
}

func TestAssembleSkipsEmptyParts(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a", "1,2")
	b := writeFile(t, dir, "b", "")
	c := writeFile(t, dir, "c", "3")
	out := filepath.Join(dir, "o.json")
	if _, err := Assemble(out, []string{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, out); got != "{\"result\":[1,2,3]}\n" {
		t.Errorf("got %q", got)
	}
	if _, err := Assemble(out, []string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("Assemble of a missing part succeeded")
	}
	noTemps(t, dir)
}

func TestProcessValues(t *testing.T) {
	xs := []float64{10, 20, 30, 40}
	got, err := ProcessValues(context.Background(), xs, Options{Op: OpHeavy}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := string(appendResult(nil, []float64{heavyValue(10, DefaultRounds), heavyValue(20, DefaultRounds), heavyValue(30, DefaultRounds), heavyValue(40, DefaultRounds)}))
	if string(got) != want || xs[0] != 10 {
		t.Errorf("got %s, want %s (input %v)", got, want, xs)
	}
	got, err = ProcessValues(context.Background(), []float64{1, 2}, Options{Op: OpStats}, 1)
	if err != nil || !strings.HasPrefix(string(got), `{"stats":{"count":2,"sum":3,`) || !strings.HasSuffix(string(got), "}}") {
		t.Errorf("stats: %s, %v", got, err)
	}
	got, err = ProcessValues(context.Background(), nil, Options{Op: OpDouble}, 1)
	if err != nil || string(got) != `{"result":[]}` {
		t.Errorf("empty: %s, %v", got, err)
	}
	if _, err := ProcessValues(context.Background(), xs, Options{Op: "nope"}, 1); err == nil {
		t.Error("bad op accepted")
	}
}
