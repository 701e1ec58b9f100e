package jpegenc

import (
	"bytes"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// rdPhotos returns real photos as the pipeline hands them to the encoder:
// the testdata photos and the first c21Count JPEGs of /tmp/c21 (when
// present), each resized to 800 and 200 pixels wide (Catmull-Rom, off
// every source block grid).
func rdPhotos(t *testing.T, c21Count int) (imgs []image.Image, names []string) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "photos", "*.jpg"))
	c21, _ := filepath.Glob("/tmp/c21/*.jpg")
	sort.Strings(c21)
	if len(c21) == 0 {
		t.Log("/tmp/c21 not present: the testdata photos only")
	}
	files = append(files, c21[:min(c21Count, len(c21))]...)
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
		for _, w := range []int{800, 200} {
			b := src.Bounds()
			h := (b.Dy()*w + b.Dx()/2) / b.Dx()
			m := image.NewRGBA(image.Rect(0, 0, w, h))
			xdraw.CatmullRom.Scale(m, m.Rect, src, b, xdraw.Src, nil)
			imgs = append(imgs, m)
			names = append(names, filepath.Base(p)+"@"+itoa(w))
		}
	}
	return imgs, names
}

func itoa(v int) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

// The default (rate-distortion rounding) against plain rounding at the
// quality's tables, on real photos at 800 and 200 px and qualities 30 to
// 95 (three per photo): every file is smaller, 2% smaller or more over all
// (2.7% on the testdata photos alone, which is what CI has), and its PSNR
// against the encoder's input is not lower, decoded by image/jpeg and by
// djpeg (libjpeg-turbo's smooth chroma upsampling; skipped when missing).
// The encoder holds this only in the DCT domain (TestRDRule); the decoded
// PSNR is the evidence that its margin covers the decoders' rounding.
func TestRDNotWorse(t *testing.T) {
	djpeg, err := exec.LookPath("djpeg")
	if err != nil {
		t.Log("djpeg (libjpeg-turbo-progs) not installed: image/jpeg decoding only")
	}
	imgs, names := rdPhotos(t, 6)
	sumPlain, sumRD := 0, 0
	for i, img := range imgs {
		// Three of the six qualities per photo, alternating photo by
		// photo (imgs holds each photo at 800 then 200 px): every quality
		// at both sizes on half the photos, in half the suite's time.
		qs := []int{30, 75, 90}
		if i/2%2 == 1 {
			qs = []int{50, 80, 95}
		}
		for _, q := range qs {
			plain := encode(t, img, Options{Quality: q, tune: plainTune})
			rd := encode(t, img, Options{Quality: q})
			sumPlain += len(plain)
			sumRD += len(rd)
			if len(rd) > len(plain) {
				t.Errorf("%s q%d: %d bytes, plain rounding %d", names[i], q, len(rd), len(plain))
			}
			pp, pr := psnr(img, decodeStd(t, plain)), psnr(img, decodeStd(t, rd))
			if pr < pp {
				t.Errorf("%s q%d: image/jpeg PSNR %.4f dB, plain rounding %.4f", names[i], q, pr, pp)
			}
			if djpeg != "" {
				dp, dr := psnr(img, runDjpeg(t, djpeg, plain)), psnr(img, runDjpeg(t, djpeg, rd))
				if dr < dp {
					t.Errorf("%s q%d: djpeg PSNR %.4f dB, plain rounding %.4f", names[i], q, dr, dp)
				}
			}
		}
	}
	r := float64(sumRD) / float64(sumPlain)
	t.Logf("%d images x 3 qualities: %d -> %d bytes (%.4f)", len(imgs), sumPlain, sumRD, r)
	if r > 0.98 {
		t.Errorf("%d bytes, plain rounding %d (%.4f), want <= 0.98", sumRD, sumPlain, r)
	}
}

