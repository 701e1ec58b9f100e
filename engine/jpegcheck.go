package engine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/imgpar/imgpar/engine/imgfmt/jpegseg"
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

// checkJPEGComplete walks the marker segments to the end-of-image marker:
// the walk steps over each scan's entropy-coded data (in which 0xFF is
// always followed by 0x00 or a restart marker) and fails if the file ends
// first. Bytes after EOI, such as a camera's trailer, are allowed; bytes
// that belong to no segment (which libjpeg warns about) are not.
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
	sequential := false // baseline or extended sequential, Huffman-coded
	scans := 0
	scanStart := int64(-1) // where the entropy-coded data before this segment starts
	for s, err := range jpegseg.Segments(data) {
		switch {
		case errors.Is(err, jpegseg.ErrTruncated):
			return errJPEGTruncated
		case err != nil:
			return fmt.Errorf("corrupt: %w", err)
		case s.Skipped > 0:
			return fmt.Errorf("corrupt: %d stray bytes before the marker at offset %d", s.Skipped, s.Offset)
		}
		if scanStart >= 0 && sequential && bytes.Contains(data[scanStart:s.Offset], allOnes) {
			return errJPEGBadCode
		}
		scanStart = -1
		switch s.Marker {
		case jpegseg.SOF0, jpegseg.SOF1:
			sequential = true
		case jpegseg.SOS:
			scans++
			scanStart = s.End()
		case jpegseg.EOI:
			if scans == 0 {
				return errors.New("corrupt: end of image before any image data")
			}
			return nil
		}
	}
	return errJPEGTruncated // not reached: the walk ends at EOI or an error
}
