package raster

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDecodeJPEGMemory compares the header-only estimate with what DecodeJPEG
// really allocates.
func TestDecodeJPEGMemory(t *testing.T) {
	files := photoJPEGs(t)
	formats, _ := filepath.Glob("../../testdata/formats/*.jp*g")
	files = append(files, formats...)
	if raceEnabled || testing.Short() {
		files = fewPhotos(files)
	}
	synth := encodeJPEG(t, syntheticPhoto(1283, 641, 12), 80)
	type input struct {
		name string
		data []byte
	}
	var ins []input
	for _, f := range files {
		ins = append(ins, input{filepath.Base(f), readFile(t, f)})
	}
	ins = append(ins, input{"synthetic", synth})
	for _, in := range ins {
		for _, d := range []int{1, 2, 8} {
			est, err := DecodeJPEGMemory(in.data, d)
			if err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			DecodeJPEG(in.data, d) // warm pools
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := DecodeJPEG(in.data, d); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			ratio := float64(est) / float64(got)
			t.Logf("%-45s 1/%d: estimate %9d, allocated %9d (%.2f)", in.name, d, est, got, ratio)
			if (ratio < 0.95 || ratio > 1.5) && math.Abs(float64(est-got)) > 64<<10 {
				t.Errorf("%s at 1/%d: estimate %d bytes, allocated %d", in.name, d, est, got)
			}
		}
	}
	if _, err := DecodeJPEGMemory([]byte("not a jpeg"), 1); err == nil {
		t.Error("no error for a non-JPEG")
	}
}
