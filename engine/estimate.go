package engine

import (
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// estimateImageBytes is the memory a job needs at its peak, from the header
// alone: the input file, what the decoder holds (for JPEG: pixels at the
// shrink-on-load scale, or, for progressive JPEGs, every DCT coefficient of
// every component as an int16 — the largest item by far), and the output
// with resampling scratch. Sizes outside JPEG use the decoded size of the
// standard decoders.
func estimateImageBytes(h imgfmt.Header, fileSize int64, outW, outH int) int64 {
	out := int64(outW)*int64(outH)*8 + 2<<20
	n := min(h.Components, 4)
	if h.Format != imgfmt.JPEG || n == 0 || h.Sampling[0] == 0 {
		return fileSize + h.DecodedBytes() + out
	}
	comps := h.Sampling[:n]
	var hmax, vmax int64 = 1, 1
	for _, s := range comps {
		hmax, vmax = max(hmax, int64(s>>4)), max(vmax, int64(s&15))
	}
	w, ht := int64(h.Width), int64(h.Height)
	// Each component's area in samples, padded to whole 8x8 blocks.
	var samples int64
	for _, s := range comps {
		cw := (w*int64(s>>4) + hmax - 1) / hmax
		ch := (ht*int64(s&15) + vmax - 1) / vmax
		samples += (cw + 7) / 8 * 8 * ((ch + 7) / 8 * 8)
	}
	denom := int64(raster.ShrinkDenom(h.Width, h.Height, max(outW, 1), max(outH, 1)))
	dec := samples / (denom * denom)
	if h.Progressive {
		dec += samples * 2 // int16 coefficients (engine/internal/jpegn)
	}
	if n == 4 || h.BitDepth != 8 {
		dec = samples*4 + w*ht*4 // CMYK and 12-bit go through image/jpeg at full size
	}
	return fileSize + dec + out
}
