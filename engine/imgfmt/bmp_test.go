package imgfmt

import (
	"bytes"
	"encoding/binary"
	"image"
	"os"
	"testing"
)

// TestDecodeBMPZeroAlpha: a 32-bit bit-field file whose alpha bytes are all
// zero is shown opaque, not blank; with real alpha it keeps it.
func TestDecodeBMPZeroAlpha(t *testing.T) {
	data, err := os.ReadFile("testdata/conformance/bmp-argb32.bmp")
	if err != nil {
		t.Fatal(err)
	}
	img, err := decodeBMP(data)
	if err != nil {
		t.Fatal(err)
	}
	if img.(*image.NRGBA).Opaque() {
		t.Fatal("fixture with an alpha ramp decoded opaque")
	}
	zero := bytes.Clone(data)
	off := int(binary.LittleEndian.Uint32(zero[10:]))
	for i := off + 3; i < len(zero); i += 4 {
		zero[i] = 0
	}
	got, err := decodeBMP(zero)
	if err != nil {
		t.Fatal(err)
	}
	g := got.(*image.NRGBA)
	if !g.Opaque() {
		t.Fatal("all-zero alpha decoded transparent")
	}
	want := img.(*image.NRGBA)
	for i := 0; i < len(g.Pix); i += 4 {
		if !bytes.Equal(g.Pix[i:i+3], want.Pix[i:i+3]) {
			t.Fatalf("colour at byte %d: %v, want %v", i, g.Pix[i:i+3], want.Pix[i:i+3])
		}
	}
}

// TestDecodeBMPRLE8Delta decodes a hand-made RLE8 file with a run, an
// absolute run, a delta and an early end: skipped pixels keep index 0.
func TestDecodeBMPRLE8Delta(t *testing.T) {
	// 4x3, bottom-up; palette: 0 black, 1 red, 2 green, 3 blue.
	rle := []byte{
		2, 1, 0, 3, 2, 3, 1, 0, // row 0 (bottom): 1 1, absolute 2 3 1 (padded)
		0, 0, // end of line
		0, 2, 1, 1, // delta: right 1, up 1 -> row 2, x 1
		3, 2, // 2 2 2 at x 1..3 of row 2 (top)
		0, 1, // end of bitmap
	}
	pal := []byte{0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0}
	hdr := make([]byte, 14+40)
	copy(hdr, "BM")
	off := len(hdr) + len(pal)
	binary.LittleEndian.PutUint32(hdr[2:], uint32(off+len(rle)))
	binary.LittleEndian.PutUint32(hdr[10:], uint32(off))
	binary.LittleEndian.PutUint32(hdr[14:], 40)
	binary.LittleEndian.PutUint32(hdr[18:], 4)
	binary.LittleEndian.PutUint32(hdr[22:], 3)
	binary.LittleEndian.PutUint16(hdr[26:], 1)
	binary.LittleEndian.PutUint16(hdr[28:], 8)
	binary.LittleEndian.PutUint32(hdr[30:], 1) // BI_RLE8
	binary.LittleEndian.PutUint32(hdr[46:], 4)
	data := append(append(hdr, pal...), rle...)
	img, err := Decode(BMP, data)
	if err != nil {
		t.Fatal(err)
	}
	p := img.(*image.Paletted)
	want := []uint8{
		0, 2, 2, 2, // top row
		0, 0, 0, 0,
		1, 1, 2, 3, // bottom row; the fifth pixel of the absolute run is clipped
	}
	if !bytes.Equal(p.Pix, want) {
		t.Fatalf("indices %v, want %v", p.Pix, want)
	}
	if _, err := Decode(BMP, data[:len(data)-8]); err == nil {
		t.Error("RLE8 cut before its last row decoded without error")
	}
}