// The rule the encoder holds, checked from the coefficients: the luma
// error (forward DCT units, against the unquantised coefficients) is at
// most plain rounding's less (1-rdFrac) of what the finer table removes,
// chroma is plain rounding's coefficient for coefficient, and the DC
// values are plain rounding's. On photos, generated images (noise, grey,
// odd sizes) and a photo on its own source's block grid (where the finer
// table does worse and the encoder falls back to plain rounding).
func TestRDRule(t *testing.T) {
	imgs := testImages(t)
	for i, img := range imgs {
		if isPhoto(img) {
			imgs[i] = offGrid(img)
		}
	}
	imgs = append(imgs, testPhotos(t)[0]) // on its own grid
	plainN := 0
	for i, img := range imgs {
		for _, q := range []int{30, 80, 95} {
			var p encoder
			p.dummyBlocks, p.keepRaw = true, true
			p.initQuant(q)
			plain := p.transform(img)
			var e encoder
			e.dummyBlocks = true
			e.initQuant(q)
			cs := e.transformRD(img, q, nil, false)
			fellBack := e.rd == nil
			if fellBack {
				plainN++
			}
			for ci := 1; ci < len(cs); ci++ {
				for k, v := range cs[ci].coef {
					if v != plain[ci].coef[k] {
						t.Fatalf("image %d q%d: chroma %d coefficient %d is %d, plain rounding %d", i, q, ci, k, v, plain[ci].coef[k])
					}
				}
			}
			var dPlain, dRD int64
			for _, bi := range codingOrder(cs, 0) {
				o := bi * blockSize
				dPlain += blockDist(plain[0].coef[o:o+blockSize], plain[0].raw[o:o+blockSize], &p.quant[quantIndexLuminance])
				dRD += blockDist(cs[0].coef[o:o+blockSize], plain[0].raw[o:o+blockSize], &e.quant[quantIndexLuminance])
				if cs[0].coef[o] != plain[0].coef[o] {
					t.Fatalf("image %d q%d: block %d DC %d, plain rounding %d", i, q, bi, cs[0].coef[o], plain[0].coef[o])
				}
			}
			if fellBack {
				if dRD != dPlain {
					t.Errorf("image %d q%d: fell back to plain rounding, but its luma error is %d, plain %d", i, q, dRD, dPlain)
				}
				continue
			}
			slack := e.rd.trueSlack
			if limit := dPlain - int64((1-rdFrac)*float64(slack)); dRD > limit || slack < 0 {
				t.Errorf("image %d q%d: luma error %d, plain rounding %d, budget slack %d: want <= %d", i, q, dRD, dPlain, slack, limit)
			}
		}
	}
	t.Logf("%d of %d encodes fell back to plain rounding", plainN, 3*len(imgs))
	if plainN == 0 || plainN == 3*len(imgs) {
		t.Errorf("%d of %d encodes fell back to plain rounding: the test covers only one path", plainN, 3*len(imgs))
	}
}

// TestRDMeasure reports, for the PNGs of IMGPAR_RD_DIR (e.g. imgpar's own
// outputs, `imgpar process DIR --width 800 --format png`) at each quality
// of IMGPAR_RD_Q (default 30,50,75,80,90,95), the default's bytes against
// plain rounding's, the PSNR change (RGB, image/jpeg decoding, against the
// encoder's input) per image and the mean luma SSIM change, and the
// encoding thread's CPU time per pass over the directory (plain and
// default alternating, 9 rounds of at least 8 Mpx at q80, GC between
// rounds; median ratio). It only
// reports (docs/benchmarks.md).
func TestRDMeasure(t *testing.T) {
	dir := os.Getenv("IMGPAR_RD_DIR")
	if dir == "" {
		t.Skip("IMGPAR_RD_DIR not set (a directory of PNGs)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	var imgs []image.Image
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
		xdraw.Draw(m, m.Rect, src, src.Bounds().Min, xdraw.Src)
		imgs = append(imgs, m)
	}
	qs := []int{30, 50, 75, 80, 90, 95}
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
	for _, q := range qs {
		var b0, b1, neg int
		var sumD, sumS float64
		minD := math.Inf(1)
		for _, m := range imgs {
			plain := encode(t, m, Options{Quality: q, tune: plainTune})
			rd := encode(t, m, Options{Quality: q})
			b0, b1 = b0+len(plain), b1+len(rd)
			dp, dr := decodeStd(t, plain), decodeStd(t, rd)
			d := psnr(m, dr) - psnr(m, dp)
			sumD += d
			minD = min(minD, d)
			if d < 0 {
				neg++
			}
			sumS += lumaSSIM(m, dr) - lumaSSIM(m, dp)
		}
		n := float64(len(imgs))
		t.Logf("q%d: %d -> %d bytes (%.4f); PSNR %+.4f dB mean, %+.4f min, %d lower; SSIM %+.5f mean",
			q, b0, b1, float64(b1)/float64(b0), sumD/n, minD, neg, sumS/n)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var buf bytes.Buffer
	px := 0
	for _, m := range imgs {
		px += m.Bounds().Dx() * m.Bounds().Dy()
	}
	reps := max(1, 8e6/px) // rounds of at least 8 Mpx
	run := func(o Options) float64 {
		runtime.GC()
		t0 := threadCPU()
		for range reps {
			for _, m := range imgs {
				buf.Reset()
				if err := Encode(&buf, m, &o); err != nil {
					t.Fatal(err)
				}
			}
		}
		return float64(threadCPU()-t0) / 1e6 / float64(reps)
	}
	var ps, rs, ratios []float64
	for range 9 {
		p, r := run(Options{Quality: 80, tune: plainTune}), run(Options{Quality: 80})
		ps, rs, ratios = append(ps, p), append(rs, r), append(ratios, r/p)
	}
	sort.Float64s(ps)
	sort.Float64s(rs)
	sort.Float64s(ratios)
	t.Logf("q80 encode CPU (this thread): plain %.1f ms median (%.1f min), default %.1f ms (%.1f); ratio median %.3f (quartiles %.3f-%.3f)",
		ps[4], ps[0], rs[4], rs[0], ratios[4], ratios[2], ratios[6])
}
