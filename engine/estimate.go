package engine

import (
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// estimateImageBytes is the memory a job needs at its peak, from the header
// alone: the input file the worker reads, what the decoder holds (for JPEG,
// raster's own estimate: pixels at the shrink-on-load scale, plus every DCT
// coefficient of a progressive JPEG, the largest item by far), and the
// output with resampling scratch. Formats other than JPEG use the decoded
// size of the standard decoders.
func estimateImageBytes(h imgfmt.Header, fileSize int64, outW, outH int) int64 {
	out := int64(outW)*int64(outH)*8 + 2<<20
	n := min(h.Components, 4)
	if h.Format != imgfmt.JPEG || n == 0 || h.Sampling[0] == 0 {
		return fileSize + h.DecodedBytes() + out
	}
	denom := raster.ShrinkDenom(h.Width, h.Height, max(outW, 1), max(outH, 1))
	dec := raster.JPEGDecodeMemory(h.SOF, h.BitDepth, h.Width, h.Height, h.Sampling[:n], fileSize, denom)
	return fileSize + dec + out
}
