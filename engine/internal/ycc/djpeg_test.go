package ycc_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/internal/ycc"
	"github.com/imgpar/imgpar/engine/raster"
)

// The repository's test photos decoded by imgpar (jpegn at full size) and
// converted by ToRGBA against libjpeg-turbo's djpeg -nosmooth (the same
// chroma replication): the mean difference per channel is under 0.05
// levels, where Go's conversion (image/draw) is up to 0.38 off on these
// photos, and no sample is more than matrixDjpeg (4) apart (the IDCTs
// round differently).
func TestMatchesDjpeg(t *testing.T) {
	if _, err := exec.LookPath("djpeg"); err != nil {
		t.Skip("djpeg not found (Debian: libjpeg-turbo-progs); .ci/run installs it")
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "photos", "*.jpg"))
	if len(files) < 3 {
		t.Fatalf("found %d test photos", len(files))
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := raster.DecodeJPEGScaled(data, 1)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := img.(*image.YCbCr)
		if !ok {
			continue // grey
		}
		cmd := exec.Command("djpeg", "-nosmooth", "-ppm")
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: djpeg: %v", p, err)
		}
		ref, err := readPPM(out)
		if err != nil {
			t.Fatal(err)
		}
		goConv := image.NewRGBA(m.Rect)
		draw.Draw(goConv, m.Rect, m, m.Rect.Min, draw.Src)
		ours, maxd := meanDiff(ycc.ToRGBA(m), ref)
		theirs, _ := meanDiff(goConv, ref)
		t.Logf("%s: mean difference from djpeg R %+.3f G %+.3f B %+.3f (image/draw: %+.3f %+.3f %+.3f), max %d",
			filepath.Base(p), ours[0], ours[1], ours[2], theirs[0], theirs[1], theirs[2], maxd)
		for c, v := range ours {
			if v > 0.05 || v < -0.05 {
				t.Errorf("%s: channel %d is %+.3f levels from djpeg on average", filepath.Base(p), c, v)
			}
		}
		if maxd > 4 {
			t.Errorf("%s: a sample %d levels from djpeg's", filepath.Base(p), maxd)
		}
	}
}

func meanDiff(a *image.RGBA, ref [][3]uint8) ([3]float64, int) {
	var sum [3]float64
	maxd := 0
	for i, px := range ref {
		for c := range 3 {
			d := int(a.Pix[4*i+c]) - int(px[c])
			sum[c] += float64(d)
			maxd = max(maxd, d, -d)
		}
	}
	for c := range sum {
		sum[c] /= float64(len(ref))
	}
	return sum, maxd
}

func readPPM(data []byte) ([][3]uint8, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P6" || maxv != 255 {
		return nil, fmt.Errorf("ppm header: %v %q", err, magic)
	}
	r.ReadByte()
	px := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, px); err != nil {
		return nil, err
	}
	out := make([][3]uint8, w*h)
	for i := range out {
		out[i] = [3]uint8{px[3*i], px[3*i+1], px[3*i+2]}
	}
	return out, nil
}
