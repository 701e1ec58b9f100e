package imgfmt

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/imgpar/imgpar/engine/imgfmt/internal/webpwasm"
)

// The WebP encoder is libwebp compiled to WebAssembly with its SSE2/SSE4.1
// code as WebAssembly SIMD (internal/webpwasm, FORK.md there), run by wazero
// as gen2brain/webp runs its own plain-C module, with two differences that
// cost nothing in output (TestWebPEncoderMatchesCwebp: byte-identical to
// native cwebp; TestWebPEncoderMatchesGen2brain: to gen2brain/webp's Encode):
//
//   - the compiled machine code is kept in an on-disk cache
//     (wasmcache.go), so a worker process loads it instead of compiling
//     libwebp again (compiling is most of a worker's first WebP job);
//   - module instances are kept and reused across encodes (gen2brain/webp
//     instantiates the module, a fresh linear memory, for every call).
//     libwebp frees all it allocates before encode returns, and the
//     output does not depend on what the memory held before.
type wasmWebP struct {
	rt wazero.Runtime
	cm wazero.CompiledModule
	mc wazero.ModuleConfig

	mu   sync.Mutex
	free []api.Module // idle instances, at most maxIdleWebP
}

const (
	// maxIdleWebP instances are kept idle; more are closed after use.
	// One per encoding thread is what a worker needs.
	maxIdleWebP = 4
	// maxKeptWebPMemory: an instance whose linear memory grew past this
	// is closed after use rather than kept, so one big picture does not pin
	// its memory for the rest of the worker's life (measured: an 800x450
	// q80 encode grows it to 3 MiB, lossless to 18 MiB; 800x1422 lossless
	// 30 MiB; 3000x2000 q80 59 MiB).
	maxKeptWebPMemory = 32 << 20
)

var webpCodec = sync.OnceValues(func() (*wasmWebP, error) {
	return newWasmWebP(context.Background(), wasmCacheDir())
})

// newWasmWebP compiles the module, through the cache in cacheDir unless
// cacheDir is "".
func newWasmWebP(ctx context.Context, cacheDir string) (*wasmWebP, error) {
	zr, err := gzip.NewReader(bytes.NewReader(webpwasm.Gz))
	if err != nil {
		return nil, err
	}
	bin, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	rt, cm, err := compileWasm(ctx, bin, cacheDir)
	if err != nil {
		return nil, err
	}
	if err := instantiateWebPImports(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	// As gen2brain/webp: libwebp's own messages go to the process's stdout
	// and stderr as they are when the codec is initialised.
	mc := wazero.NewModuleConfig().WithStderr(os.Stderr).WithStdout(os.Stdout)
	return &wasmWebP{rt: rt, cm: cm, mc: mc}, nil
}

// instantiateWebPImports provides what the module imports: WASI, and
// imgpar.progress, which libwebp's progress hook calls at each percent of
// an encode (webp.c.txt). The call does nothing, but it leaves WebAssembly
// machine code for Go, where the runtime can stop the goroutine: a garbage
// collection waits for every goroutine, and one that started during an
// encode otherwise spun on the other core, signalling the encoding thread
// every few microseconds, until the encode ended (perf: ~30% of a JPEG ->
// WebP worker's CPU in suspendG, tgkill and signal returns;
// docs/benchmarks.md).
func instantiateWebPImports(ctx context.Context, rt wazero.Runtime) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return err
	}
	_, err := rt.NewHostModuleBuilder("imgpar").
		NewFunctionBuilder().WithFunc(func() {}).Export("progress").
		Instantiate(ctx)
	return err
}

