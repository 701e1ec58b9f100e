package jpegenc

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"io"
	"os/exec"
	"testing"
)

// offGrid returns a photo less its first 3 columns and 5 rows, so that
// its 8x8 blocks do not fall on those of the JPEG it was decoded from
// (re-encoding on the source's own grid at its own quality gives back
// nearly its own coefficients, and any change to them looks large).
func offGrid(img image.Image) image.Image {
	b := img.Bounds()
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok && isPhoto(img) {
		return s.SubImage(image.Rect(b.Min.X+3, b.Min.Y+5, b.Max.X, b.Max.Y))
	}
	return img
}

// isPhoto tells the testdata photos from the small generated images
// (noise, on which rate-distortion choices are no guide).
func isPhoto(img image.Image) bool { return img.Bounds().Dx() > 100 }

// The trellis file is never bigger than the rounded file at the same
// quality (what Encode writes without Trellis), 2% smaller or more over
// the photos (where the trellis loses, the rounded file is written), its PSNR against the image (image/jpeg
// decoding) is never lower, and it is the same bytes when made twice,
// progressive or not, for every image type the encoder reads. Without the
// finer tables or the decode check (trellisTune) this fails.
func TestTrellis(t *testing.T) {
	testTrellis(t, trellisTune{})
}

func testTrellis(t *testing.T, tune trellisTune) bool {
	// Against plain rounding (which the trellis then compares itself
	// with): the default's rate-distortion rounding (rdo.go) saves more
	// than the trellis mix, which then falls back to it nearly always.
	tune.rd = plainTune.rd
	ok := true
	sumPlain, sumTr := 0, 0
	for i, img := range testImages(t) {
		img = offGrid(img)
		for _, m := range []struct {
			q    int
			prog bool
		}{{50, false}, {80, false}, {80, true}, {95, false}} {
			q, prog := m.q, m.prog
			if (q != 80 || prog) && i > 1 {
				continue // the other modes on a few images: the suite's time
			}
			plain := encode(t, img, Options{Quality: q, Progressive: prog, tune: plainTune})
			tr := encode(t, img, Options{Quality: q, Progressive: prog, Trellis: true, tune: tune})
			if again := encode(t, img, Options{Quality: q, Progressive: prog, Trellis: true, tune: tune}); !bytes.Equal(tr, again) {
				t.Fatalf("image %d q%d: two encodes differ", i, q)
			}
			pp, pt := psnr(img, decodeStd(t, plain)), psnr(img, decodeStd(t, tr))
			if isPhoto(img) {
				t.Logf("image %d %v q%d progressive=%v: %d -> %d bytes (%.3f), PSNR %.3f -> %.3f dB",
					i, img.Bounds(), q, prog, len(plain), len(tr), float64(len(tr))/float64(len(plain)), pp, pt)
				sumPlain += len(plain)
				sumTr += len(tr)
			}
			if pt < pp {
				ok = false
				t.Errorf("image %d q%d progressive=%v: trellis file %.3f dB against the image, rounded %.3f", i, q, prog, pt, pp)
			}
			if len(tr) > len(plain) {
				ok = false
				t.Errorf("image %d q%d progressive=%v: trellis %d bytes, rounded %d", i, q, prog, len(tr), len(plain))
			}
		}
	}
	if r := float64(sumTr) / float64(sumPlain); r > 0.98 {
		ok = false
		t.Errorf("photos: trellis %d bytes, rounded %d (%.3f), want <= 0.98", sumTr, sumPlain, r)
	}
	return ok
}

// trellisAll trellis quantises the AC coefficients of every block of cs.
func trellisAll(e *encoder, cs []component, specs *[nHuffIndex]huffmanSpec) {
	var invQ2 [nQuantIndex][blockSize]float64
	for t := range invQ2 {
		for i := range blockSize {
			qq := float64(e.quant[t][i])
			invQ2[t][i] = 1 / float64(qq*qq)
		}
	}
	var st trellisState
	for ci := range cs {
		c := &cs[ci]
		acLen := lengthsOf(specs[2*int(c.q)+1])
		for _, bi := range codingOrder(cs, ci) {
			i := bi * blockSize
			st.trellisAC(c.coef[i:i+blockSize], c.raw[i:i+blockSize], &e.quant[c.q], &invQ2[c.q], &acLen, e.lambda)
		}
	}
}

