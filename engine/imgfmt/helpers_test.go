package imgfmt

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// repoTestdata is the repository's shared testdata directory.
const repoTestdata = "../../testdata"

// readRepoFile reads a file under the repository's testdata, skipping the
// test with a clear message when it is not there.
func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoTestdata, rel))
	if os.IsNotExist(err) {
		t.Skipf("testdata/%s not present (added by the testdata commits); skipping", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readLocal(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// gradient returns a w x h opaque NRGBA image with smooth colour ramps and
// a distinct top-left pixel.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), uint8((x + y) % 256), 255})
		}
	}
	return img
}

// withAlphaBorder returns a copy of img whose outer 4-pixel border is fully
// transparent black and whose inside is half transparent.
func withAlphaBorder(src *image.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(src.Rect)
	copy(img.Pix, src.Pix)
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			i := img.PixOffset(x, y)
			if x < 4 || y < 4 || x >= b.Max.X-4 || y >= b.Max.Y-4 {
				img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0, 0, 0, 0
			} else {
				img.Pix[i+3] = 128
			}
		}
	}
	return img
}

// makeEXIF builds a TIFF-structured EXIF payload in the given byte order
// with IFD0 holding Make (an out-of-line ASCII value) and, if orientation
// > 0, Orientation; padTo pads the payload with zeros to that many bytes.
func makeEXIF(bigEndian bool, orientation int, padTo int) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	var buf bytes.Buffer
	if bigEndian {
		bo = binary.BigEndian
		buf.WriteString("MM\x00*")
	} else {
		buf.WriteString("II*\x00")
	}
	w32 := func(v uint32) { binary.Write(&buf, bo, v) }
	w16 := func(v uint16) { binary.Write(&buf, bo, v) }
	w32(8)
	n := 1
	if orientation > 0 {
		n = 2
	}
	w16(uint16(n))
	make_ := "imgpar-test\x00"
	valueOff := uint32(8 + 2 + 12*n + 4)
	w16(271) // Make
	w16(2)   // ASCII
	w32(uint32(len(make_)))
	w32(valueOff)
	if orientation > 0 {
		w16(274)
		w16(3) // SHORT
		w32(1)
		w16(uint16(orientation))
		w16(0)
	}
	w32(0) // no IFD1
	buf.WriteString(make_)
	for buf.Len() < padTo {
		buf.WriteByte(0)
	}
	return buf.Bytes()
}

// encodeStdJPEG encodes img with image/jpeg (no metadata).
func encodeStdJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegWithSegments inserts raw segments right after SOI.
func jpegWithSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte(nil), jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func segment(marker byte, payload []byte) []byte {
	return appendSegment(nil, marker, nil, payload)
}

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// bombPNG is a PNG whose IHDR claims w x h RGBA pixels, followed by a tiny
// IDAT and IEND: a decompression bomb's header.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write(pngSignature)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	b.Write(pngChunk("IHDR", ihdr))
	b.Write(pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// bombJPEG is a JPEG whose SOF0 claims w x h, 3 components, followed by a
// minimal scan header and EOI.
func bombJPEG(w, h uint16) []byte {
	out := []byte{0xFF, 0xD8}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0}
	out = append(out, segment(0xC0, sof)...)
	out = append(out, segment(0xDA, []byte{3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0})...)
	return append(out, 0x12, 0x34, 0xFF, 0xD9)
}
