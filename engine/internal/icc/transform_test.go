package icc_test

import (
	"errors"
	"image"
	"testing"

	"github.com/imgpar/imgpar/engine/internal/icc"
)

func mustTransform(tb testing.TB, prof []byte) *icc.Transform {
	tb.Helper()
	p, err := icc.Parse(prof)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := icc.NewTransform(p)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// TestSRGBProfileIsIdentity: the sRGB profile imgpar embeds converts to
// itself, and is recognised as needing no conversion.
func TestSRGBProfileIsIdentity(t *testing.T) {
	tr := mustTransform(t, icc.SRGBProfile())
	if !tr.Identity() {
		t.Fatal("sRGB profile not recognised as identity")
	}
	if n := len(icc.SRGBProfile()); n > 600 {
		t.Errorf("sRGB profile is %d bytes, want a compact one", n)
	}
	if tr := mustTransform(t, icc.SynthP3()); tr.Identity() {
		t.Fatal("Display P3 taken for sRGB")
	}
}

// TestParseRefusesDamage: truncated and nonsense profiles give an error
// wrapping ErrMalformed or ErrUnsupported, never a panic.
func TestParseRefusesDamage(t *testing.T) {
	good := icc.SynthMAB()
	for n := 0; n < len(good); n += 61 {
		cut := append([]byte(nil), good[:n]...)
		p, err := icc.Parse(cut)
		if err == nil {
			_, err = icc.NewTransform(p)
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, icc.ErrMalformed) && !errors.Is(err, icc.ErrUnsupported) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
	for i := 128; i < len(good); i += 37 {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0xA5
		if p, err := icc.Parse(bad); err == nil {
			icc.NewTransform(p) // must not panic
		}
	}
}

func FuzzProfile(f *testing.F) {
	f.Add(icc.SynthMAB())
	f.Add(icc.SynthLut8CMYK())
	f.Add(icc.SynthP3())
	f.Add(icc.SRGBProfile())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := icc.Parse(b); err == nil {
			if tr, err := icc.NewTransform(p); err == nil && tr.Channels() == 3 {
				tr.RGB(1, 2, 3)
			}
			icc.SRGBEquivalent(p) // must not panic either
		}
	})
}

func photoRGBA(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7 + i/1000)
	}
	return img
}

func photoCMYK(w, h int) *image.CMYK {
	img := image.NewCMYK(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*5 + i/999)
	}
	return img
}

// Per-pixel cost of each transform path (1 MP).
func BenchmarkApply(b *testing.B) {
	for _, c := range []struct {
		name string
		prof []byte
	}{{"matrix-p3", icc.SynthP3()}, {"lut-rgb-mab", icc.SynthMAB()}, {"lut-cmyk-lut8", icc.SynthLut8CMYK()}} {
		b.Run(c.name, func(b *testing.B) {
			tr := mustTransform(b, c.prof)
			b.ReportAllocs()
			const w, h = 1000, 1000
			var src image.Image
			if tr.Channels() == 4 {
				src = photoCMYK(w, h)
			} else {
				src = photoRGBA(w, h)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.Apply(src)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(w*h), "ns/px")
		})
	}
	b.Run("build-cmyk-grid", func(b *testing.B) {
		p, _ := icc.Parse(icc.SynthLut8CMYK())
		for i := 0; i < b.N; i++ {
			icc.NewTransform(p)
		}
	})
	b.Run("build-rgb-grid", func(b *testing.B) {
		p, _ := icc.Parse(icc.SynthMAB())
		for i := 0; i < b.N; i++ {
			icc.NewTransform(p)
		}
	})
}
