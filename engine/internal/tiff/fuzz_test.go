package tiff

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds mutations of the conformance fixtures to Decode: it must
// never panic, and an image it returns has the size DecodeConfig reports.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("../../imgfmt/testdata/conformance/*.tif")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cerr := DecodeConfig(data)
		if cerr == nil && int64(cfg.Width)*int64(cfg.Height) > 1<<22 {
			return // a valid header for a huge image: allocation, not a bug
		}
		img, err := Decode(data)
		if err != nil {
			return
		}
		if cerr != nil {
			t.Fatalf("Decode succeeded, DecodeConfig failed: %v", cerr)
		}
		if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			t.Fatalf("decoded %v, config %dx%d", b, cfg.Width, cfg.Height)
		}
	})
}
