package jpegenc

import (
	"bytes"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTrellisRD measures Options.Trellis on the PNGs of IMGPAR_RD_DIR (e.g.
// imgpar's own outputs, `imgpar process DIR --width 800 --format png`): at
// each quality of IMGPAR_RD_Q (default 50,60,70,75,80,85,90,95) the bytes
// against the rounded files', the PSNR change (RGB, against the encoder's
// input, image/jpeg decoding) per image, the SSIM change (luma, 8x8
// windows) and the encode time per image (docs/benchmarks.md). It only
// reports.
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
	qs := []int{50, 60, 70, 75, 80, 85, 90, 95}
	if s := os.Getenv("IMGPAR_RD_Q"); s != "" {
		qs = nil
		for f := range strings.SplitSeq(s, ",") {
			q, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			qs = append(qs, q)
		}
	}
	n := float64(len(imgs))
	for _, q := range qs {
		type result struct {
			bytes      int
			psnr, ssim float64
		}
		run := func(o Options) ([]result, time.Duration) {
			var took time.Duration
			rs := make([]result, len(imgs))
			for i, m := range imgs {
				var buf bytes.Buffer
				t0 := time.Now()
				if err := Encode(&buf, m, &o); err != nil {
					t.Fatal(err)
				}
				took += time.Since(t0)
				d := decodeStd(t, buf.Bytes())
				rs[i] = result{buf.Len(), psnr(m, d), lumaSSIM(m, d)}
			}
			return rs, took
		}
		var stats [2]int
		base, tBase := run(Options{Quality: q})
		tr, tTr := run(Options{Quality: q, Trellis: true, tune: trellisTune{stats: &stats}})
		var bBase, bTr int
		var sumD, sumS float64
		minD, minS := math.Inf(1), math.Inf(1)
		for i := range imgs {
			bBase += base[i].bytes
			bTr += tr[i].bytes
			d, s := tr[i].psnr-base[i].psnr, tr[i].ssim-base[i].ssim
			sumD += d
			sumS += s
			minD, minS = min(minD, d), min(minS, s)
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
		t.Logf("q%d: %d -> %d bytes (%.4f); PSNR %+.3f dB mean, %+.3f min; SSIM %+.5f mean, %+.5f min; trellis kept %d, rounded %d; %.1f -> %.1f ms per image",
			q, bBase, bTr, float64(bTr)/float64(bBase), sumD/n, minD, sumS/n, minS, stats[0], stats[1], ms(tBase), ms(tTr))
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
