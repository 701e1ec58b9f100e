package raster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// TestJPEGDecodeMatrix is the JPEG differential test (issue 12 item 2):
// generated JPEGs of every size class, sampling, coding mode and colour kind,
// decoded by DecodeJPEGScaled (the production path: jpegn, or image/jpeg
// where raster sends 4-component files or jpegn refuses one) at 1/1, 1/2, 1/4
// and 1/8, compared pixel by pixel with image/jpeg and, where installed,
// libjpeg-turbo's djpeg.
//
// Two sources of files, both cut from matrixPhoto:
//
//   - Go's encoder (always): baseline 4:2:0 colour and greyscale, every width
//     and height 1..67 (4489 sizes each); 26x26 sizes under -short.
//   - cjpeg (libjpeg-turbo; ImageMagick's convert for CMYK), skipped when
//     absent: 4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1, each baseline,
//     progressive, baseline with a restart every MCU and progressive with a
//     restart every 2 MCUs; greyscale progressive, restart and progressive
//     with restarts; CMYK baseline and progressive (Adobe, inverted). Sizes
//     pair every width 1..67 with a height h = 29w mod 67 + 1 (so every
//     height 1..67 appears too, against varied widths), plus issue 12's
//     32x23, 40x23 and 23x32. IMGPAR_JPEG_MATRIX=full (.ci/run) runs all 70
//     sizes with djpeg at every scale; plain go test every eighth size (and
//     the three), djpeg at full size and at one scale per cell in turn;
//     -short five sizes.
//
// Thresholds (max difference over all pixels, 8-bit levels):
//   - 1/1, RGB: matrixStd vs image/jpeg (their IDCTs round differently; the
//     worst seen over the full matrix is 3), matrixDjpeg vs djpeg -nosmooth.
//   - 1/2, 1/4, 1/8, luma: matrixScaledLuma vs djpeg -nosmooth -scale 1/d
//     (exact at 1/8, both use the DC alone; at 1/2 and 1/4 jpegn's scaled
//     IDCTs read only the top-left 4x4 and 2x2 coefficients, as IJG libjpeg
//     7+ does, libjpeg-turbo's a few more) and vs image/jpeg's full decode
//     box-averaged; colour by PSNR >= matrixScaledPSNR only, as jpegn and
//     libjpeg scale subsampled chroma differently (libjpeg keeps chroma at
//     a larger IDCT size) and neither is a box filter.
//
// A cell image/jpeg refuses (some progressive files with restarts: "missing
// 0xff00 sequence") is checked against djpeg alone; production must decode
// every cell (jpegn does).
func TestJPEGDecodeMatrix(t *testing.T) {
	full := os.Getenv("IMGPAR_JPEG_MATRIX") == "full"
	t.Run("go-encoder", func(t *testing.T) { matrixGoEncoder(t, full) })
	t.Run("cjpeg", func(t *testing.T) { matrixCjpeg(t, full) })
}

const (
	matrixStd   = 3
	matrixDjpeg = 4
)

var (
	matrixScaledLuma = map[string]map[int]int{
		"djpeg": {2: 3, 4: 7, 8: 1},
		"box":   {2: 4, 4: 9, 8: 10},
	}
	matrixScaledPSNR = map[int]float64{2: 27, 4: 19, 8: 16}
)

func matrixGoEncoder(t *testing.T, full bool) {
	var sizes []int
	if full || !testing.Short() {
		for s := 1; s <= 67; s++ {
			sizes = append(sizes, s)
		}
	} else {
		sizes = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 67}
	}
	src := matrixPhoto(7)
	var stats matrixStats
	for _, w := range sizes {
		for _, h := range sizes {
			sub := src.SubImage(image.Rect(0, 0, w, h))
			for _, kind := range []string{"420", "gray"} {
				var img image.Image = sub
				if kind == "gray" {
					img = toGray(sub)
				}
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
					t.Fatal(err)
				}
				c := matrixCell{name: fmt.Sprintf("go %s %dx%d", kind, w, h), w: w, h: h, data: buf.Bytes()}
				c.check(t, nil, &stats)
			}
		}
	}
	stats.log(t)
}

