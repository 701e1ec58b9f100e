package raster

// 16-bit resampling for images with transparency: rows of premultiplied RGBA with
// 16 bits per channel, so that colour is weighted by alpha (no dark fringes) and
// faint pixels keep their precision through the two passes.

// rows16 yields premultiplied 16-bit RGBA rows of a source w pixels wide.
type rows16 interface {
	row(y int, scratch []uint16) []uint16 // 4*w values
}

// resample16 resamples src (sw x sh) into out, premultiplied 16-bit RGBA with
// row stride 4*mx.dstN.
func resample16(out []uint16, src rows16, sw, sh int, p *plan) {
	kx, ky, mx, my, wx, wy, lo, hi := p.kx, p.ky, p.mx, p.my, p.wx, p.wy, p.lo, p.hi
	dw := mx.dstN * 4
	interP := getBuf16((hi - lo) * dw)
	defer putBuf16(interP)
	inter := *interP
	scratchP := getBuf16(sw * 4)
	defer putBuf16(scratchP)
	var shrunkP *[]uint16
	var accP *[]int64
	if kx > 1 || ky > 1 {
		shrunkP = getBuf16(mx.srcN * 4)
		defer putBuf16(shrunkP)
		accP = getBuf64(mx.srcN * 4)
		defer putBuf64(accP)
	}
	for r := lo; r < hi; r++ {
		var row []uint16
		if kx > 1 || ky > 1 {
			row = boxRow16(*shrunkP, *accP, src, *scratchP, sw, sh, r, kx, ky)
		} else {
			row = src.row(r, *scratchP)
		}
		hpass16(inter[(r-lo)*dw:(r-lo+1)*dw], row, wx)
	}
	accBuf := getBuf64(dw)
	defer putBuf64(accBuf)
	acc := *accBuf
	for y := 0; y < my.dstN; y++ {
		for i := range acc {
			acc[i] = wRound
		}
		s := int(wy.start[y]) - lo
		for k, wk := range wy.w[y*wy.n : (y+1)*wy.n] {
			if wk == 0 {
				continue
			}
			r := inter[(s+k)*dw : (s+k+1)*dw]
			w := int64(wk)
			for i, v := range r {
				acc[i] += int64(v) * w
			}
		}
		o := out[y*dw : (y+1)*dw]
		for i := 0; i < dw; i += 4 {
			a := clamp16(acc[i+3] >> wBits)
			o[i+3] = a
			// Ringing may push colour above alpha; premultiplied colour cannot exceed it.
			o[i] = min(clamp16(acc[i]>>wBits), a)
			o[i+1] = min(clamp16(acc[i+1]>>wBits), a)
			o[i+2] = min(clamp16(acc[i+2]>>wBits), a)
		}
	}
}

func clamp16(v int64) uint16 {
	if v < 0 {
		return 0
	}
	if v > 0xffff {
		return 0xffff
	}
	return uint16(v)
}

func hpass16(dst, src []uint16, ws *weights) {
	n := ws.n
	for x, s0 := range ws.start {
		s := src[int(s0)*4 : (int(s0)+n)*4]
		var r, g, b, a int64 = wRound, wRound, wRound, wRound
		for k, wk := range ws.w[x*n : x*n+n] {
			p := s[k*4 : k*4+4 : k*4+4]
			w := int64(wk)
			r += int64(p[0]) * w
			g += int64(p[1]) * w
			b += int64(p[2]) * w
			a += int64(p[3]) * w
		}
		d := dst[x*4 : x*4+4 : x*4+4]
		d[0] = clamp16(r >> wBits)
		d[1] = clamp16(g >> wBits)
		d[2] = clamp16(b >> wBits)
		d[3] = clamp16(a >> wBits)
	}
}

func boxRow16(out []uint16, acc []int64, src rows16, scratch []uint16, sw, sh, r, kx, ky int) []uint16 {
	y0 := r * ky
	y1 := min(y0+ky, sh)
	nOut := (sw + kx - 1) / kx
	acc = acc[:nOut*4]
	clear(acc)
	for y := y0; y < y1; y++ {
		row := src.row(y, scratch)
		for x := 0; x < sw; x++ {
			j := x / kx * 4
			p := row[x*4 : x*4+4 : x*4+4]
			acc[j] += int64(p[0])
			acc[j+1] += int64(p[1])
			acc[j+2] += int64(p[2])
			acc[j+3] += int64(p[3])
		}
	}
	out = out[:nOut*4]
	rows := int64(y1 - y0)
	for j := 0; j < nOut; j++ {
		cnt := int64(min(kx, sw-j*kx)) * rows
		for c := 0; c < 4; c++ {
			out[j*4+c] = uint16((acc[j*4+c] + cnt/2) / cnt)
		}
	}
	return out
}
