//go:build amd64 && !purego

package raster

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveAVX2 selects the assembly kernels (kernels_amd64.s) for the single-channel
// passes; the pure Go loops remain for other CPUs and for the ragged edges.
var haveAVX2 = cpu.X86.HasAVX2

//go:noescape
func vpassAVX2(dst *uint8, rows *unsafe.Pointer, wpairs *int32, npairs int, n int)

//go:noescape
func hpass1AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int)

//go:noescape
func hpass4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int)

//go:noescape
func hpass1x4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ngroups int)