// matrixPhoto is the 67x67 source every matrix file is cut from: colour
// gradients and textures of periods 8 to 40 pixels (plenty of AC coefficients
// for the progressive refinement scans) with noise of 2 levels. It has less
// high-frequency energy than syntheticPhoto's, because jpegn's scaled IDCTs
// (1/2, 1/4) approximate with the low coefficients only, and libjpeg's do
// otherwise: on sharp edges the two differ by tens of levels, which would
// hide real decoding errors under a loose threshold.
func matrixPhoto(seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewNRGBA(image.Rect(0, 0, 67, 67))
	for y := 0; y < 67; y++ {
		for x := 0; x < 67; x++ {
			fx, fy := float64(x), float64(y)
			n := rng.NormFloat64() * 1.5
			i := img.PixOffset(x, y)
			img.Pix[i] = clampF(128 + 70*math.Sin(fx/6.4+fy/13) + 12*math.Cos(fy/4) + n)
			img.Pix[i+1] = clampF(120 + 60*math.Cos(fx/9-fy/7) + 10*math.Sin(fx/4.5) + n)
			img.Pix[i+2] = clampF(60 + 1.5*fx + 1.2*fy + 15*math.Sin((fx+fy)/5) + n)
			img.Pix[i+3] = 255
		}
	}
	return img
}

