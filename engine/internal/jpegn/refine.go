package jpegn

import "math/bits"

// Progressive AC scans (imgpar fork; issue 13).
//
// A refinement scan sends, for every block, one correction bit for each
// coefficient of the band that is already non-zero, and new coefficients
// of magnitude 1 among the zeros, placed by counting zeros. Reading that
// coefficient by coefficient (as refineBlock and refineBlockEOB do, and as
// libjpeg does) tests every position of the band and reads every
// correction bit on its own. Here each block's non-zero positions are a
// word of bits (blockStore.nz), so the zeros a run skips are found with a
// few bit operations, and all correction bits up to the next new
// coefficient are taken from the bit buffer in one shift: a block in an
// EOB run costs a look-up of its word and, when it has non-zero
// coefficients in the band, one read.
//
// The bits are read in the same order, and a read that the buffer cannot
// serve whole (the end of the scan's data is near) goes bit by bit through
// getBit, so markers, the end of the data and damaged streams are met
// exactly as on the slow path; TestRefineMatchesSlow and FuzzRefineMatchesSlow
// check that. First AC scans get a loop of their own in the same way
// (decodeScanACFirst), which keeps the words true.

// decodeScanACRefine decodes an AC refinement scan (Ah > 0) of component c
// over the zigzag band ss..se at bit al, as decodeScanProgressiveAC's loop
// with refineBlock and refineBlockEOB does.
func (d *decoder) decodeScanACRefine(c *component, scanComp [4]int, ss, se, al int) {
	rstCount := d.rstInterval
	nextRst := 0
	delta := int16(1 << al)
	band := ^uint64(0) << uint(ss) & (^uint64(0) >> uint(63-se))
	t := d.acHuff[c.acTabSel]
	total := c.blocksPerLine * c.blocksPerCol
	n := c.coefN
	blockIndex := 0

blocks:
	for by := 0; by < c.blocksPerCol; by++ {
		for bx := 0; bx < c.blocksPerLine; bx++ {
			b := by*c.nBlocksX + bx
			if n == 0 || (b+1)*n > len(c.coeffs) || b >= len(c.nz) {
				break blocks
			}
			coefs := c.coeffs[b*n : (b+1)*n : (b+1)*n]
			if d.eobRun > 0 {
				if m := c.nz[b] & band; m != 0 {
					// as correct does, inlined
					if n := bits.OnesCount64(m); d.bufBits >= n && !d.markerHit {
						d.bufBits -= n
						if b := d.buf >> uint(d.bufBits) << uint(64-n); b != 0 && m&d.zkept != 0 {
							d.applyCorrections(coefs, m, b, delta)
						}
					} else {
						d.correctSlow(coefs, m, delta)
					}
				}
				d.eobRun--
			} else {
				d.refineBlockFast(coefs, &c.nz[b], t, ss, se, delta, total-blockIndex)
			}
			blockIndex++

			if d.rstInterval > 0 {
				rstCount--
				if rstCount == 0 {
					d.processRestart(&nextRst, &rstCount, 1, 1, scanComp)
				}
			}
		}
	}

	d.eobRun = 0
	d.alignAndRewind()
}

