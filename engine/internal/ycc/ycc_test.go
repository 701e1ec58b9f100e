package ycc

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"testing"
)

// exact is the JFIF conversion in floating point.
func exact(y, cb, cr uint8) [3]float64 {
	Y, Cb, Cr := float64(y), float64(cb)-128, float64(cr)-128
	return [3]float64{Y + 1.402*Cr, Y - 0.344136*Cb - 0.714136*Cr, Y + 1.772*Cb}
}

// RGB is the exact conversion rounded (within a level, as every product is
// rounded once) over all 2^24 inputs, and its rounding is unbiased at every
// brightness: the mean signed error of the unclamped results per luma value
// stays under 0.03 levels. Go's color.YCbCrToRGB fails that by ~0.5 near
// black and white (shown, not asserted, as the reason for this package).
func TestBiasFree(t *testing.T) {
	worstOurs, worstGo := 0.0, 0.0
	for y := range 256 {
		var sumOurs, sumGo float64
		n := 0
		for cb := range 256 {
			for cr := range 256 {
				e := exact(uint8(y), uint8(cb), uint8(cr))
				r, g, b := RGB(uint8(y), uint8(cb), uint8(cr))
				gr, gg, gb := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				for i, v := range [3]uint8{r, g, b} {
					if e[i] < 0 || e[i] > 255 {
						continue // clamped: no rounding to judge
					}
					d := float64(v) - e[i]
					if math.Abs(d) > 1 {
						t.Fatalf("RGB(%d,%d,%d)[%d] = %d, exact %.3f", y, cb, cr, i, v, e[i])
					}
					sumOurs += d
					sumGo += float64([3]uint8{gr, gg, gb}[i]) - e[i]
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		worstOurs = max(worstOurs, math.Abs(sumOurs/float64(n)))
		worstGo = max(worstGo, math.Abs(sumGo/float64(n)))
	}
	t.Logf("worst mean error per luma value: ours %.3f levels, color.YCbCrToRGB %.3f", worstOurs, worstGo)
	if worstOurs > 0.03 {
		t.Errorf("mean rounding error up to %.3f levels at one brightness", worstOurs)
	}
}

// ToRGBA gives every pixel RGB of its own luma and the chroma sample
// image.YCbCr.COffset points it to, for every subsampling, odd sizes and
// rectangles that do not start at the origin.
func TestToRGBA(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		for _, rect := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(0, 0, 13, 7), image.Rect(3, 5, 22, 17), image.Rect(-2, -3, 9, 4)} {
			m := image.NewYCbCr(rect, ratio)
			for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = uint8(r.IntN(256))
				}
			}
			got := ToRGBA(m)
			if got.Rect != rect {
				t.Fatalf("%v %v: bounds %v", ratio, rect, got.Rect)
			}
			for y := rect.Min.Y; y < rect.Max.Y; y++ {
				for x := rect.Min.X; x < rect.Max.X; x++ {
					yi, ci := m.YOffset(x, y), m.COffset(x, y)
					wr, wg, wb := RGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
					if c := got.RGBAAt(x, y); c != (color.RGBA{wr, wg, wb, 255}) {
						t.Fatalf("%v %v (%d,%d): %v, want %v", ratio, rect, x, y, c, color.RGBA{wr, wg, wb, 255})
					}
				}
			}
		}
	}
}

// BenchmarkToRGBA against image/draw's YCbCr fast path, which it replaces.
func BenchmarkToRGBA(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 800, 450), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(i)
	}
	b.Run("ycc", func(b *testing.B) {
		for b.Loop() {
			ToRGBA(m)
		}
	})
	b.Run("draw", func(b *testing.B) {
		for b.Loop() {
			dst := image.NewRGBA(m.Rect)
			draw.Draw(dst, dst.Rect, m, m.Rect.Min, draw.Src)
		}
	})
}