func toGray(m image.Image) *image.Gray {
	b := m.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g.Set(x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return g
}

// matrixKind is one way of encoding a file with the reference tools.
type matrixKind struct {
	name string
	tool string // cjpeg or convert
	args []string
}

func matrixKinds() []matrixKind {
	var kinds []matrixKind
	modes := []struct {
		name string
		args []string
	}{
		{"baseline", nil},
		{"progressive", []string{"-progressive"}},
		{"restart", []string{"-restart", "1B"}},
		{"progressive-restart", []string{"-progressive", "-restart", "2B"}},
	}
	for _, s := range []struct{ name, sample string }{
		{"444", "1x1"}, {"422", "2x1"}, {"420", "2x2"}, {"440", "1x2"}, {"411", "4x1"},
	} {
		for _, m := range modes {
			args := append([]string{"-quality", "85", "-sample", s.sample}, m.args...)
			kinds = append(kinds, matrixKind{name: s.name + " " + m.name, tool: "cjpeg", args: args})
		}
	}
	for _, m := range modes[1:] {
		kinds = append(kinds, matrixKind{name: "gray " + m.name, tool: "cjpeg", args: append([]string{"-quality", "85", "-grayscale"}, m.args...)})
	}
	kinds = append(kinds,
		matrixKind{name: "cmyk baseline", tool: "convert", args: []string{"ppm:-", "-colorspace", "CMYK", "-quality", "85", "jpeg:-"}},
		matrixKind{name: "cmyk progressive", tool: "convert", args: []string{"ppm:-", "-colorspace", "CMYK", "-interlace", "JPEG", "-quality", "85", "jpeg:-"}},
	)
	return kinds
}

func matrixCjpeg(t *testing.T, full bool) {
	if _, err := exec.LookPath("cjpeg"); err != nil {
		t.Skip("cjpeg (libjpeg-turbo-progs) is not installed: the progressive, restart and 4:4:4/4:2:2/4:4:0/4:1:1 cells are skipped")
	}
	_, djErr := exec.LookPath("djpeg")
	haveDjpeg := djErr == nil
	if !haveDjpeg {
		t.Log("djpeg is not installed: comparing with image/jpeg only")
	}
	convErr := imageMagick()

	var sizes [][2]int
	for w := 1; w <= 67; w++ {
		sizes = append(sizes, [2]int{w, 29*w%67 + 1})
	}
	sizes = append(sizes, [2]int{32, 23}, [2]int{40, 23}, [2]int{23, 32})
	if testing.Short() && !full {
		sizes = [][2]int{{1, 1}, {9, 17}, {23, 32}, {32, 23}, {67, 67}}
	}

	type job struct {
		kind matrixKind
		w, h int
		n    int
	}
	var jobs []job
	for i, sz := range sizes {
		for _, k := range matrixKinds() {
			if k.tool == "convert" && convErr != nil {
				continue
			}
			if !full && !testing.Short() && i%8 != 0 && i < 67 {
				continue // every eighth size, and issue 12's three
			}
			jobs = append(jobs, job{k, sz[0], sz[1], len(jobs)})
		}
	}
	if convErr != nil {
		t.Log("ImageMagick's convert is not installed: the CMYK cells are skipped")
	}

	src := matrixPhoto(11)
	var mu sync.Mutex
	var stats matrixStats
	ch := make(chan job)
	var wg sync.WaitGroup
	for range 4 { // the tools' process start-up dominates: overlap it
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				ppm := encodePPM(src.SubImage(image.Rect(0, 0, j.w, j.h)))
				data, err := runTool(j.kind.tool, j.kind.args, ppm)
				if err != nil {
					t.Errorf("%s %dx%d: %v", j.kind.name, j.w, j.h, err)
					continue
				}
				c := matrixCell{name: fmt.Sprintf("%s %dx%d", j.kind.name, j.w, j.h), w: j.w, h: j.h, data: data}
				var djpeg func(d int) (image.Image, error)
				if haveDjpeg {
					djpeg = func(d int) (image.Image, error) {
						// Full size on every cell; by default one scale per
						// cell, in turn, to keep the process count down.
						if d != 1 && !full && [3]int{2, 4, 8}[j.n%3] != d {
							return nil, nil
						}
						return djpegDecode(data, d)
					}
				}
				var local matrixStats
				c.check(t, djpeg, &local)
				mu.Lock()
				stats.add(&local)
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	stats.log(t)
}

// matrixCell is one generated JPEG.
type matrixCell struct {
	name string
	w, h int
	data []byte
}

// check decodes c at every scale through DecodeJPEGScaled and compares with the
// references (djpeg may be nil; it returns nil, nil to skip a scale).
func (c matrixCell) check(t *testing.T, djpeg func(d int) (image.Image, error), stats *matrixStats) {
	ref, err := jpeg.Decode(bytes.NewReader(c.data))
	if err != nil {
		// image/jpeg refuses some valid progressive files with restart
		// intervals ("missing 0xff00 sequence"); libjpeg is the reference then.
		if djpeg == nil {
			t.Logf("%s: image/jpeg: %v; skipped without djpeg", c.name, err)
			return
		}
		if ref, err = djpeg(1); err != nil || ref == nil {
			t.Errorf("%s: image/jpeg refuses it, djpeg: %v", c.name, err)
			return
		}
		stats.stdRefused++
	}
	if b := ref.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
		t.Errorf("%s: image/jpeg decodes %v", c.name, b)
		return
	}
	boxed := map[int]image.Image{}
	for _, d := range []int{1, 2, 4, 8} {
		img, used, err := DecodeJPEGScaled(c.data, d)
		if err != nil {
			t.Errorf("%s 1/%d: %v", c.name, d, err)
			continue
		}
		if !jpegnCanTry(c.data) {
			// 4 components: production sends them to image/jpeg, full size.
			if used != 1 {
				t.Errorf("%s 1/%d: decoded at 1/%d, want image/jpeg's full size", c.name, d, used)
			}
		} else if used != d {
			stats.fallbacks++ // jpegn declined the scale: decoded at full size
			if used != 1 {
				t.Errorf("%s 1/%d: decoded at 1/%d", c.name, d, used)
			}
		}
		sw, sh := (c.w+used-1)/used, (c.h+used-1)/used
		if b := img.Bounds(); b.Dx() != sw || b.Dy() != sh {
			t.Errorf("%s 1/%d: size %dx%d, want %dx%d", c.name, used, b.Dx(), b.Dy(), sw, sh)
			continue
		}
		stats.decodes++
		if used == 1 {
			stats.note(t, c.name+" 1/1 vs image/jpeg", "std", maxRGBDiff(img, ref), matrixStd)
		} else {
			if boxed[used] == nil {
				boxed[used] = boxDown(ref, used)
			}
			c.scaled(t, stats, img, boxed[used], used, "image/jpeg boxed", "box")
		}
		if djpeg == nil {
			continue
		}
		dj, err := djpeg(used)
		if err != nil {
			t.Errorf("%s 1/%d: djpeg: %v", c.name, used, err)
			continue
		}
		if dj == nil {
			continue
		}
		if b := dj.Bounds(); b.Dx() != sw || b.Dy() != sh {
			t.Errorf("%s 1/%d: djpeg's size %v, ours %dx%d", c.name, used, b, sw, sh)
			continue
		}
		if used == 1 {
			stats.note(t, c.name+" 1/1 vs djpeg", "djpeg", maxRGBDiff(img, dj), matrixDjpeg)
		} else {
			c.scaled(t, stats, img, dj, used, "djpeg -scale", "djpeg")
		}
	}
}

// scaled compares a 1/d decode with a reference of the same size: luma by its
// largest difference, colour by PSNR (jpegn and libjpeg scale subsampled
// chroma differently, and neither is a box filter, so colour is only checked
// for gross errors).
func (c matrixCell) scaled(t *testing.T, stats *matrixStats, img, ref image.Image, d int, refName, key string) {
	name := fmt.Sprintf("%s 1/%d vs %s", c.name, d, refName)
	k := key + strconv.Itoa(d)
	stats.note(t, name+" (luma)", k, maxLumaDiff(img, ref), matrixScaledLuma[key][d])
	p := PSNR(img, ref)
	if p < matrixScaledPSNR[d] {
		t.Errorf("%s: %.1f dB, want >= %.0f", name, p, matrixScaledPSNR[d])
	}
	if stats.worstPSNR == nil {
		stats.worstPSNR, stats.worstPSNRAt = map[string]float64{}, map[string]string{}
	}
	if w, ok := stats.worstPSNR[k]; !ok || p < w {
		stats.worstPSNR[k], stats.worstPSNRAt[k] = p, name
	}
}

// maxLumaDiff is the largest difference in luma (Y of YCbCr, BT.601 as JPEG
// defines it) between a and b.
func maxLumaDiff(a, b image.Image) int {
	m := 0
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			d := int(lumaAt(a, x, y)) - int(lumaAt(b, x, y))
			m = max(m, d, -d)
		}
	}
	return m
}

