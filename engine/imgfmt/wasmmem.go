package imgfmt

import (
	"context"

	"github.com/tetratelabs/wazero/experimental"
)

// The linear memory of a WebAssembly instance (the WebP encoder's, the HEIC
// decoder's). libwebp's malloc (wasi-libc's
// dlmalloc) grows the memory a few 64 KiB pages at a time, as each
// allocation needs them: a first 1280x2273 encode grows it ~340 times, from
// 128 KiB to 22 MiB. wazero's own memory grows each time by appending a
// freshly allocated, zeroed slice of the new pages, and records the new
// length as the capacity, so every grow allocates garbage and most copy the
// whole memory (append's growth is 1.25x): perf put 5% of a responsive set's
// CPU and 6% of a `--width 1280 --format webp` run's in
// MemoryInstance.Grow, mostly page faults on the fresh copies
// (docs/benchmarks.md). growingMemory grows the slice by doubling instead,
// with nothing allocated for a grow that fits, and so copies the memory
// about log2(size / 128 KiB) times in all. It changes where the bytes live,
// not what the module computes: the files are the same. The HEIC decoder,
// instantiated per picture, grows a fresh memory to ~100 MiB each time the
// same way (three 5120x2880 HEICs to 800 px JPEG, one thread, 4 alternating
// runs: 11.4 -> 8.4 s of CPU, median).

// growingMemory is an experimental.LinearMemory on a Go slice whose
// capacity doubles.
type growingMemory struct {
	buf []byte
	max uint64
}

// Reallocate grows the memory to size bytes: in place when the capacity
// allows (the bytes past the old length are zero, as WebAssembly requires:
// make zeroed them and nothing writes past the length), else into a slice of
// twice the capacity (at most max).
func (m *growingMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	c := min(max(size, 2*uint64(cap(m.buf))), m.max)
	b := make([]byte, size, c)
	copy(b, m.buf)
	m.buf = b
	return b
}

// Free lets the memory go.
func (m *growingMemory) Free() { m.buf = nil }

// withGrowingMemory makes the instances instantiated with ctx use a
// growingMemory for their linear memory.
func withGrowingMemory(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(c, mx uint64) experimental.LinearMemory {
		return &growingMemory{buf: make([]byte, 0, min(c, mx)), max: mx}
	}))
}
