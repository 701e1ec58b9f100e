package raster

import "sync"

// Scratch buffers are recycled across calls: the caller runs many resizes of
// similar sizes on a few goroutines, so steady state allocates only outputs.
var (
	pool8  sync.Pool // *[]uint8
	pool32 sync.Pool // *[]int32
)

func getBuf8(n int) *[]uint8 {
	if p, ok := pool8.Get().(*[]uint8); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]uint8, n)
	return &b
}

func putBuf8(p *[]uint8) { pool8.Put(p) }

func getBuf32(n int) *[]int32 {
	if p, ok := pool32.Get().(*[]int32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]int32, n)
	return &b
}

func putBuf32(p *[]int32) { pool32.Put(p) }