func lumaAt(m image.Image, x, y int) uint8 {
	b := m.Bounds()
	x, y = b.Min.X+x, b.Min.Y+y
	switch m := m.(type) {
	case *image.YCbCr:
		return m.Y[m.YOffset(x, y)]
	case *image.Gray:
		return m.Pix[m.PixOffset(x, y)]
	}
	r, g, bl, _ := m.At(x, y).RGBA()
	l, _, _ := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
	return l
}

// matrixStats counts decodes and keeps the worst difference per comparison.
type matrixStats struct {
	decodes, fallbacks int
	stdRefused         int // files image/jpeg refuses (checked against djpeg)
	worst              map[string]int
	worstAt            map[string]string
	worstPSNR          map[string]float64
	worstPSNRAt        map[string]string
}

func (s *matrixStats) note(t *testing.T, name, key string, diff, limit int) {
	if diff > limit {
		t.Errorf("%s: max difference %d levels, limit %d", name, diff, limit)
	}
	if s.worst == nil {
		s.worst, s.worstAt = map[string]int{}, map[string]string{}
	}
	if _, ok := s.worst[key]; !ok || diff > s.worst[key] {
		s.worst[key], s.worstAt[key] = diff, name
	}
}

func (s *matrixStats) add(o *matrixStats) {
	s.decodes += o.decodes
	s.fallbacks += o.fallbacks
	s.stdRefused += o.stdRefused
	for k, v := range o.worst {
		s.note(nil, o.worstAt[k], k, v, 1<<30)
	}
	if s.worstPSNR == nil {
		s.worstPSNR, s.worstPSNRAt = map[string]float64{}, map[string]string{}
	}
	for k, v := range o.worstPSNR {
		if w, ok := s.worstPSNR[k]; !ok || v < w {
			s.worstPSNR[k], s.worstPSNRAt[k] = v, o.worstPSNRAt[k]
		}
	}
}

