package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt/jpegseg"
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
			sameDecode(t, fmt.Sprintf("%s 1/%d", name, denom), "compact", "full",
				func(full bool) (image.Image, error) { return decodeStore(data, denom, full) })
		}
	}
	if progressive < 20 {
		t.Fatalf("only %d progressive inputs", progressive)
	}
}

// sofMarker returns the first SOFn marker of data.
func sofMarker(data []byte) (byte, error) {
	for seg, err := range jpegseg.Segments(data) {
		if err != nil {
			return 0, err
		}
		if jpegseg.IsSOF(seg.Marker) {
			return seg.Marker, nil
		}
	}
	return 0, fmt.Errorf("no SOF")
}

// FuzzCompactCoeffsMatchFull: on any input, the compact and the full
// coefficient store agree (pixels and errors) at 1/2 and 1/8.
func FuzzCompactCoeffsMatchFull(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for _, denom := range []int{2, 8} {
			sameDecode(t, fmt.Sprintf("1/%d", denom), "compact", "full",
				func(full bool) (image.Image, error) { return decodeStore(data, denom, full) })
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
