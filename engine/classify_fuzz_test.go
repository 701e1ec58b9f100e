package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
)

// fuzzExts are the names a fuzzed file is given: image extensions, number
// extensions, and names that are neither.
var fuzzExts = []string{".jpg", ".JPEG", ".png", ".gif", ".webp", ".bmp", ".tif", ".avif", ".json", ".txt", ".csv", ".ndjson", ".ini", ""}

// fuzzSeeds are the committed hostile corpus and the small files of
// testdata/formats.
func fuzzSeeds(f *testing.F, maxSize int64) [][]byte {
	var seeds [][]byte
	for _, pat := range []string{"../testdata/bad/*", "../testdata/formats/*"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() > maxSize {
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	if len(seeds) < 20 {
		f.Fatalf("only %d seeds from ../testdata", len(seeds))
	}
	return seeds
}

// FuzzClassify runs input sniffing and classification (and the planner on
// top of it) on arbitrary file contents under every kind of name: never a
// panic; a file named like an image is an image or a one-line failure,
// never skipped; an image passes the pixel limit and has a size; a file
// neither named nor shaped like an input is skipped.
func FuzzClassify(f *testing.F) {
	for i, data := range fuzzSeeds(f, 64<<10) {
		f.Add(data, uint8(i))
	}
	f.Add([]byte{}, uint8(0))
	f.Add([]byte("1 2 3\n"), uint8(9))
	f.Add([]byte("[1, 2.5, -3e2]"), uint8(8))
	dir := f.TempDir()
	const maxPixels = 1 << 24
	f.Fuzz(func(t *testing.T, data []byte, ext uint8) {
		name := "in" + fuzzExts[int(ext)%len(fuzzExts)]
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		_, named := imgfmt.FormatFromExt(path)
		_, numbersNamed := numbers.FormatOf(path)
		sniffed, shaped := imgfmt.Sniff(data[:min(len(data), imgfmt.SniffLen)])

		cl := classify(path, maxPixels)
		switch {
		case cl.err != "":
			if cl.kind != "" {
				t.Fatalf("both a kind %q and an error %q", cl.kind, cl.err)
			}
			if strings.ContainsAny(cl.err, "\r\n") {
				t.Fatalf("multi-line error %q", cl.err)
			}
		case cl.kind == KindImage:
			if cl.header.Width <= 0 || cl.header.Height <= 0 || cl.header.Pixels() > maxPixels {
				t.Fatalf("image with header %+v (limit %d px)", cl.header, maxPixels)
			}
			if !shaped || cl.format != sniffed || !cl.format.CanDecode() {
				t.Fatalf("image of format %q; sniffed %q (%v)", cl.format, sniffed, shaped)
			}
		case cl.kind == KindNumbers:
			if !numbersNamed {
				t.Fatalf("%s: a number file by content alone", name)
			}
		case cl.kind == "":
			if named || shaped || numbersNamed {
				t.Fatalf("%s skipped, but named (%v) or shaped (%v) like an input", name, named || numbersNamed, shaped)
			}
		default:
			t.Fatalf("unknown kind %q", cl.kind)
		}

		// The planner over the same file: one job, one failure or one skip.
		c := collectedOf(t, Input{Path: path, Rel: name})
		p, err := BuildPlan(c, PlanOptions{OutDir: filepath.Join(dir, "out"), Image: mustSpec(t, ImageOptions{Width: new(64), MaxPixels: new(int64(maxPixels))}),
			Numbers: NumbersSpec{Op: "double"}})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("multi-line plan error %q", err)
			}
			return
		}
		if n := len(p.Jobs) + len(p.Failures) + len(p.Skipped); n != 1 {
			t.Fatalf("plan has %d jobs, %d failures, %d skips for one input", len(p.Jobs), len(p.Failures), len(p.Skipped))
		}
		for _, j := range p.Jobs {
			if rel, err := filepath.Rel(filepath.Join(dir, "out"), j.Output); err != nil || strings.HasPrefix(rel, "..") {
				t.Fatalf("output %s outside the output directory", j.Output)
			}
		}
	})
}
