package jpegn

import "encoding/binary"

// decodeBlockFast decodes one baseline block as decodeBlock's code-by-code
// path does (the same coefficients, bits consumed, markerHit and errors),
// faster. The bit buffer lives in locals for the whole block and goes back
// to d.buf/d.bufBits only around a call that reads them (libjpeg-turbo's
// BITREAD_LOAD_STATE/SAVE_STATE): Go keeps fields behind a pointer in
// memory, and the loop would otherwise load and store them per code.
//
// A code is decoded here only when 32 bits are buffered after fill: then
// every bit it and its magnitude (at most 16+15 bits) read is real data, so
// the result is what getVLC returns. Anything else (fewer bits near the end
// of the data or a marker, a code no table holds) goes to getVLC, which
// owns the handling of damaged and truncated streams.
func (d *decoder) decodeBlockFast(c *component, outOffset int) {
	blk := &d.block
	qt := d.qtab[c.qtSel]
	dcHuff := d.dcHuff[c.dcTabSel]
	acHuff := d.acHuff[c.acTabSel]

	// The scaled IDCTs read only the top-left n x n coefficients (1/2: 4x4,
	// 1/4: 2x2, 1/8: the DC), so only those need clearing; the rest may
	// hold stale values. At 1/8 AC values are parsed, not stored.
	denom := d.scaleDenom
	switch denom {
	case 2:
		*(*[4]int32)(blk[0:4]) = [4]int32{}
		*(*[4]int32)(blk[8:12]) = [4]int32{}
		*(*[4]int32)(blk[16:20]) = [4]int32{}
		*(*[4]int32)(blk[24:28]) = [4]int32{}
	case 4:
		blk[0], blk[1], blk[8], blk[9] = 0, 0, 0, 0
	case 8:
	default:
		*blk = [64]int32{}
	}
	storeAC := denom != 8

	buf, nb := d.buf, uint(d.bufBits)

	// DC.
	if nb < 32 {
		buf, nb = d.fill(buf, nb)
	}
	var dc int
	if e := dcHuff.lut[(buf>>((nb-8)&63))&0xFF]; nb >= 32 && e != 0 {
		nb -= uint(e & 0xFF)
		if s := uint(e>>8) & 15; s != 0 {
			nb -= s
			dc = signExtend(int((buf>>(nb&63))&(1<<s-1)), int(s))
		}
	} else {
		d.buf, d.bufBits = buf, int(nb)
		dc = d.getVLC(dcHuff, nil)
		buf, nb = d.buf, uint(d.bufBits)
	}
	c.dcPred += dc
	// libjpeg keeps the DC as a 16-bit JCOEF: a prediction run past it
	// wraps there (valid streams never get there), and so it does here.
	blk[0] = int32(int16(c.dcPred)) * int32(qt[0])

	// AC.
	k := 1
	for k <= 63 {
		if nb < 32 {
			// fill's common case, inline: the next bytes hold no 0xFF.
			n := (64 - nb) >> 3
			pos := d.pos
			if d.size > int(n) && pos >= 0 && pos+8 <= len(d.jpegData) && !d.markerHit {
				w := binary.BigEndian.Uint64(d.jpegData[pos:])
				x := ^w
				if ((x-0x0101010101010101)&^x&0x8080808080808080)>>(64-8*n) == 0 {
					d.pos += int(n)
					d.size -= int(n)
					buf = buf<<(8*n) | w>>(64-8*n)
					nb += 8 * n
				} else {
					buf, nb = d.fill(buf, nb)
				}
			} else {
				buf, nb = d.fill(buf, nb)
			}
		}
		if nb >= 32 {
			// A code and its magnitude in one look-up, when both fit.
			if e := acHuff.fast[(buf>>((nb-fastBits)&63))&(1<<fastBits-1)]; e != 0 {
				nb -= uint(e & 0xFF)
				k = min(k+int(e>>8)&0xFF, 63) // see pastEnd
				if storeAC {
					nat := zz[k&63] & 63
					blk[nat] = (e >> 16) * int32(qt[nat])
				}
				k++
				continue
			}
			// EOB, ZRL, a code whose magnitude does not fit, a code over 8 bits.
			var l uint
			var sym uint8
			if e := acHuff.lut[(buf>>((nb-8)&63))&0xFF]; e != 0 {
				l, sym = uint(e&0xFF), uint8(e>>8)
			} else if n, v, ok := acHuff.decodeLong(uint32(buf>>((nb-16)&63)) & 0xFFFF); ok {
				l, sym = uint(n), v
			}
			if l != 0 {
				nb -= l
				s := uint(sym & 15)
				if s == 0 {
					if sym != 0xF0 { // EOB; libjpeg ends the block at r/0 too
						break
					}
					k += 16
					continue
				}
				nb -= s
				k = min(k+int(sym>>4), 63)
				if storeAC {
					v := signExtend(int((buf>>(nb&63))&(1<<s-1)), int(s))
					nat := zz[k&63] & 63
					blk[nat] = int32(v) * int32(qt[nat])
				}
				k++
				continue
			}
		}

		// Invalid codes and the end of the data.
		var code uint8
		d.buf, d.bufBits = buf, int(nb)
		v := d.getVLC(acHuff, &code)
		buf, nb = d.buf, uint(d.bufBits)
		if code == 0 { // EOB (also handles graceful termination at EOF)
			break
		}
		if code&0x0F == 0 {
			if code != 0xF0 { // not ZRL: libjpeg ends the block, as for EOB
				break
			}
			k += 16
			continue
		}
		k = min(k+int(code>>4), 63)
		if storeAC {
			nat := zz[k&63] & 63
			blk[nat] = int32(v) * int32(qt[nat])
		}
		k++
	}
	d.buf, d.bufBits = buf, int(nb)

	// A block whose AC coefficients the scaled IDCT reads are all zero is
	// flat: at 1/2 and 1/4 every output sample is what the IDCT computes
	// from the DC alone.
	switch {
	case denom == 2 && blk[1]|blk[2]|blk[3]|blk[8]|blk[9]|blk[10]|blk[11]|
		blk[16]|blk[17]|blk[18]|blk[19]|blk[24]|blk[25]|blk[26]|blk[27] == 0:
		fill4(c.pixels, outOffset, c.stride, clamp64((int64(blk[0])+4)>>3+128))
	case denom == 4 && blk[1]|blk[8]|blk[9] == 0:
		v := clamp(((blk[0] + 4) >> 3) + 128)
		o := c.pixels
		o[outOffset], o[outOffset+1] = v, v
		o[outOffset+c.stride], o[outOffset+c.stride+1] = v, v
	default:
		idctScaled(blk, c.pixels, outOffset, c.stride, denom)
	}
}