// refineBlockFast decodes one block of a refinement scan that is not in an
// EOB run (refineBlock's work). nzp is the block's non-zero word,
// remaining the number of blocks left in the scan, this one included.
//
// The bit buffer lives in locals (buf, nb) while it holds enough bits for
// a step, and goes back to d before anything else reads it: kept in d, each
// read waited on the store before it.
func (d *decoder) refineBlockFast(coefs []int16, nzp *uint64, t *huffTable, ss, se int, delta int16, remaining int) {
	nz := *nzp
	top := ^uint64(0) >> uint(63-se) // positions up to se
	zig := ss
	buf, nb := d.buf, d.bufBits

	for zig <= se {
		// The symbol, and the bits after it, as refineBlock reads them.
		// refill never reads a marker or the last byte, so it changes
		// nothing getHuffSymbol, getBits or getBit meet.
		if nb < 32 && !d.markerHit {
			d.bufBits = nb
			d.refill()
			buf, nb = d.buf, d.bufBits
		}
		var r int
		var z int16
		if nb >= 32 && !d.markerHit {
			// All 32 bits are data: a code (16 bits at most) and what
			// follows it (14 at most) need no checks.
			if e := t.fast[(buf>>uint((nb-fastBits)&63))&(1<<fastBits-1)]; e != 0 && uint32(e>>16+1) <= 2 {
				// A code of size 1 and its sign bit in one look-up.
				nb -= int(e & 0xFF)
				r = int(e>>8) & 0xFF
				z = delta
				if e < 0 {
					z = -delta
				}
			} else {
				look := uint32(buf>>uint((nb-16)&63)) & 0xFFFF
				symbol := 0 // no code matches: read as EOB, as getHuffSymbol does
				if e := t.lut[look>>8]; e != 0 {
					nb -= int(e & 0xFF)
					symbol = int(e >> 8)
				} else if l, sym, ok := t.decodeLong(look); ok {
					nb -= l
					symbol = int(sym)
				}
				r = symbol >> 4
				if symbol&15 == 0 {
					if r != 15 { // EOBr: this block ends here, r bits give the run
						run := 1 << r
						if r > 0 {
							nb -= r
							run += int(buf>>uint(nb&63)) & (1<<uint(r&15) - 1)
						}
						d.eobRun = min(run, remaining) - 1
						break
					}
					// ZRL: sixteen zeros, no new coefficient
				} else { // a size other than 1 is invalid; libjpeg reads it as 1
					nb--
					z = -delta
					if buf>>uint(nb&63)&1 != 0 {
						z = delta
					}
				}
			}
		} else {
			d.bufBits = nb
			var symbol int
			if d.bufBits >= 8 && !d.markerHit {
				if e := t.lut[(d.buf>>(d.bufBits-8))&0xFF]; e != 0 {
					d.bufBits -= int(e & 0xFF)
					symbol = int(e >> 8)
				} else {
					symbol = d.getHuffSymbol(t)
				}
			} else {
				symbol = d.getHuffSymbol(t)
			}
			r = symbol >> 4
			eob := false
			if symbol&15 == 0 {
				if r != 15 {
					run := 1 << r
					if r > 0 {
						run += d.getBits(r)
					}
					d.eobRun = min(run, remaining) - 1
					eob = true
				}
			} else {
				z = -delta
				if d.getBit() != 0 {
					z = delta
				}
			}
			buf, nb = d.buf, d.bufBits
			if eob {
				break
			}
		}

		// Skip r zeros, correcting the non-zero coefficients on the way;
		// the new coefficient (or ZRL's sixteenth zero) is at the next
		// zero. Most often the r+1 positions from zig are all zero and
		// in the band: then one test places it, with nothing to correct.
		at := zig + r
		if nz>>uint(zig&63)&(uint64(2)<<uint(r&15)-1) != 0 || at > se {
			rest := ^uint64(0) << uint(zig&63) & top
			zeros := ^nz & rest
			for range r {
				zeros &= zeros - 1
			}
			at = se + 1
			if zeros != 0 {
				at = bits.TrailingZeros64(zeros)
			}
			// The non-zero positions from zig to below at (1 <= at <= 64).
			if m := nz & rest & (uint64(2)<<uint((at-1)&63) - 1); m != 0 {
				if n := bits.OnesCount64(m); nb >= n && !d.markerHit {
					nb -= n
					if b := buf >> uint(nb&63) << uint((64-n)&63); b != 0 && m&d.zkept != 0 {
						d.applyCorrections(coefs, m, b, delta)
					}
				} else {
					d.bufBits = nb
					d.correctSlow(coefs, m, delta)
					buf, nb = d.buf, d.bufBits
				}
			}
		}
		if at > se { // the run passed the band: see pastEnd
			if z != 0 {
				k := pastEnd(at)
				if i := d.zkeep[k]; i >= 0 {
					coefs[i] = z
				}
				nz |= 1 << uint(k&63)
			}
			zig = at
			break
		}
		if z != 0 {
			if i := d.zkeep[at]; i >= 0 {
				coefs[i] = z
			}
			nz |= 1 << uint(at&63)
		}
		zig = at + 1
	}
	d.bufBits = nb

	// After an EOB, the rest of the band's non-zero coefficients.
	if zig <= se {
		if m := nz & (^uint64(0) << uint(zig)) & top; m != 0 {
			d.correct(coefs, m, delta)
		}
	}
	*nzp = nz
}

