package engine

import (
	"errors"
	"slices"

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
	dec := raster.JPEGDecodeMemory(h.SOF, h.BitDepth, h.Width, h.Height, h.Sampling[:n], denom)
	return fileSize + dec + out
}

// EstimateImage is the memory estimate of an image job: spec (its Format
// resolved, never "same") applied to an input whose header is h, a file of
// fileSize bytes. It also returns the output size. The planner of imgpar
// process and the admission of imgpar serve both use it. For a set it
// covers all renditions and returns the largest's size.
func EstimateImage(spec ImageSpec, h imgfmt.Header, fileSize int64) (est int64, w, ht int, err error) {
	if spec.Format == "" || slices.Contains(spec.Formats, "") {
		return 0, 0, 0, errors.New("image settings without an output format (resolve \"same\" first)")
	}
	if spec.IsSet() {
		est, w, ht = estimateSet(spec, h, fileSize)
		return est, w, ht, nil
	}
	g := spec.Geometry
	dw, dh := h.DisplaySize()
	if spec.NoRotate {
		dw, dh = h.Width, h.Height
	}
	_, _, w, ht = g.Plan(dw, dh)
	est = estimateImageBytes(h, fileSize, w, ht) + encoderBytes(spec.Format, spec.Trellis, w, ht)
	return est, w, ht, nil
}

// encoderBytes is what an encoder holds beyond the output image itself.
// The WebAssembly encoders (libwebp, libavif/aom under wazero) copy the
// pixels into their linear memory and keep several planes and frames of
// working state. AVIF: measured peak RSS of a worker encoding 1 to 4 MP
// images was about 85 bytes a pixel plus some 30 MiB of module state,
// rounded up here. WebP: libwebp instances are reused across jobs (no
// module state per job); a worker's peak RSS for one 5120x2880 photo to
// WebP exceeds the same job to JPEG by 26 MiB at 1280x720 and 95 MiB at
// 2560x1440 (~26 bytes a pixel), rounded up to 32 plus 8 MiB. The Go
// encoders stream from the image (accounted for by estimateImageBytes),
// except JPEG: its rate-distortion rounding keeps up to 2 bytes a pixel and
// 512 KiB of candidates (jpegenc's rdo.go), and with trellis it also holds the
// unquantised and the rounded coefficients, two candidate files and their
// decodes (jpegenc's encodeTrellis: about 24 bytes a pixel at 4:2:0).
func encoderBytes(f imgfmt.Format, trellis bool, w, h int) int64 {
	px := int64(w) * int64(h)
	switch f {
	case imgfmt.JPEG:
		if trellis {
			return px * 32
		}
		return px*2 + 512<<10
	case imgfmt.AVIF:
		return px*96 + 32<<20
	case imgfmt.WebP:
		return px*32 + 8<<20
	}
	return 0
}