// fill4 sets the 4x4 samples at out[off:] (rows stride apart) to v.
func fill4(out []byte, off, stride int, v byte) {
	w := uint32(v) * 0x01010101
	binary.LittleEndian.PutUint32(out[off:], w)
	binary.LittleEndian.PutUint32(out[off+stride:], w)
	binary.LittleEndian.PutUint32(out[off+2*stride:], w)
	binary.LittleEndian.PutUint32(out[off+3*stride:], w)
}

// fill is refill for a bit buffer held in locals: it returns buf and nb
// topped up exactly as refill would leave d.buf and d.bufBits. When the
// bytes it needs hold no 0xFF and are not the last of the data, it takes
// them in one 8-byte load instead of a byte at a time.
func (d *decoder) fill(buf uint64, nb uint) (uint64, uint) {
	if nb <= 56 && !d.markerHit {
		n := (64 - nb) >> 3 // whole bytes refill adds: to 57..64 bits
		if pos := d.pos; d.size > int(n) && pos >= 0 && pos+8 <= len(d.jpegData) {
			w := binary.BigEndian.Uint64(d.jpegData[pos:])
			// A zero byte of ^w is a 0xFF byte of w (borrows may also flag
			// bytes above a real one: then the byte loop runs, no harm).
			x := ^w
			ff := (x - 0x0101010101010101) &^ x & 0x8080808080808080
			if ff>>(64-8*n) == 0 {
				d.pos += int(n)
				d.size -= int(n)
				return buf<<(8*n) | w>>(64-8*n), nb + 8*n
			}
		}
	}
	d.buf, d.bufBits = buf, int(nb)
	d.refill()
	return d.buf, uint(d.bufBits)
}
