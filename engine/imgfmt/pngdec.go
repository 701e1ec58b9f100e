package imgfmt

import (
	"bytes"
	"hash/crc32"
	"image"
	"image/png"
)

// PNG input goes through image/png, which is stricter than libpng (and so
// than sharp) in three ways that lose pictures whose pixels are all there.
// decodePNG first mends the chunk stream the way libpng reads it:
//
//   - An ancillary chunk (lower-case first letter: tEXt, iCCP, eXIf, ...)
//     with a bad CRC is dropped; libpng warns and discards it
//     (PNG_CRC_DEFAULT for ancillary chunks). A bad CRC on a critical chunk
//     (IHDR, PLTE, IDAT, IEND) still fails.
//   - A file that ends after its image data with the IEND chunk missing or
//     cut short (or another chunk after the IDATs cut short) gets an IEND;
//     libpng reads the image before it looks for IEND. Missing pixel data
//     still fails: a file cut inside its IDAT chunks is left as it is, and
//     image/png reports it.
//   - A grey image of 1, 2 or 4 bits whose tRNS value has bits above the
//     bit depth set (some writers store the 8-bit value): libpng masks it to
//     the bit depth; image/png multiplies it out of range and loses the
//     transparency.
func decodePNG(data []byte) (image.Image, error) {
	return png.Decode(bytes.NewReader(mendPNG(data)))
}

// mendPNG returns data, or a mended copy when one of the repairs above
// applies. It never changes image data.
func mendPNG(data []byte) []byte {
	if len(data) < 8+12+13 || !bytes.HasPrefix(data, pngSignature) {
		return data
	}
	var (
		out      []byte // nil until a repair is needed
		kept     = 0    // data[kept:off] is good and not yet copied to out
		seenIDAT bool
		grey     = data[8+8+9] == 0
		depth    = data[8+8+8]
	)
	flush := func(upto int) {
		if out == nil {
			out = make([]byte, 0, len(data)+12)
		}
		out = append(out, data[kept:upto]...)
	}
	off := 8
	for off+8 <= len(data) {
		n := int64(be32(data[off:]))
		typ := string(data[off+4 : off+8])
		end := int64(off) + 12 + n
		if end > int64(len(data)) || n > 1<<31-1 {
			// Cut short. After the image data, only the end is missing.
			if seenIDAT && typ != "IDAT" {
				flush(off)
				kept = len(data)
				return append(out, iendChunk...)
			}
			break
		}
		chunk := data[off:end]
		ancillary := typ[0]&0x20 != 0
		switch {
		case typ == "IEND":
			if out == nil {
				return data
			}
			flush(len(data))
			return out
		case typ == "IDAT":
			seenIDAT = true
		case ancillary && crc32.ChecksumIEEE(chunk[4:len(chunk)-4]) != be32(chunk[len(chunk)-4:]):
			flush(off) // drop the chunk
			kept = int(end)
		case typ == "tRNS" && grey && depth < 8 && n == 2:
			if v := be16(chunk[8:]); v > 1<<depth-1 {
				flush(off)
				fixed := bytes.Clone(chunk)
				v &= 1<<depth - 1
				fixed[8], fixed[9] = byte(v>>8), byte(v)
				putBE32(fixed[len(fixed)-4:], crc32.ChecksumIEEE(fixed[4:len(fixed)-4]))
				out = append(out, fixed...)
				kept = int(end)
			}
		}
		off = int(end)
	}
	// No IEND: the file ends on a chunk boundary, or inside the 8-byte
	// header of a chunk after the image data (a cut inside an IDAT chunk's
	// data is left for image/png to report).
	if seenIDAT && len(data)-off < 8 {
		flush(off)
		kept = len(data)
		return append(out, iendChunk...)
	}
	if out == nil {
		return data
	}
	flush(len(data))
	return out
}

var iendChunk = []byte{0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82}