// With distortion weighted so heavily that no bit saving can pay for any
// of it, the trellis must keep the rounded coefficients, except where the
// value lies exactly half-way between two steps (then both have the same
// distortion and the cheaper one wins). This pins the port's bookkeeping
// (zig-zag positions, signs, runs, ZRL, EOB) to the plain
// quantiser's.
func TestTrellisInfiniteLambda(t *testing.T) {
	saved := trellisLambda
	trellisLambda = 1e15
	defer func() { trellisLambda = saved }()
	for i, img := range testImages(t) {
		if isPhoto(img) && i%2 != 0 {
			continue // half the photos: the suite's time
		}
		for _, q := range []int{30, 90} {
			e := &encoder{dummyBlocks: true, keepRaw: true, lambda: trellisLambda}
			e.initQuant(q)
			cs := e.transform(img)
			rounded := make([][]int16, len(cs))
			for ci := range cs {
				rounded[ci] = append([]int16(nil), cs[ci].coef...)
			}
			specs := baselineSpecs(cs, nil, nil)
			trellisAll(e, cs, &specs)
			ties := 0
			for ci, c := range cs {
				for k, v := range c.coef {
					r := rounded[ci][k]
					if b := k / blockSize; v == r || b%c.bw >= c.cw || b/c.bw >= c.ch {
						continue // equal, or a dummy block (its DC copies the one before)
					}
					raw, qs := int(c.raw[k]), 8*int(e.quant[c.q][k%blockSize])
					if abs(int(v)*qs-raw) != abs(int(r)*qs-raw) || (v != 0 && (v < 0) != (raw < 0)) {
						t.Fatalf("image %d q%d component %d block %d coefficient %d: trellis %d, rounded %d (raw %d, step %d)",
							i, q, ci, k/blockSize, k%blockSize, v, r, raw, qs)
					}
					ties++
				}
			}
			if ties > len(cs[0].coef)/50 {
				t.Errorf("image %d q%d: %d coefficients changed at ties", i, q, ties)
			}
		}
	}
}

// djpeg (libjpeg-turbo) and image/jpeg each decode the baseline and the
// progressive trellis file of a photo to the same pixels, and djpeg's
// pixels are as close to the photo as its pixels of the rounded file
// (the encoder checks this with image/jpeg's; measured on the test photos
// at q50-95: djpeg -0.000 to +0.10 dB).
func TestTrellisDjpeg(t *testing.T) {
	djpeg, err := exec.LookPath("djpeg")
	if err != nil {
		t.Skip("djpeg (libjpeg-turbo-progs) not installed")
	}
	run := func(b []byte) image.Image { return runDjpeg(t, djpeg, b) }
	for i, img := range testImages(t) {
		if !isPhoto(img) {
			continue
		}
		img = offGrid(img)
		for _, q := range []int{50, 80, 95} {
			base := encode(t, img, Options{Quality: q, Trellis: true, tune: plainTune})
			prog := encode(t, img, Options{Quality: q, Trellis: true, Progressive: true, tune: plainTune})
			db, dp := run(base), run(prog)
			if err := samePixels(db, dp); err != nil {
				t.Errorf("image %d q%d: djpeg decodes the baseline and progressive trellis files differently: %v", i, q, err)
			}
			if err := samePixels(decodeStd(t, base), decodeStd(t, prog)); err != nil {
				t.Errorf("image %d q%d: image/jpeg decodes the baseline and progressive trellis files differently: %v", i, q, err)
			}
			pr, pt := psnr(img, run(encode(t, img, Options{Quality: q, tune: plainTune}))), psnr(img, db)
			t.Logf("image %d q%d: djpeg PSNR %.3f -> %.3f dB", i, q, pr, pt)
			if pt < pr-0.02 {
				t.Errorf("image %d q%d: djpeg reads the trellis file at %.3f dB against the photo, the rounded one at %.3f", i, q, pt, pr)
			}
		}
	}
}

// runDjpeg decodes the JPEG file b with djpeg.
func runDjpeg(t testing.TB, djpeg string, b []byte) image.Image {
	cmd := exec.Command(djpeg, "-pnm")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("djpeg: %v", err)
	}
	m, err := parsePNM(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parsePNM reads djpeg's binary PPM (P6) or PGM (P5) output.
func parsePNM(b []byte) (image.Image, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil {
		return nil, fmt.Errorf("pnm header: %v", err)
	}
	if _, err := r.ReadByte(); err != nil || maxv != 255 {
		return nil, fmt.Errorf("pnm header: maxval %d", maxv)
	}
	switch magic {
	case "P5":
		m := image.NewGray(image.Rect(0, 0, w, h))
		if _, err := io.ReadFull(r, m.Pix); err != nil {
			return nil, err
		}
		return m, nil
	case "P6":
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		px := make([]byte, 3*w*h)
		if _, err := io.ReadFull(r, px); err != nil {
			return nil, err
		}
		for i := range w * h {
			copy(m.Pix[4*i:4*i+3], px[3*i:3*i+3])
			m.Pix[4*i+3] = 255
		}
		return m, nil
	}
	return nil, fmt.Errorf("pnm: magic %q", magic)
}
