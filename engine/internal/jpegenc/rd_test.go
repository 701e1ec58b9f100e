package jpegenc

import (
	"bytes"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTrellisRD measures the rate-distortion trade of trellis quantisation
// on the PNGs of IMGPAR_RD_DIR (e.g. imgpar's own 800 px outputs, `imgpar
// process DIR --width 800 --format png`): total bytes, mean PSNR and mean
// SSIM against the encoder's input, rounded at q78-88 and trellis at
// q80-88, so that the two can be compared at equal PSNR or SSIM
// (docs/benchmarks.md). It only reports.
func TestTrellisRD(t *testing.T) {
	dir := os.Getenv("IMGPAR_RD_DIR")
	if dir == "" {
		t.Skip("IMGPAR_RD_DIR not set (a directory of PNGs)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	var imgs []*image.RGBA
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		src, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		m := image.NewRGBA(src.Bounds())
		draw.Draw(m, m.Bounds(), src, src.Bounds().Min, draw.Src)
		imgs = append(imgs, m)
	}
	run := func(label string, o Options) {
		total, sumPSNR, sumSSIM := 0, 0.0, 0.0
		var took time.Duration
		for _, m := range imgs {
			var buf bytes.Buffer
			t0 := time.Now()
			if err := Encode(&buf, m, &o); err != nil {
				t.Fatal(err)
			}
			took += time.Since(t0)
			d := decodeStd(t, buf.Bytes())
			total += buf.Len()
			sumPSNR += psnr(m, d)
			sumSSIM += lumaSSIM(m, d)
		}
		n := float64(len(imgs))
		t.Logf("%-12s q%d: %9d bytes, PSNR %.3f dB, SSIM %.5f (%d images, %v)", label, o.Quality, total, sumPSNR/n, sumSSIM/n, len(imgs), took)
	}
	for _, q := range []int{78, 80, 82, 84, 86, 88} {
		run("rounded", Options{Quality: q})
	}
	for _, q := range []int{80, 82, 84, 86, 88} {
		run("trellis", Options{Quality: q, Trellis: true})
	}
}

// lumaSSIM is the mean SSIM of the BT.601 luma of a and b over 8x8
// windows every 4 pixels (constants of Wang et al. 2004 for 8-bit data).
func lumaSSIM(a, b image.Image) float64 {
	luma := func(m image.Image) ([]float64, int, int) {
		r := m.Bounds()
		out := make([]float64, r.Dx()*r.Dy())
		for y := 0; y < r.Dy(); y++ {
			for x := 0; x < r.Dx(); x++ {
				cr, cg, cb, _ := m.At(r.Min.X+x, r.Min.Y+y).RGBA()
				out[y*r.Dx()+x] = 0.299*float64(cr>>8) + 0.587*float64(cg>>8) + 0.114*float64(cb>>8)
			}
		}
		return out, r.Dx(), r.Dy()
	}
	la, w, h := luma(a)
	lb, _, _ := luma(b)
	const c1, c2 = 6.5025, 58.5225 // (0.01*255)^2, (0.03*255)^2
	sum, n := 0.0, 0
	for y := 0; y+8 <= h; y += 4 {
		for x := 0; x+8 <= w; x += 4 {
			var ma, mb float64
			for j := range 8 {
				for i := range 8 {
					ma += la[(y+j)*w+x+i]
					mb += lb[(y+j)*w+x+i]
				}
			}
			ma, mb = ma/64, mb/64
			var va, vb, cov float64
			for j := range 8 {
				for i := range 8 {
					p, q := la[(y+j)*w+x+i]-ma, lb[(y+j)*w+x+i]-mb
					va += p * p
					vb += q * q
					cov += p * q
				}
			}
			va, vb, cov = va/63, vb/63, cov/63
			sum += (2*ma*mb + c1) * (2*cov + c2) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}
