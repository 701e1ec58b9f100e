//go:build amd64 && !noasm

package jpegn

//go:noescape
func idct4x4AVX2(blk *[64]int32, out *byte, stride int) bool

// idct4x4Fast runs idct4x4 in AVX2 where the CPU has it and every
// coefficient is small enough for int32 lanes (TestIDCT4x4AVX2MatchesGo);
// it reports whether it did. o holds the four rows, stride apart.
func idct4x4Fast(blk *[64]int32, o []byte, stride int) bool {
	return isAVX2 && idct4x4AVX2(blk, &o[0], stride)
}

// idct4x4FastAvailable reports whether idct4x4Fast can run here.
func idct4x4FastAvailable() bool { return isAVX2 }
