//go:build !amd64 || noasm

package jpegn

// idct4x4 is the 1/2-scale IDCT.
func idct4x4(blk *[64]int32, out []byte, outOffset int, stride int) {
	idct8x8To4x4(blk, out, outOffset, stride)
}
