//go:build !amd64 || noasm

package jpegn

func idct4x4Fast(blk *[64]int32, o []byte, stride int) bool { return false }

func idct4x4FastAvailable() bool { return false }
