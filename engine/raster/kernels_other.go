//go:build !amd64 || purego

package raster

import "unsafe"

var haveAVX2 = false

func vpassAVX2(dst *uint8, rows *unsafe.Pointer, wpairs *int32, npairs int, n int) {
	panic("unreachable")
}

func hpass1AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int) {
	panic("unreachable")
}

func hpass4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ndst int) {
	panic("unreachable")
}

func hpass1x4AVX2(dst *uint8, src *uint8, starts *int32, w *int16, nPad int, ngroups int) {
	panic("unreachable")
}
