package imgfmt

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	_ "unsafe" // go:linkname

	"github.com/gen2brain/heic"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// imgpar calls gen2brain/heic's WebAssembly build of libheif 1.18.2 +
// libde265 itself instead of through heic.Decode, whose Go side gets the
// plane layout wrong for small pictures: libheif allocates every plane at
// least 64 samples wide (ImagePlane::alloc: the width rounded up to even,
// at least 64, the stride then aligned to 16 bytes), but heic.Decode
// assumes the width aligned to 16. Any plane narrower than 64 samples
// (pictures under 128 pixels wide in 4:2:0, under 64 in 4:4:4 or grey) was
// read with the wrong stride — a garbage picture at exit 0 (7.8 dB against
// libheif's own output for a 64x64 photo) — and the module's memcpy of the
// planes overran the buffer heic.Decode had allocated inside the module
// ("wasm error: invalid table access" on some files). The module itself is
// fine: its decode() returns size, colour space and chroma, then copies
// the planes with libheif's strides into a buffer the caller allocates;
// here the buffer is sized, and the planes read, with libheif's rule
// (heifPlaneStride).
//
// The module bytes are gen2brain/heic's own (linked below), so the
// dependency and its licence notes are unchanged.

//go:linkname heifWasmGz github.com/gen2brain/heic.heifWasm
var heifWasmGz []byte

// The constants of libheif's heif.h that decode() reports.
const (
	heifColorspaceYCbCr      = 0
	heifColorspaceRGB        = 1
	heifColorspaceMonochrome = 2
	heifChromaMonochrome     = 0
	heifChroma420            = 1
	heifChroma422            = 2
	heifChroma444            = 3
)

type heicRuntime struct {
	rt wazero.Runtime
	cm wazero.CompiledModule
	mc wazero.ModuleConfig
}

var heicModule = sync.OnceValues(func() (*heicRuntime, error) {
	ctx := context.Background()
	zr, err := gzip.NewReader(bytes.NewReader(heifWasmGz))
	if err != nil {
		return nil, fmt.Errorf("heic: the libheif module: %w", err)
	}
	wasm, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("heic: the libheif module: %w", err)
	}
	// Through the WebP encoder's compilation cache: compiling libheif
	// costs each worker seconds.
	r := &heicRuntime{}
	if r.rt, r.cm, err = compileWasm(ctx, wasm, wasmCacheDir()); err != nil {
		return nil, fmt.Errorf("heic: compiling libheif: %w", err)
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.rt); err != nil {
		return nil, fmt.Errorf("heic: %w", err)
	}
	// libheif's messages would break the one-line-per-file rule.
	r.mc = wazero.NewModuleConfig().WithStderr(io.Discard).WithStdout(io.Discard)
	return r, nil
})

// heifPlaneStride is libheif's stride for a plane width samples wide of
// bytesPerSample bytes each: the width rounded up to even and to at least
// 64, times the sample size, aligned to 16 bytes.
func heifPlaneStride(width, bytesPerSample int) int {
	w := (width + 1) &^ 1
	w = max(w, 64)
	return (w*bytesPerSample + 15) &^ 15
}

// heicDecodeWASM decodes the primary image of a HEIF file with libheif:
// *image.YCbCr, *image.Gray, *image.NRGBA or *image.RGBA (premultiplied),
// in Go memory.
func heicDecodeWASM(data []byte) (image.Image, error) {
	r, err := heicModule()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	mod, err := r.rt.InstantiateModule(withGrowingMemory(ctx), r.cm, r.mc)
	if err != nil {
		return nil, err
	}
	defer mod.Close(ctx)
	malloc, free, decode := mod.ExportedFunction("malloc"), mod.ExportedFunction("free"), mod.ExportedFunction("decode")
	mem := mod.Memory()
	alloc := func(n int) (uint64, error) {
		res, err := malloc.Call(ctx, uint64(n))
		if err != nil {
			return 0, err
		}
		if res[0] == 0 {
			return 0, errors.New("heic: out of WebAssembly memory")
		}
		return res[0], nil
	}

	in, err := alloc(len(data))
	if err != nil {
		return nil, err
	}
	defer free.Call(ctx, in)
	if !mem.Write(uint32(in), data) {
		return nil, heic.ErrMemWrite
	}
	vals, err := alloc(4 * 5)
	if err != nil {
		return nil, err
	}
	defer free.Call(ctx, vals)
	call := func(configOnly uint64, out uint64) error {
		res, err := decode.Call(ctx, in, uint64(len(data)), configOnly, vals, vals+4, vals+8, vals+12, vals+16, out)
		if err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if res[0] == 0 {
			return heic.ErrDecode
		}
		return nil
	}
	if err := call(1, 0); err != nil {
		return nil, err
	}
	var v [5]uint32
	for i := range v {
		var ok bool
		if v[i], ok = mem.ReadUint32Le(uint32(vals) + 4*uint32(i)); !ok {
			return nil, heic.ErrMemRead
		}
	}
	w, h, colorspace, chroma, premultiplied := int(v[0]), int(v[1]), v[2], v[3], v[4] == 1
	if w <= 0 || h <= 0 || int64(w)*int64(h) > maxWASMPixels {
		return nil, fmt.Errorf("libheif reports a %dx%d picture", w, h)
	}
	rect := image.Rect(0, 0, w, h)

	// The layout decode() writes: the planes one after another, each
	// h (or the chroma height) rows of libheif's stride.
	var ys, cs, ch int
	var ratio image.YCbCrSubsampleRatio
	switch colorspace {
	case heifColorspaceYCbCr:
		cw := w
		ch = h
		switch chroma {
		case heifChroma420:
			cw, ch, ratio = (w+1)/2, (h+1)/2, image.YCbCrSubsampleRatio420
		case heifChroma422:
			cw, ratio = (w+1)/2, image.YCbCrSubsampleRatio422
		case heifChroma444:
			ratio = image.YCbCrSubsampleRatio444
		default:
			return nil, fmt.Errorf("libheif decodes to YCbCr with chroma format %d, which imgpar does not take", chroma)
		}
		ys, cs = heifPlaneStride(w, 1), heifPlaneStride(cw, 1)
	case heifColorspaceMonochrome:
		ys = heifPlaneStride(w, 1)
	case heifColorspaceRGB:
		ys = heifPlaneStride(w, 4)
	default:
		return nil, fmt.Errorf("libheif decodes to colour space %d, which imgpar does not take", colorspace)
	}
	size := ys*h + 2*cs*ch
	out, err := alloc(size)
	if err != nil {
		return nil, err
	}
	defer free.Call(ctx, out)
	if err := call(0, out); err != nil {
		return nil, err
	}
	view, ok := mem.Read(uint32(out), uint32(size))
	if !ok {
		return nil, heic.ErrMemRead
	}
	pix := bytes.Clone(view) // out of the module's memory before free() reuses it
	switch colorspace {
	case heifColorspaceYCbCr:
		i0, i1 := ys*h, ys*h+cs*ch
		return &image.YCbCr{
			Y: pix[:i0:i0], Cb: pix[i0:i1:i1], Cr: pix[i1:size:size],
			YStride: ys, CStride: cs, SubsampleRatio: ratio, Rect: rect,
		}, nil
	case heifColorspaceMonochrome:
		return &image.Gray{Pix: pix, Stride: ys, Rect: rect}, nil
	}
	if premultiplied {
		return &image.RGBA{Pix: pix, Stride: ys, Rect: rect}, nil
	}
	return &image.NRGBA{Pix: pix, Stride: ys, Rect: rect}, nil
}
