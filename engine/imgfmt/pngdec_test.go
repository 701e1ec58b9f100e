package imgfmt

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
)

// pngChunks splits a PNG into its chunks (whole: length, type, data, CRC).
func pngChunks(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for off := 8; off < len(data); {
		n := int(binary.BigEndian.Uint32(data[off:]))
		out = append(out, data[off:off+12+n])
		off += 12 + n
	}
	return out
}

func joinPNG(chunks ...[]byte) []byte {
	out := append([]byte(nil), pngSignature...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// badCRC returns a copy of chunk with its CRC broken.
func badCRC(chunk []byte) []byte {
	c := bytes.Clone(chunk)
	c[len(c)-1] ^= 0x5A
	return c
}

// TestDecodePNGLenient: files whose pixels are all there but whose chunk
// stream image/png refuses decode to the intact file's pixels; files
// missing pixel data, or with a damaged critical chunk, still fail.
func TestDecodePNGLenient(t *testing.T) {
	intact := readRepoFile(t, "formats/leaf-palette.png")
	want, err := png.Decode(bytes.NewReader(intact))
	if err != nil {
		t.Fatal(err)
	}
	ch := pngChunks(t, intact)
	ihdr, rest := ch[0], ch[1:]
	if string(ch[len(ch)-1][4:8]) != "IEND" {
		t.Fatal("no IEND at the end")
	}
	body, iend := rest[:len(rest)-1], ch[len(ch)-1]
	var plte, lastIDAT int
	for i, c := range body {
		switch string(c[4:8]) {
		case "PLTE":
			plte = i
		case "IDAT":
			lastIDAT = i
		}
	}
	text := pngChunk("tEXt", []byte("Comment\x00made by a careless tool"))
	iccp := pngChunk("iCCP", append([]byte("x\x00\x00"), bytes.Repeat([]byte{1}, 40)...))
	withPLTEBadCRC := append([][]byte{ihdr}, body...)
	withPLTEBadCRC[1+plte] = badCRC(withPLTEBadCRC[1+plte])
	withIDATBadCRC := append([][]byte{ihdr}, body...)
	withIDATBadCRC[1+lastIDAT] = badCRC(withIDATBadCRC[1+lastIDAT])
	all := func(cs ...[]byte) []byte { return joinPNG(append([][]byte{ihdr}, cs...)...) }
	withBody := func(extra ...[]byte) []byte { return all(append(append([][]byte{}, body...), extra...)...) }
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"tEXt with bad CRC before the image data", all(append([][]byte{badCRC(text)}, append(body, iend)...)...), true},
		{"iCCP with bad CRC", all(append([][]byte{badCRC(iccp)}, append(body, iend)...)...), true},
		{"tEXt with bad CRC after the image data", withBody(badCRC(text), iend), true},
		{"IEND missing", withBody(), true},
		{"IEND cut short", withBody(iend[:7]), true},
		{"IEND with only its CRC cut", withBody(iend[:9]), true},
		{"tEXt after the image data cut short, no IEND", withBody(text[:10]), true},
		{"PLTE with bad CRC", joinPNG(append(withPLTEBadCRC, iend)...), false},
		{"IDAT with bad CRC", joinPNG(append(withIDATBadCRC, iend)...), false},
		{"cut inside the last IDAT", withBody()[:len(withBody())-len(body[lastIDAT])/2], false},
		{"IDAT chunks missing", all(append(body[:plte+1], iend)...), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Decode(PNG, c.data)
			if !c.ok {
				if err == nil {
					t.Fatalf("decoded; want an error")
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkPSNR(t, c.name, img, want, identical)
		})
	}
}

// TestDecodePNGGreyTRNS: a 1-, 2- or 4-bit grey PNG whose tRNS value
// carries bits above the bit depth (the 8-bit value, as some writers store
// it) keeps its transparency, as libpng masks the value.
func TestDecodePNGGreyTRNS(t *testing.T) {
	for _, depth := range []int{1, 2, 4} {
		w, h := 16, 4
		maxv := 1<<depth - 1
		rows := make([][]uint8, h)
		for y := range rows {
			rows[y] = make([]uint8, w)
			for x := range rows[y] {
				rows[y][x] = uint8((x + y) % (maxv + 1))
			}
		}
		want := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				g := uint8(int(rows[y][x]) * 255 / maxv)
				a := uint8(255)
				if int(rows[y][x]) == maxv {
					a = 0
				}
				want.SetNRGBA(x, y, color.NRGBA{g, g, g, a})
			}
		}
		for _, trns := range []uint16{uint16(maxv), 0xFF, 0xFFFF} {
			data := greyPNG(t, depth, rows, trns)
			img, err := Decode(PNG, data)
			if err != nil {
				t.Fatal(err)
			}
			checkPSNR(t, "grey "+string(rune('0'+depth))+"-bit tRNS", img, want, identical)
		}
	}
}