// correct reads one correction bit for each zigzag position in m (not
// empty), lowest first, and adds delta to the magnitude of each kept
// coefficient whose bit is 1. Small enough to inline: the common case is
// one shift of the bit buffer and, for a compact store, no kept position.
func (d *decoder) correct(coefs []int16, m uint64, delta int16) {
	n := bits.OnesCount64(m)
	if d.bufBits < n || d.markerHit {
		d.correctSlow(coefs, m, delta)
		return
	}
	d.bufBits -= n
	if b := d.buf >> uint(d.bufBits) << uint(64-n); b != 0 && m&d.zkept != 0 {
		d.applyCorrections(coefs, m, b, delta)
	}
}

// correctSlow is correct when the buffer holds fewer than the bits needed:
// it refills, and near the end of the data reads bit by bit, as getBit
// meets markers and the end.
func (d *decoder) correctSlow(coefs []int16, m uint64, delta int16) {
	n := bits.OnesCount64(m)
	if !d.markerHit {
		d.refill()
	}
	if d.bufBits >= n && !d.markerHit {
		d.bufBits -= n
		if b := d.buf >> uint(d.bufBits) << uint(64-n); b != 0 && m&d.zkept != 0 {
			d.applyCorrections(coefs, m, b, delta)
		}
		return
	}
	for ; m != 0; m &= m - 1 {
		k := bits.TrailingZeros64(m)
		if d.getBit() != 0 {
			if i := d.zkeep[k]; i >= 0 {
				coefs[i] = refined(coefs[i], delta)
			}
		}
	}
}

// applyCorrections refines the kept coefficients at the positions of m
// whose bit in b is 1: b holds one bit per position of m, the lowest
// position's at the top.
func (d *decoder) applyCorrections(coefs []int16, m, b uint64, delta int16) {
	if d.zkept == ^uint64(0) { // all 64 kept: every bit in turn
		for ; m != 0 && b != 0; m &= m - 1 {
			if int64(b) < 0 {
				i := d.zkeep[bits.TrailingZeros64(m)]
				coefs[i] = refined(coefs[i], delta)
			}
			b <<= 1
		}
		return
	}
	for mk := m & d.zkept; mk != 0; mk &= mk - 1 {
		k := bits.TrailingZeros64(mk)
		if b<<uint(bits.OnesCount64(m&(uint64(1)<<uint(k)-1))) >= 1<<63 {
			if i := d.zkeep[k]; i >= 0 {
				coefs[i] = refined(coefs[i], delta)
			}
		}
	}
}

// decodeScanACFirst decodes the first AC scan (Ah = 0) of component c over
// the zigzag band ss..se at bit al, as decodeScanProgressiveAC's loop with
// decodeBlockACFirst does, without a call through a method value per block
// and with the bit buffer in locals while it holds 32 bits.
func (d *decoder) decodeScanACFirst(c *component, scanComp [4]int, ss, se, al int) {
	rstCount := d.rstInterval
	nextRst := 0
	t := d.acHuff[c.acTabSel]
	total := c.blocksPerLine * c.blocksPerCol
	n := c.coefN
	blockIndex := 0

blocks:
	for by := 0; by < c.blocksPerCol; by++ {
		for bx := 0; bx < c.blocksPerLine; bx++ {
			b := by*c.nBlocksX + bx
			if n == 0 || (b+1)*n > len(c.coeffs) || b >= len(c.nz) {
				break blocks
			}
			if d.eobRun > 0 {
				d.eobRun--
			} else {
				d.firstBlockFast(c.coeffs[b*n:(b+1)*n:(b+1)*n], &c.nz[b], t, ss, se, al, total-blockIndex)
			}
			blockIndex++

			if d.rstInterval > 0 {
				rstCount--
				if rstCount == 0 {
					d.processRestart(&nextRst, &rstCount, 0, 1, scanComp)
				}
			}
		}
	}

	d.eobRun = 0
	d.alignAndRewind()
}

