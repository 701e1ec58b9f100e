//go:build amd64 && !noasm

package jpegn

//go:noescape
func idct4x4SSE2(blk *[64]int32, out *byte, stride int)

// idct4x4 is idct8x8To4x4 in SSE2 (every amd64 CPU has it), sample for
// sample: the same int32 arithmetic four lanes at a time, and packs that
// saturate as clamp does (TestIDCT4x4MatchesGo).
func idct4x4(blk *[64]int32, out []byte, outOffset int, stride int) {
	o := out[outOffset : outOffset+3*stride+4] // the four rows, checked once
	idct4x4SSE2(blk, &o[0], stride)
}