// greyPNG writes a grey PNG of the given bit depth with a tRNS chunk.
func greyPNG(t *testing.T, depth int, rows [][]uint8, trns uint16) []byte {
	t.Helper()
	w, h := len(rows[0]), len(rows)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = byte(depth)
	var raw bytes.Buffer
	for _, r := range rows {
		raw.WriteByte(0)
		var acc, nbits int
		for _, v := range r {
			acc = acc<<depth | int(v)
			nbits += depth
			if nbits == 8 {
				raw.WriteByte(byte(acc))
				acc, nbits = 0, 0
			}
		}
		if nbits > 0 {
			raw.WriteByte(byte(acc << (8 - nbits)))
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	return joinPNG(pngChunk("IHDR", ihdr), pngChunk("tRNS", []byte{byte(trns >> 8), byte(trns)}),
		pngChunk("IDAT", z.Bytes()), pngChunk("IEND", nil))
}

// TestDecodePNGRepoNoIEND decodes testdata/bad's PNG without IEND and
// compares it with Pillow's decode of the same file (Pillow with
// LOAD_TRUNCATED_IMAGES: an independent decoder that reads what is there).
func TestDecodePNGRepoNoIEND(t *testing.T) {
	data := readRepoFile(t, "bad/trunc-png-at-35800-no-iend.png")
	img, err := Decode(PNG, data)
	if err != nil {
		t.Fatal(err)
	}
	py := pillowPython(t)
	in := writeTemp(t, "no-iend.png", data)
	out := filepath.Join(filepath.Dir(in), "pillow.ppm")
	runTool(t, py, "-c", `import sys
from PIL import Image, ImageFile
ImageFile.LOAD_TRUNCATED_IMAGES = True
Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2])`, in, out)
	checkPSNR(t, "trunc-png-at-35800-no-iend.png", img, readPNM(t, out), identical)
}

// TestDecodeAPNGDefaultImage: an animated PNG decodes as its default image
// (the IDAT image, frame 0 of the animation here), as libvips/sharp and
// every non-APNG reader show it; the later frames' fcTL/fdAT chunks are
// skipped unread.
func TestDecodeAPNGDefaultImage(t *testing.T) {
	first := readRepoFile(t, "formats/leaf-rgb8.png")
	want, err := png.Decode(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	second := readRepoFile(t, "formats/leaf-rgb8-interlaced.png")
	ch := pngChunks(t, first)
	w, h := binary.BigEndian.Uint32(ch[0][8:]), binary.BigEndian.Uint32(ch[0][12:])
	seq := uint32(0)
	fctl := func() []byte {
		b := make([]byte, 26)
		binary.BigEndian.PutUint32(b, seq)
		binary.BigEndian.PutUint32(b[4:], w)
		binary.BigEndian.PutUint32(b[8:], h)
		b[21], b[23] = 10, 100 // 10/100 s
		seq++
		return pngChunk("fcTL", b)
	}
	actl := make([]byte, 8)
	binary.BigEndian.PutUint32(actl, 2)
	var chunks [][]byte
	chunks = append(chunks, ch[0], pngChunk("acTL", actl), fctl())
	for _, c := range ch[1 : len(ch)-1] {
		chunks = append(chunks, c)
	}
	chunks = append(chunks, fctl())
	for _, c := range pngChunks(t, second) {
		if string(c[4:8]) == "IDAT" {
			b := binary.BigEndian.AppendUint32(nil, seq)
			seq++
			chunks = append(chunks, pngChunk("fdAT", append(b, c[8:len(c)-4]...)))
		}
	}
	chunks = append(chunks, ch[len(ch)-1])
	img, err := Decode(PNG, joinPNG(chunks...))
	if err != nil {
		t.Fatal(err)
	}
	checkPSNR(t, "APNG default image", img, want, identical)
}