// firstBlockFast decodes one block of a first AC scan that is not in an EOB
// run (decodeBlockACFirst's work, reading the same bits the same way).
func (d *decoder) firstBlockFast(coefs []int16, nzp *uint64, t *huffTable, ss, se, al int, remaining int) {
	nz := *nzp
	buf, nb := d.buf, d.bufBits
	k := ss
	for k <= se {
		if nb < 32 && !d.markerHit && !d.slowVLC {
			d.bufBits = nb
			d.refill()
			buf, nb = d.buf, d.bufBits
		}
		var v int16
		if nb >= 32 && !d.markerHit {
			// All 32 bits are data: a code (16 bits at most) and its
			// magnitude or run length (15 at most) need no checks.
			if e := t.fast[(buf>>uint((nb-fastBits)&63))&(1<<fastBits-1)]; e != 0 && !d.slowVLC {
				// A code and its magnitude in one look-up.
				nb -= int(e & 0xFF)
				k += int(e>>8) & 0xFF
				v = int16((e >> 16) << uint(al&15))
			} else {
				look := uint32(buf>>uint((nb-16)&63)) & 0xFFFF
				symbol := 0 // no code matches: read as EOB, as getHuffSymbol does
				if e := t.lut[look>>8]; e != 0 {
					nb -= int(e & 0xFF)
					symbol = int(e >> 8)
				} else if l, sym, ok := t.decodeLong(look); ok {
					nb -= l
					symbol = int(sym)
				}
				s, r := symbol&15, symbol>>4
				if s == 0 {
					if r == 15 { // ZRL
						k += 16
						continue
					}
					run := 1 << r // EOBr: this block ends here, r bits give the run
					if r > 0 {
						nb -= r
						run += int(buf>>uint(nb&63)) & (1<<uint(r&15) - 1)
					}
					d.eobRun = min(run, remaining) - 1
					break
				}
				k += r
				nb -= s
				val := int(buf>>uint(nb&63)) & (1<<uint(s) - 1)
				v = int16(signExtend(val, s) << uint(al&15))
			}
		} else {
			d.bufBits = nb
			symbol := d.acSymbolSlow(t)
			s, r := symbol&15, symbol>>4
			eob := false
			if s == 0 {
				if r != 15 {
					run := 1 << r
					if r > 0 {
						run += d.getBits(r)
					}
					d.eobRun = min(run, remaining) - 1
					eob = true
				}
			} else {
				k += r
				val := d.getBits(s)
				if val < (1 << (s - 1)) {
					val += ((-1) << s) + 1
				}
				v = int16(val << al)
			}
			buf, nb = d.buf, d.bufBits
			if eob {
				break
			}
			if s == 0 { // ZRL
				k += 16
				continue
			}
		}

		// Store v at k, or past the band (see pastEnd), as blockStore.set.
		last := k > se
		if last {
			k = pastEnd(k)
		}
		if i := d.zkeep[k&63]; i >= 0 {
			coefs[i] = v
			if v == 0 {
				nz &^= 1 << uint(k&63)
			}
		}
		if v != 0 {
			nz |= 1 << uint(k&63)
		}
		if last {
			break
		}
		k++
	}
	d.bufBits = nb
	*nzp = nz
}

// acSymbolSlow reads an AC symbol as decodeBlockACFirst and refineBlock do
// when fewer than 32 bits are buffered.
func (d *decoder) acSymbolSlow(t *huffTable) int {
	if d.bufBits >= 8 && !d.markerHit {
		if e := t.lut[(d.buf>>(d.bufBits-8))&0xFF]; e != 0 {
			d.bufBits -= int(e & 0xFF)
			return int(e >> 8)
		}
	}
	return d.getHuffSymbol(t)
}
