package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// BenchmarkDecodeProgressive decodes the progressive test photos (4:4:4 and
// 4:2:0, cjpeg's default scan script: four AC refinement scans), and the
// progressive JPEGs in $IMGPAR_CORPUS if set, at full size and at 1/4 (the
// scale imgpar uses to make 800 px from 5120 px), with the word-at-a-time
// AC scan paths and block by block (slowRefine).
func BenchmarkDecodeProgressive(b *testing.B) {
	files := []string{
		filepath.Join("..", "..", "..", "testdata", "photos", "kite-sky-landscape-progressive-444.jpg"),
		filepath.Join("..", "..", "..", "testdata", "photos", "forest-path-portrait-progressive-420.jpg"),
	}
	if dir := os.Getenv("IMGPAR_CORPUS"); dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		for _, p := range m {
			if data, err := os.ReadFile(p); err == nil {
				if fh, err := sofMarker(data); err == nil && fh == 0xC2 {
					files = append(files, p)
				}
			}
		}
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".jpg")
		for _, denom := range []int{1, 4} {
			for _, slow := range []bool{true, false} {
				path := "word"
				if slow {
					path = "slow"
				}
				b.Run(fmt.Sprintf("%s/1_%d/%s", name, denom, path), func(b *testing.B) {
					for b.Loop() {
						if _, err := decodeRefine(data, denom, slow); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// decodeRefine decodes data at 1/denom with the word-at-a-time refinement
// path (slow false) or coefficient by coefficient (refineBlock).
func decodeRefine(data []byte, denom int, slow bool) (image.Image, error) {
	d := newDecoder()
	d.reset()
	d.scaleDenom = denom
	d.slowRefine = slow
	return d.decode(data, false)
}

// Scan scripts for jpegtran -scans with several successive-approximation
// levels: every band of every component refined three or four times, some
// bands split (refinement scans that start past 1 or end before 63).
const (
	scansColour = `0,1,2: 0-0, 0, 3; 0: 1-5, 0, 4; 2: 1-63, 0, 3; 1: 1-63, 0, 3;
0: 6-63, 0, 4; 0: 1-63, 4, 3; 0,1,2: 0-0, 3, 2; 0,1,2: 0-0, 2, 1; 0,1,2: 0-0, 1, 0;
2: 1-63, 3, 2; 1: 1-63, 3, 2; 0: 1-63, 3, 2; 2: 1-63, 2, 1; 1: 1-63, 2, 1;
0: 1-63, 2, 1; 2: 1-63, 1, 0; 1: 1-63, 1, 0; 0: 1-63, 1, 0;`
	scansSplit = `0,1,2: 0-0, 0, 1; 0: 1-9, 0, 2; 0: 10-63, 0, 2; 1: 1-63, 0, 2; 2: 1-63, 0, 2;
0: 1-9, 2, 1; 0: 10-63, 2, 1; 1: 1-20, 2, 1; 1: 21-63, 2, 1; 2: 1-63, 2, 1;
0,1,2: 0-0, 1, 0; 0: 1-2, 1, 0; 0: 3-63, 1, 0; 1: 1-63, 1, 0; 2: 1-62, 1, 0; 2: 63-63, 1, 0;`
	scansGrey = `0: 0-0, 0, 2; 0: 1-63, 0, 5; 0: 0-0, 2, 1; 0: 1-63, 5, 4; 0: 1-63, 4, 3;
0: 0-0, 1, 0; 0: 1-30, 3, 2; 0: 31-63, 3, 2; 0: 1-63, 2, 1; 0: 1-63, 1, 0;`
)

// refineInputs returns progressive JPEGs with many refinement scans: the
// inputs of TestFastVLCMatchesSlow, and, when libjpeg-turbo's tools are
// installed, crops of the test photos at odd sizes made progressive by
// cjpeg -progressive, jpegtran -progressive and jpegtran -scans with the
// scripts above, at 4:2:0, 4:4:4 and grey, with and without restart
// intervals, each also truncated and with damaged scan data; tools
// reports whether the libjpeg-turbo files are among them.
func refineInputs(t *testing.T) (files map[string][]byte, tools bool) {
	files = fastPathInputs(t)
	cjpeg, err1 := exec.LookPath("cjpeg")
	jpegtran, err2 := exec.LookPath("jpegtran")
	if err1 != nil || err2 != nil {
		t.Log("cjpeg or jpegtran (libjpeg-turbo-progs) not installed: no multi-level refinement files")
		return files, false
	}
	run := func(stdin []byte, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return out
	}
	dir := t.TempDir()
	script := func(s string) string {
		p := filepath.Join(dir, fmt.Sprintf("scans%d.txt", len(s)))
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	colour, split, grey := script(scansColour), script(scansSplit), script(scansGrey)
	for _, photo := range []string{"moss-landscape-444.jpg", "leaf-autumn-landscape-422.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "photos", photo))
		if err != nil {
			t.Fatal(err)
		}
		src, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []image.Point{{333, 211}, {67, 45}, {8, 8}, {17, 3}} {
			var ppm bytes.Buffer
			fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", size.X, size.Y)
			for y := 0; y < size.Y; y++ {
				for x := 0; x < size.X; x++ {
					r, g, b, _ := src.At(src.Bounds().Min.X+x*3, src.Bounds().Min.Y+y*2).RGBA()
					ppm.Write([]byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)})
				}
			}
			for _, enc := range [][]string{{"-sample", "2x2"}, {"-sample", "1x1"}, {"-grayscale"}} {
				for _, q := range []string{"75", "97"} {
					base := run(ppm.Bytes(), cjpeg, append([]string{"-quality", q}, enc...)...)
					name := fmt.Sprintf("%s-%v-%v-q%s", photo, size, enc, q)
					files[name+"-cjpeg-progressive"] = run(ppm.Bytes(), cjpeg, append([]string{"-quality", q, "-progressive"}, enc...)...)
					files[name+"-jpegtran-progressive"] = run(base, jpegtran, "-progressive")
					files[name+"-jpegtran-progressive-restart"] = run(base, jpegtran, "-progressive", "-restart", "3B")
					scripts := []string{colour, split}
					if enc[0] == "-grayscale" {
						scripts = []string{grey}
					}
					for i, s := range scripts {
						files[fmt.Sprintf("%s-scans%d", name, i)] = run(base, jpegtran, "-scans", s)
						files[fmt.Sprintf("%s-scans%d-restart", name, i)] = run(base, jpegtran, "-scans", s, "-restart", "1B")
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(13, 21))
	// In name order, so that the same seed damages the same bytes every
	// run (a map's order is random, which made this a fuzz run).
	for _, name := range slices.Sorted(maps.Keys(files)) {
		b := files[name]
		if len(b) < 600 || strings.Contains(name, "truncated") {
			continue
		}
		files[name+"-truncated"] = b[:len(b)*3/4]
		// Damage inside the entropy-coded data, past the headers.
		bad := bytes.Clone(b)
		for range 3 {
			bad[len(bad)/2+r.IntN(len(bad)/2-2)] ^= byte(1 + r.IntN(255))
		}
		files[name+"-damaged"] = bad
	}
	return files, true
}

// The word-at-a-time refinement path decodes every input, valid, truncated
// or damaged, at every scale exactly as the coefficient-by-coefficient
// path: same pixels, same errors.
func TestRefineMatchesSlow(t *testing.T) {
	files, tools := refineInputs(t)
	progressive := 0
	for name, data := range files {
		if fh, err := sofMarker(data); err == nil && fh == 0xC2 {
			progressive++
		}
		for _, denom := range []int{1, 2, 4, 8} {
			sameDecode(t, fmt.Sprintf("%s 1/%d", name, denom), "word", "slow",
				func(slow bool) (image.Image, error) { return decodeRefine(data, denom, slow) })
		}
	}
	// With libjpeg-turbo's files there are hundreds; without, the
	// fast-path inputs alone (69 when this was written).
	want := 50
	if tools {
		want = 100
	}
	if progressive < want {
		t.Fatalf("only %d progressive inputs, want %d or more", progressive, want)
	}
	t.Logf("%d inputs, %d progressive", len(files), progressive)
}

// FuzzRefineMatchesSlow: on any input, the two refinement paths agree
// (pixels and errors) at 1/1 and 1/4.
func FuzzRefineMatchesSlow(f *testing.F) {
	addTestdataSeeds(f)
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for _, denom := range []int{1, 4} {
			sameDecode(t, fmt.Sprintf("1/%d", denom), "word", "slow",
				func(slow bool) (image.Image, error) { return decodeRefine(data, denom, slow) })
		}
	})
}