func (c *wasmWebP) get(ctx context.Context) (api.Module, error) {
	c.mu.Lock()
	if n := len(c.free); n > 0 {
		m := c.free[n-1]
		c.free = c.free[:n-1]
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	return c.rt.InstantiateModule(withGrowingMemory(ctx), c.cm, c.mc)
}

// put returns an instance after a successful call; instances that trapped
// or failed are closed instead (their allocator state is unknown).
func (c *wasmWebP) put(ctx context.Context, m api.Module) {
	c.mu.Lock()
	if len(c.free) < maxIdleWebP && m.Memory().Size() <= maxKeptWebPMemory {
		c.free = append(c.free, m)
		m = nil
	}
	c.mu.Unlock()
	if m != nil {
		m.Close(ctx)
	}
}

// encode runs libwebp's WebPEncode on src with gen2brain/webp's settings
// for these arguments (its Options, normalised as its Encode does).
func (c *wasmWebP) encode(w io.Writer, src *image.NRGBA, quality, method int, lossless, exact bool) error {
	quality, method = webpSettings(quality, method)
	return c.run(w, func(ctx context.Context, mod api.Module) ([]byte, error) {
		return wasmWebPEncode(ctx, mod, src, quality, method, lossless, exact)
	})
}

// webpSettings normalises quality and method as gen2brain/webp's Encode does.
func webpSettings(quality, method int) (int, int) {
	if quality <= 0 {
		quality = 75 // gen2brain/webp's DefaultQuality
	} else if quality > 100 {
		quality = 100
	}
	if method < 0 {
		method = 4
	} else if method > 6 {
		method = 6
	}
	return quality, method
}

// run calls encode on a pooled instance and writes its file to w; an
// instance whose call failed is closed, not reused.
func (c *wasmWebP) run(w io.Writer, encode func(context.Context, api.Module) ([]byte, error)) error {
	ctx := context.Background()
	mod, err := c.get(ctx)
	if err != nil {
		return err
	}
	out, err := encode(ctx, mod)
	if err != nil {
		mod.Close(ctx)
		return err
	}
	c.put(ctx, mod)
	_, err = w.Write(out)
	return err
}

// wasmWebPEncode is gen2brain/webp's encode (RGBA input, colorspace 0)
// on the instance mod. The returned bytes are a copy: mod may be reused.
func wasmWebPEncode(ctx context.Context, mod api.Module, src *image.NRGBA, quality, method int, lossless, exact bool) (out []byte, err error) {
	wd, ht := src.Rect.Dx(), src.Rect.Dy()
	rowLen := 4 * wd
	b2u := func(b bool) uint64 {
		if b {
			return 1
		}
		return 0
	}
	// Copy the rows straight into the module's memory (whatever src's stride).
	fill := func(dst []byte) {
		for y := 0; y < ht; y++ {
			copy(dst[y*rowLen:(y+1)*rowLen], src.Pix[y*src.Stride:])
		}
	}
	return wasmWebPCall(ctx, mod, rowLen*ht, fill, wd, ht, 0, quality, method, b2u(lossless), b2u(exact))
}

// wasmWebPCall runs the module's encode export on an n-byte input that fill
// writes into the module's memory: colorspace 0 is RGBA, webpYUVA YUV420A
// (gen2brain/webp's glue). It returns a copy of the encoded file and frees
// what it allocated.
func wasmWebPCall(ctx context.Context, mod api.Module, n int, fill func([]byte), wd, ht int, colorspace uint64, quality, method int, lossless, exact uint64) ([]byte, error) {
	alloc, free, enc := mod.ExportedFunction("malloc"), mod.ExportedFunction("free"), mod.ExportedFunction("encode")
	if alloc == nil || free == nil || enc == nil {
		return nil, errors.New("webp module lacks malloc/free/encode")
	}
	mem := mod.Memory()
	res, err := alloc.Call(ctx, uint64(n))
	if err != nil {
		return nil, fmt.Errorf("alloc: %w", err)
	}
	inPtr := uint32(res[0])
	if inPtr == 0 {
		return nil, errors.New("webp module out of memory")
	}
	dst, ok := mem.Read(inPtr, uint32(n))
	if !ok {
		return nil, errors.New("webp: mem write failed")
	}
	fill(dst)
	res, err = alloc.Call(ctx, 8)
	if err != nil {
		return nil, fmt.Errorf("alloc: %w", err)
	}
	sizePtr := uint32(res[0])
	if sizePtr == 0 {
		return nil, errors.New("webp module out of memory")
	}
	res, err = enc.Call(ctx, uint64(inPtr), uint64(wd), uint64(ht), uint64(sizePtr), colorspace,
		uint64(quality), uint64(method), lossless, exact)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	outPtr := uint32(res[0])
	size, ok := mem.ReadUint64Le(sizePtr)
	if !ok {
		return nil, errors.New("webp: mem read failed")
	}
	if size == 0 || outPtr == 0 {
		return nil, errors.New("webp: encode failed")
	}
	data, ok := mem.Read(outPtr, uint32(size))
	if !ok {
		return nil, errors.New("webp: mem read failed")
	}
	out := bytes.Clone(data)
	for _, p := range []uint32{outPtr, sizePtr, inPtr} {
		if _, err := free.Call(ctx, uint64(p)); err != nil {
			return nil, fmt.Errorf("free: %w", err)
		}
	}
	return out, nil
}