func (s *matrixStats) log(t *testing.T) {
	t.Logf("%d decodes; %d scaled requests decoded at full size; %d files image/jpeg refuses, checked against djpeg alone", s.decodes, s.fallbacks, s.stdRefused)
	for _, k := range []string{"std", "djpeg", "box2", "box4", "box8", "djpeg2", "djpeg4", "djpeg8"} {
		if v, ok := s.worst[k]; ok {
			t.Logf("worst %-6s %3d levels (%s)", k, v, s.worstAt[k])
		}
		if v, ok := s.worstPSNR[k]; ok {
			t.Logf("worst %-6s %.1f dB (%s)", k, v, s.worstPSNRAt[k])
		}
	}
}

// maxRGBDiff is the largest per-channel difference between a and b in 8-bit
// RGB, as PSNR sees them.
func maxRGBDiff(a, b image.Image) int {
	w := a.Bounds().Dx()
	ra, rb := make([]uint8, 4*w), make([]uint8, 4*w)
	m := 0
	for y := 0; y < a.Bounds().Dy(); y++ {
		rgbaRow(a, y, ra)
		rgbaRow(b, y, rb)
		for i, v := range ra {
			d := int(v) - int(rb[i])
			m = max(m, d, -d)
		}
	}
	return m
}

func encodePPM(m image.Image) []byte {
	b := m.Bounds()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			buf.Write([]byte{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)})
		}
	}
	return buf.Bytes()
}

func runTool(name string, args []string, stdin []byte) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// djpegDecode decodes data with libjpeg-turbo at 1/d scale, replicating chroma
// (-nosmooth) as jpegn and image/jpeg do.
func djpegDecode(data []byte, d int) (image.Image, error) {
	out, err := runTool("djpeg", []string{"-nosmooth", "-pnm", "-scale", "1/" + strconv.Itoa(d)}, data)
	if err != nil {
		return nil, err
	}
	return decodePNM(out)
}

// decodePNM reads the binary PGM (P5) or PPM (P6) djpeg writes.
func decodePNM(data []byte) (image.Image, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil {
		return nil, fmt.Errorf("pnm header: %w", err)
	}
	if _, err := r.ReadByte(); err != nil || maxv != 255 {
		return nil, errors.New("pnm: bad header")
	}
	switch magic {
	case "P5":
		g := image.NewGray(image.Rect(0, 0, w, h))
		if _, err := io.ReadFull(r, g.Pix); err != nil {
			return nil, err
		}
		return g, nil
	case "P6":
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		px := make([]byte, 3*w*h)
		if _, err := io.ReadFull(r, px); err != nil {
			return nil, err
		}
		for i := 0; i < w*h; i++ {
			copy(m.Pix[4*i:], px[3*i:3*i+3])
			m.Pix[4*i+3] = 255
		}
		return m, nil
	}
	return nil, fmt.Errorf("pnm: magic %q", magic)
}

// imageMagick reports whether convert on PATH is ImageMagick's: some
// machines put a stand-in named convert there that converts nothing but a
// PNG to a PPM.
func imageMagick() error {
	p, err := exec.LookPath("convert")
	if err != nil {
		return err
	}
	if out, err := exec.Command(p, "-version").Output(); err != nil || !bytes.HasPrefix(out, []byte("Version: ImageMagick")) {
		return fmt.Errorf("%s is not ImageMagick", p)
	}
	return nil
}
