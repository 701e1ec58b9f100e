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
		if m == 0xDA { // SOS: entropy data follows
			if next > len(data) || bytes.Index(data[next:], []byte{0xFF, 0xD9}) < 0 {
				return errJPEGTruncated
			}
			return nil
		}
		i = next
	}
	return errJPEGTruncated
}
