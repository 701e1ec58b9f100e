package imgfmt

import (
	"errors"
	"image"
)

// InitCodecs compiles the WebP and AVIF WebAssembly encoders once; later
// calls return the first call's result at once. Safe for concurrent use.
// Compiling costs CPU time (measured here: about 0.5 s for WebP and 1-2 s for
// AVIF on one core), so a process that writes neither should not call it;
// InitCodec compiles only the one a format needs. Without either, the first
// WebP or AVIF encode pays the cost.
func InitCodecs() error {
	return errors.Join(InitCodec(WebP), InitCodec(AVIF))
}

// Decode is DecodeMax with the default pixel limit.
func Decode(f Format, data []byte) (image.Image, error) {
	return DecodeMax(f, data, DefaultMaxPixels)
}
