package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decodeStore decodes data at 1/denom keeping every coefficient of a
// progressive image (full) or only those the scaled IDCT reads.
func decodeStore(data []byte, denom int, full bool) (image.Image, error) {
	d := newDecoder()
	d.reset()
	d.scaleDenom = denom
	d.fullCoeffs = full
	return d.decode(data, false)
}

// A scaled progressive decode that keeps only the coefficients its IDCT
// reads decodes every input, valid or not, exactly as one that keeps all 64:
// same pixels, same errors.
func TestCompactCoeffsMatchFull(t *testing.T) {
	files := fastPathInputs(t)
	progressive := 0
	for name, data := range files {
		if fh, err := sofMarker(data); err == nil && fh == 0xC2 {
			progressive++
		}
		for _, denom := range []int{2, 4, 8} {
			compact, err1 := safely(func() (image.Image, error) { return decodeStore(data, denom, false) })
			full, err2 := safely(func() (image.Image, error) { return decodeStore(data, denom, true) })
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("%s 1/%d: compact error %v, full error %v", name, denom, err1, err2)
			}
			if err1 == nil && !samePixels(compact, full) {
				t.Fatalf("%s 1/%d: compact store decodes different pixels", name, denom)
			}
		}
	}
	if progressive < 20 {
		t.Fatalf("only %d progressive inputs", progressive)
	}
}

// sofMarker returns the first SOFn marker of data.
func sofMarker(data []byte) (byte, error) {
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		m := data[i+1]
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			return m, nil
		}
		i += 2 + int(data[i+2])<<8 | int(data[i+3])
	}
	return 0, fmt.Errorf("no SOF")
}

// FuzzCompactCoeffsMatchFull: on any input, the compact and the full
// coefficient store agree (pixels and errors) at 1/2 and 1/8.
func FuzzCompactCoeffsMatchFull(f *testing.F) {
	for _, dir := range []string{"photos", "bad"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", dir, "*.jp*g"))
		for _, p := range m {
			if b, err := os.ReadFile(p); err == nil && len(b) < 200<<10 && !strings.Contains(p, "bomb") {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for _, denom := range []int{2, 8} {
			compact, err1 := safely(func() (image.Image, error) { return decodeStore(data, denom, false) })
			full, err2 := safely(func() (image.Image, error) { return decodeStore(data, denom, true) })
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("1/%d: compact error %v, full error %v", denom, err1, err2)
			}
			if err1 == nil && !samePixels(compact, full) {
				t.Fatalf("1/%d: compact store decodes different pixels", denom)
			}
		}
	})
}

// BenchmarkProgressiveStore decodes a progressive photo at 1/2 and 1/8 with
// the compact and the full coefficient store (allocations show the memory).
func BenchmarkProgressiveStore(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "photos", "kite-sky-landscape-progressive-444.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	for _, denom := range []int{2, 8} {
		for _, full := range []bool{true, false} {
			name := "compact"
			if full {
				name = "full"
			}
			b.Run(fmt.Sprintf("1_%d/%s", denom, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := decodeStore(data, denom, full); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
