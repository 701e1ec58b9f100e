package imgfmt

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// EncodeOptions.Progressive writes a progressive JPEG (SOF2) that decodes to
// the pixels of the baseline file, metadata segments included.
func TestEncodeProgressiveJPEG(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 70, 45), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(i * 7)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(i*3), uint8(255-i)
	}
	enc := func(progressive bool) []byte {
		o := DefaultEncodeOptions(JPEG)
		o.Progressive = progressive
		o.EXIF = nil
		var buf bytes.Buffer
		if err := Encode(&buf, m, o); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	base, prog := enc(false), enc(true)
	if bytes.Contains(base, []byte{0xFF, 0xC2}) || !bytes.Contains(prog, []byte{0xFF, 0xC2}) {
		t.Fatal("want SOF2 in the progressive file only")
	}
	a, err := jpeg.Decode(bytes.NewReader(base))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(prog))
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v, %v", a.Bounds(), b.Bounds())
	}
	// Compared pixel by pixel: the decoders' buffers differ in the MCU
	// padding outside the picture.
	for y := 0; y < 45; y++ {
		for x := 0; x < 70; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d): baseline %v, progressive %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
}
