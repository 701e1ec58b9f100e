package engine

import (
	"bytes"
	"errors"
	"fmt"
)

// errJPEGTruncated: the entropy-coded data never reaches an end-of-image
// marker. jpegn fills a cut-off scan with flat grey instead of failing, and
// sharp (libvips, failOn "warning") rejects such files, so imgpar does too.
var errJPEGTruncated = errors.New("truncated: the image data ends before its end-of-image marker")

// errJPEGBadCode: sequential entropy-coded data holds a run of one-bits that
// no valid stream can: JPEG never uses an all-ones Huffman code, so a run of
// ones spans at most the end of one code (15 bits), its magnitude bits (16)
// and the start of the next code (15), 46 bits. jpegn decodes such data
// without an error (green rows below the damage); image/jpeg says "bad
// Huffman code". (Progressive refinement scans can hold longer runs.)
var errJPEGBadCode = errors.New("corrupt: invalid Huffman code in the image data")

// allOnes is 64 one-bits as they appear in entropy-coded data (each 0xFF
// byte stuffed with a 0x00).
var allOnes = bytes.Repeat([]byte{0xFF, 0x00}, 8)

// checkJPEGComplete walks the marker segments up to the first start-of-scan
// and checks that an EOI marker follows somewhere after it. Inside
// entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so
// the first FF D9 after SOS is the real end of the image (bytes after it,
// such as a camera's trailer, are allowed).
//
// It also rejects a header that declares far more pixels than the file can
// hold: every 8x8 block of the first component costs at least one bit in any
// JPEG mode (a Huffman code is at least one bit long), so a file smaller
// than blocks/8 bytes is cut short or forged. This stops a small file that
// claims 16000x16000 from making the fallback decoder allocate for it.
func checkJPEGComplete(data []byte, width, height int) error {
	if blocks := int64((width+7)/8) * int64((height+7)/8); int64(len(data)) < blocks/8 {
		return fmt.Errorf("truncated: the header declares %dx%d pixels, which need at least %d bytes, but the file has %d", width, height, blocks/8, len(data))
	}
	i := 2 // after SOI
	sequential := false
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return errors.New("corrupt: expected a marker")
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD8 || m >= 0xD0 && m <= 0xD7 || m == 0x01:
			i += 2
			continue
		case m == 0xD9:
			return errors.New("corrupt: end of image before any image data")
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 {
			return errors.New("corrupt: bad segment length")
		}
		next := i + 2 + n
		if m == 0xC0 || m == 0xC1 {
			sequential = true // baseline or extended sequential, Huffman-coded
		}
		if m == 0xDA { // SOS: entropy data follows
			if next > len(data) {
				return errJPEGTruncated
			}
			end := bytes.Index(data[next:], []byte{0xFF, 0xD9})
			if end < 0 {
				return errJPEGTruncated
			}
			if sequential && bytes.Contains(data[next:next+end], allOnes) {
				return errJPEGBadCode
			}
			return nil
		}
		i = next
	}
	return errJPEGTruncated
}
