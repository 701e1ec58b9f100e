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

// trellisMinPSNR is how close (dB, RGB PSNR) the decoded trellis file of
// a test photo must stay to the decoded file of the rounded coefficients,
// and trellisMaxLoss how much less faithful to the photo (PSNR against it)
// it may be. Measured on the test photos (testImages, cut off their
// source's block grid by offGrid) at q50, q80 and q95: 32.3-50.5 dB from
// the rounded file, 0.04-0.34 dB lost, 0.83-0.96 of the bytes. The bounds
// leave room for other photos; a broken trellis (a wrong coefficient
// order, a lost sign, a dropped DC) lands far outside them.
const (
	trellisMinPSNR = 28
	trellisMaxLoss = 0.8
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

// The trellis file decodes (image/jpeg) close to the rounded one, is
// smaller on every photo, and is the same bytes when made twice,
// progressive or not, for every image type the encoder reads.
func TestTrellis(t *testing.T) {
	for i, img := range testImages(t) {
		img = offGrid(img)
		for _, m := range []struct {
			q    int
			prog bool
		}{{50, false}, {80, false}, {80, true}, {95, false}} {
			q, prog := m.q, m.prog
			if (q != 80 || prog) && i != 0 {
				continue // the other modes on a few images: the suite's time
			}
			{
				plain := encode(t, img, Options{Quality: q, Progressive: prog})
				tr := encode(t, img, Options{Quality: q, Progressive: prog, Trellis: true})
				if q == 80 && !prog {
					if again := encode(t, img, Options{Quality: q, Progressive: prog, Trellis: true}); !bytes.Equal(tr, again) {
						t.Fatalf("image %d q%d: two encodes differ", i, q)
					}
				}
				dp, dt := decodeStd(t, plain), decodeStd(t, tr)
				if !isPhoto(img) {
					continue
				}
				p := psnr(dp, dt)
				loss := psnr(img, dp) - psnr(img, dt)
				t.Logf("image %d %v q%d progressive=%v: %d -> %d bytes (%.3f), %.1f dB from the rounded file, %.2f dB less against the source",
					i, img.Bounds(), q, prog, len(plain), len(tr), float64(len(tr))/float64(len(plain)), p, loss)
				if p < trellisMinPSNR {
					t.Errorf("image %d q%d progressive=%v: trellis file %.1f dB from the rounded one, want >= %d", i, q, prog, p, trellisMinPSNR)
				}
				if loss > trellisMaxLoss {
					t.Errorf("image %d q%d progressive=%v: trellis file %.2f dB less faithful to the source, want <= %.1f", i, q, prog, loss, trellisMaxLoss)
				}
				if len(tr) >= len(plain) {
					t.Errorf("image %d q%d progressive=%v: trellis %d bytes, rounded %d", i, q, prog, len(tr), len(plain))
				}
			}
		}
	}
}

// With distortion weighted so heavily that no bit saving can pay for any
// of it, the trellis must keep the rounded coefficients, except where the
// value lies exactly half-way between two steps (then both have the same
// distortion and the cheaper one wins). This pins the port's bookkeeping
// (zig-zag positions, signs, runs, ZRL, EOB, the DC path) to the plain
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
			e := &encoder{dummyBlocks: true, keepRaw: true}
			e.initQuant(q)
			cs := e.transform(img)
			rounded := make([][]int16, len(cs))
			for ci := range cs {
				rounded[ci] = append([]int16(nil), cs[ci].coef...)
			}
			specs := baselineSpecs(cs)
			e.trellis(cs, &specs)
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

// djpeg (libjpeg-turbo) reads the trellis files, baseline and progressive,
// to within trellisMinPSNR of the rounded files' pixels.
func TestTrellisDjpeg(t *testing.T) {
	djpeg, err := exec.LookPath("djpeg")
	if err != nil {
		t.Skip("djpeg (libjpeg-turbo-progs) not installed")
	}
	run := func(b []byte) image.Image {
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
	for i, img := range testImages(t) {
		if !isPhoto(img) || i%3 != 0 {
			continue
		}
		img = offGrid(img)
		for _, prog := range []bool{false, true} {
			plain := run(encode(t, img, Options{Quality: 80, Progressive: prog}))
			tr := run(encode(t, img, Options{Quality: 80, Progressive: prog, Trellis: true}))
			if p := psnr(plain, tr); p < trellisMinPSNR {
				t.Errorf("image %d progressive=%v: djpeg reads the trellis file %.1f dB from the rounded one, want >= %d", i, prog, p, trellisMinPSNR)
			}
		}
	}
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
