package jpegn

import (
	"bytes"
	"fmt"
	"image"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkDecodeBaseline decodes the baseline test photos (4:2:0, 4:2:2,
// 4:4:4) through Decode, as raster does, at every scale: Huffman decoding,
// dequantisation and the (scaled) IDCT dominate.
func BenchmarkDecodeBaseline(b *testing.B) {
	files := []string{"boats-lake-landscape-420.jpg", "leaf-autumn-landscape-422.jpg", "moss-landscape-444.jpg"}
	for i, name := range files {
		files[i] = filepath.Join("..", "..", "..", "testdata", "photos", name)
	}
	// More files, e.g. the small-files workload's, with IMGPAR_BENCH_JPEG=a.jpg,b.jpg.
	if more := os.Getenv("IMGPAR_BENCH_JPEG"); more != "" {
		files = append(files, strings.Split(more, ",")...)
	}
	for _, path := range files {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, denom := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("%s/1_%d", strings.TrimSuffix(name, filepath.Ext(name)), denom), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := Decode(bytes.NewReader(data), &Options{ScaleDenom: denom}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// baselineInputs returns baseline JPEGs for TestBlockFastMatchesSlow:
// cjpeg files of odd sizes in every sampling (4:4:4, 4:2:2, 4:2:0, 4:4:0,
// 4:1:1) and grey, with and without restart intervals, standard and
// optimised Huffman tables, at qualities from 10 to 100, from noise (long
// codes, big magnitudes, many 0xFF bytes to stuff) and smooth gradients
// (DC-only blocks); and damaged copies of each: truncated at many points
// near the end (where fill must give way to refill), a byte or bit changed
// in the scan, and a restart marker removed.
func baselineInputs(t testing.TB) map[string][]byte {
	cjpeg, err := exec.LookPath("cjpeg")
	if err != nil {
		t.Skip("cjpeg (libjpeg-turbo-progs) not installed")
	}
	r := rand.New(rand.NewPCG(7, 8))
	files := map[string][]byte{}
	for _, size := range []image.Point{{1, 1}, {8, 8}, {17, 9}, {31, 33}, {67, 45}, {130, 66}} {
		for _, kind := range []string{"noise", "smooth"} {
			var ppm bytes.Buffer
			fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", size.X, size.Y)
			for y := 0; y < size.Y; y++ {
				for x := 0; x < size.X; x++ {
					if kind == "noise" {
						ppm.Write([]byte{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))})
					} else {
						ppm.Write([]byte{uint8(x * 3), uint8(y * 5), uint8(x + y)})
					}
				}
			}
			for _, args := range [][]string{
				{"-sample", "1x1"}, {"-sample", "2x1", "-restart", "1"}, {"-sample", "2x2"},
				{"-sample", "2x2", "-restart", "3B", "-optimize"}, {"-sample", "1x2", "-restart", "2"},
				{"-sample", "4x1"}, {"-grayscale"}, {"-grayscale", "-restart", "1B"},
				{"-sample", "1x1", "-optimize", "-restart", "1"},
			} {
				for _, q := range []string{"10", "75", "100"} {
					cmd := exec.Command(cjpeg, append([]string{"-quality", q}, args...)...)
					cmd.Stdin = bytes.NewReader(ppm.Bytes())
					out, err := cmd.Output()
					if err != nil {
						t.Fatalf("cjpeg %v: %v", args, err)
					}
					files[fmt.Sprintf("%s-%v-q%s-%v", kind, size, q, args)] = out
				}
			}
		}
	}
	damaged := map[string][]byte{}
	for name, b := range files {
		sos := bytes.Index(b, []byte{0xFF, 0xDA})
		if sos < 0 {
			t.Fatalf("%s: no SOS", name)
		}
		scan := sos + 2 + (int(b[sos+2])<<8 | int(b[sos+3]))
		if len(b)-scan < 12 {
			continue
		}
		for _, cut := range []int{1, 2, 3, 5, 8, 9, 13, 17, (len(b) - scan) / 2} {
			damaged[fmt.Sprintf("%s-cut%d", name, cut)] = b[:len(b)-cut]
		}
		for i := 0; i < 3; i++ {
			c := bytes.Clone(b)
			p := scan + r.IntN(len(b)-2-scan)
			if i == 0 {
				c[p] ^= 1 << r.IntN(8)
			} else {
				c[p] = uint8(r.IntN(256))
			}
			damaged[fmt.Sprintf("%s-flip%d@%d", name, i, p)] = c
		}
		if i := bytes.Index(b[scan:], []byte{0xFF, 0xD1}); i >= 0 {
			c := append(bytes.Clone(b[:scan+i]), b[scan+i+2:]...)
			damaged[name+"-noRST1"] = c
		}
	}
	maps.Copy(files, damaged)
	return files
}

// decodeBlockFast decodes every baseline input, valid or damaged, at every
// scale exactly as the code-by-code path (getVLC for every code, the
// decoder before decodeBlockFast) does: same pixels, same errors.
func TestBlockFastMatchesSlow(t *testing.T) {
	files := baselineInputs(t)
	for name, data := range files {
		for _, denom := range []int{1, 2, 4, 8} {
			sameDecode(t, fmt.Sprintf("%s 1/%d", name, denom), "fast", "slow",
				func(slow bool) (image.Image, error) { return decodeVLC(data, denom, slow) })
		}
	}
	t.Logf("%d inputs", len(files))
}

// idct4x4 is the exact 4-point IDCT of a block's top-left 4x4 coefficients
// (scaled so that the mean is DC/8, as at full size) to within a level, and
// writes only its 16 samples. That transform is what a 1/2-scale decode
// should give: the 8x8 block's band-limited samples at the midpoints of
// its pixel pairs. (The IDCT it replaced, an integer approximation that
// truncated, was up to 19 levels off on photos, half a level low on
// average.)
func TestIDCT4x4Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	a := func(k int) float64 {
		if k == 0 {
			return 1
		}
		return math.Sqrt2
	}
	worst := 0.0
	for i := range 100000 {
		var blk [64]int32
		for v := range 4 {
			for u := range 4 {
				switch i % 3 {
				case 0: // typical dequantised values
					blk[8*v+u] = int32(r.IntN(2048) - 1024)
				case 1: // sparse, as in photos
					if r.IntN(3) == 0 {
						blk[8*v+u] = int32(r.IntN(256) - 128)
					}
				default: // beyond the sample range: clamped
					blk[8*v+u] = int32(r.IntN(1<<14) - 1<<13)
				}
			}
		}
		for k := range blk { // coefficients the 1/2-scale IDCT must ignore
			if k%8 >= 4 || k >= 32 {
				blk[k] = int32(r.IntN(1<<16) - 1<<15)
			}
		}
		stride := 4 + r.IntN(9)
		off := r.IntN(5)
		got := make([]byte, off+3*stride+4+r.IntN(3))
		for k := range got {
			got[k] = uint8(r.IntN(256))
		}
		before := bytes.Clone(got)
		in := blk
		idct4x4(&blk, got, off, stride)
		if blk != in {
			t.Fatal("idct4x4 changed its block")
		}
		for y := range 4 {
			for x := range 4 {
				s := 0.0
				for v := range 4 {
					for u := range 4 {
						s += a(v) * a(u) * float64(in[8*v+u]) *
							math.Cos(float64((2*y+1)*v)*math.Pi/8) * math.Cos(float64((2*x+1)*u)*math.Pi/8)
					}
				}
				want := math.Min(math.Max(128+s/8, 0), 255)
				g := float64(got[off+y*stride+x])
				d := math.Abs(g - want)
				if d > 1 {
					t.Fatalf("block %d sample (%d,%d): %v, exact %.3f", i, x, y, g, want)
				}
				worst = max(worst, d)
				before[off+y*stride+x] = got[off+y*stride+x]
			}
		}
		if !bytes.Equal(got, before) {
			t.Fatalf("block %d: wrote outside its 4x4 samples", i)
		}
	}
	t.Logf("worst difference from the exact transform: %.3f levels", worst)
}

// idct4x4 gives idct4x4Go's samples, bit for bit, on every CPU path (AVX2
// on amd64 where present, with its fall-back to Go for coefficients of 4096
// and over), and writes only them: typical dequantised values, values
// around the fall-back's bound, values whose sums overflow int32, outputs
// far outside 0..255, and the column-skipping case of zero columns.
func TestIDCT4x4AVX2MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	fast := 0
	for i := range 200000 {
		var blk [64]int32
		for k := range blk {
			switch i % 5 {
			case 0:
				blk[k] = int32(r.IntN(2048) - 1024)
			case 1:
				blk[k] = int32(r.IntN(8192) - 4096) // both sides of the bound
			case 2:
				blk[k] = int32(r.Uint32())
			case 3:
				if r.IntN(3) == 0 {
					blk[k] = int32(r.IntN(64) - 32)
				}
			default:
				blk[k] = []int32{4095, -4095, 4096, -4096, 0, -1 << 31}[r.IntN(6)]
			}
		}
		stride := 4 + r.IntN(9)
		off := r.IntN(5)
		got := make([]byte, off+3*stride+4+r.IntN(3))
		for k := range got {
			got[k] = uint8(r.IntN(256))
		}
		want := bytes.Clone(got)
		in := blk
		if idct4x4Fast(&blk, got[off:off+3*stride+4], stride) {
			fast++
		} else {
			idct4x4Go(&blk, got[off:off+3*stride+4], stride)
		}
		idct4x4Go(&in, want[off:off+3*stride+4], stride)
		if !bytes.Equal(got, want) || blk != in {
			t.Fatalf("block %v stride %d offset %d:\n got %v\nwant %v", in, stride, off, got, want)
		}
	}
	t.Logf("%d of 200000 blocks took the fast path", fast)
	if fast == 0 && idct4x4FastAvailable() {
		t.Error("the AVX2 path never ran")
	}
}
