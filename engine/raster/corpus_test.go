package raster

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// TestCorpusFidelity checks decode+resize against the slow reference on every JPEG
// and PNG of a photo corpus (such as the one ../shared/bench/corpus.sh builds). It runs only
// when IMGPAR_CORPUS names that directory: the corpus is large and not committed.
//
//	IMGPAR_CORPUS=/tmp/corpus go test -run CorpusFidelity -v ./engine/raster/
func TestCorpusFidelity(t *testing.T) {
	dir := os.Getenv("IMGPAR_CORPUS")
	if dir == "" {
		t.Skip("set IMGPAR_CORPUS to a directory of photos to run this check")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	seen := map[[32]byte]bool{}
	var psnrs, jpegs, pngs []float64
	var fast, slow time.Duration
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f))
		if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		if ext == ".png" {
			p := checkPNG(t, f, data)
			psnrs = append(psnrs, p)
			pngs = append(pngs, p)
			continue
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		w := 800
		h := max(1, int(math.Round(float64(cfg.Height)*float64(w)/float64(cfg.Width))))

		t0 := time.Now()
		denom := ShrinkDenom(cfg.Width, cfg.Height, w, h)
		img, used, err := DecodeJPEGScaled(data, denom)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got := ResizeScaled(img, cfg.Width, cfg.Height, used, w, h, Lanczos)
		t1 := time.Now()
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		ref := imaging.Resize(full, w, h, imaging.Lanczos)
		t2 := time.Now()
		fast += t1.Sub(t0)
		slow += t2.Sub(t1)
		if b := got.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("%s: got %v, want %dx%d", f, b, w, h)
		}
		p := PSNR(got, ref)
		psnrs = append(psnrs, p)
		jpegs = append(jpegs, p)
		t.Logf("%-40s %4dx%-4d %T denom %d/%d  %.2f dB  ours %v ref %v", filepath.Base(f), cfg.Width, cfg.Height, img, denom, used, p, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond))
		if p < 35 {
			t.Errorf("%s: PSNR %.2f dB < 35", f, p)
		}
	}
	if len(psnrs) == 0 {
		t.Skip("no JPEGs in " + dir)
	}
	for _, set := range []struct {
		name string
		v    []float64
	}{{"JPEG", jpegs}, {"PNG", pngs}} {
		if len(set.v) > 0 {
			slices.Sort(set.v)
			t.Logf("%d %s: PSNR min %.2f median %.2f dB", len(set.v), set.name, set.v[0], set.v[len(set.v)/2])
		}
	}
	slices.Sort(psnrs)
	med := psnrs[len(psnrs)/2]
	t.Logf("%d images: PSNR min %.2f median %.2f dB; decode+resize %v, reference %v", len(psnrs), psnrs[0], med, fast, slow)
	if med < 42 {
		t.Errorf("median PSNR %.2f dB < 42", med)
	}
}

// checkPNG resizes a PNG to 800 px wide against imaging and returns the PSNR.
func checkPNG(t *testing.T, f string, data []byte) float64 {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	b := img.Bounds()
	w := 800
	h := max(1, int(math.Round(float64(b.Dy())*float64(w)/float64(b.Dx()))))
	t0 := time.Now()
	got := Resize(img, w, h, Lanczos)
	t1 := time.Now()
	ref := imaging.Resize(img, w, h, imaging.Lanczos)
	p := PSNR(got, ref)
	t.Logf("%-40s %4dx%-4d %T %.2f dB  resize %v ref %v", filepath.Base(f), b.Dx(), b.Dy(), img, p, t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	if p < 35 {
		t.Errorf("%s: PSNR %.2f dB < 35", f, p)
	}
	return p
}

var _ image.Image
