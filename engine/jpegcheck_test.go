package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
)

func TestCheckJPEGComplete(t *testing.T) {
	good, _ := filepath.Glob("../testdata/photos/*.jpg")
	formats, _ := filepath.Glob("../testdata/formats/*.jp*g")
	good = append(good, formats...)
	if len(good) < 8 {
		t.Fatalf("found only %d test JPEGs in ../testdata", len(good))
	}
	for _, p := range good {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h, err := imgfmt.ProbeBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := checkJPEGComplete(data, h.Width, h.Height); err != nil {
			t.Errorf("%s: a good JPEG was rejected: %v", p, err)
		}
		// Every cut through the scan data is caught.
		for _, frac := range []float64{0.5, 0.9, 0.999} {
			cut := data[:int(float64(len(data))*frac)]
			if err := checkJPEGComplete(cut, h.Width, h.Height); err == nil {
				t.Errorf("%s cut at %.1f%%: not detected", p, frac*100)
			}
		}
		// Bytes after EOI (camera trailers) are fine.
		if err := checkJPEGComplete(append(append([]byte(nil), data...), "trailer"...), h.Width, h.Height); err != nil {
			t.Errorf("%s with a trailer: %v", p, err)
		}
	}
	for _, name := range []string{"trunc-jpeg-at-366-after-sos-header.jpg", "trunc-jpeg-at-8589-half-scan.jpg",
		"trunc-progressive-at-1639-after-first-scan.jpg", "bomb-jpeg-16000x16000-under-limit.jpg"} {
		data, err := os.ReadFile(filepath.Join("../testdata/bad", name))
		if err != nil {
			t.Fatal(err)
		}
		h, err := imgfmt.ProbeBytes(data)
		if err != nil {
			continue // rejected even earlier
		}
		err = checkJPEGComplete(data, h.Width, h.Height)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: got %v, want a truncation error", name, err)
		}
	}
}
