package raster

import "sync"

// Scratch buffers are recycled across calls: the caller runs many resizes of
// similar sizes on a few goroutines, so steady state allocates only outputs.
var (
	pool8  sync.Pool // *[]uint8
	pool16 sync.Pool // *[]uint16
	pool32 sync.Pool // *[]int32
	pool64 sync.Pool // *[]int64
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

func getBuf16(n int) *[]uint16 {
	if p, ok := pool16.Get().(*[]uint16); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]uint16, n)
	return &b
}

func putBuf16(p *[]uint16) { pool16.Put(p) }

func getBuf32(n int) *[]int32 {
	if p, ok := pool32.Get().(*[]int32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]int32, n)
	return &b
}

func putBuf32(p *[]int32) { pool32.Put(p) }

func getBuf64(n int) *[]int64 {
	if p, ok := pool64.Get().(*[]int64); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]int64, n)
	return &b
}

func putBuf64(p *[]int64) { pool64.Put(p) }
