package jpegn

import "math/bits"

// Progressive AC refinement scans (imgpar fork; issue 13).
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
// check that.

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
					d.correct(coefs, m, delta)
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
func (d *decoder) refineBlockFast(coefs []int16, nzp *uint64, t *huffTable, ss, se int, delta int16, remaining int) {
	nz := *nzp
	top := ^uint64(0) >> uint(63-se) // positions up to se
	zig := ss

	for zig <= se {
		// The symbol, as refineBlock reads it. refill never reads a marker
		// or the last byte, so it changes nothing getHuffSymbol meets.
		if d.bufBits < 16 && !d.markerHit {
			d.refill()
		}
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
		r := symbol >> 4

		var z int16
		if symbol&15 == 0 {
			if r != 15 { // EOBr: this block ends here, r bits give the run
				run := 1 << r
				if r > 0 {
					run += d.getBits(r)
				}
				d.eobRun = min(run, remaining) - 1
				break
			}
			// ZRL: sixteen zeros, no new coefficient
		} else { // a size other than 1 is invalid; libjpeg reads it as 1
			z = -delta
			if d.getBit() != 0 {
				z = delta
			}
		}

		// Skip r zeros, correcting the non-zero coefficients on the way;
		// the new coefficient (or ZRL's sixteenth zero) is at the next zero.
		rest := ^uint64(0) << uint(zig) & top
		zeros := ^nz & rest
		for range r {
			zeros &= zeros - 1
		}
		at := se + 1
		if zeros != 0 {
			at = bits.TrailingZeros64(zeros)
		}
		if m := nz & rest & (uint64(1)<<uint(at) - 1); m != 0 {
			d.correct(coefs, m, delta)
		}
		if at > se { // the run passed the band: see pastEnd
			if z != 0 {
				k := pastEnd(at)
				if i := d.zkeep[k]; i >= 0 {
					coefs[i] = z
				}
				nz |= 1 << uint(k)
			}
			zig = at
			break
		}
		if z != 0 {
			if i := d.zkeep[at]; i >= 0 {
				coefs[i] = z
			}
			nz |= 1 << uint(at)
		}
		zig = at + 1
	}

	// After an EOB, the rest of the band's non-zero coefficients.
	if zig <= se {
		if m := nz & (^uint64(0) << uint(zig)) & top; m != 0 {
			d.correct(coefs, m, delta)
		}
	}
	*nzp = nz
}

// correct reads one correction bit for each zigzag position in m, lowest
// first, and adds delta to the magnitude of each kept coefficient whose
// bit is 1.
func (d *decoder) correct(coefs []int16, m uint64, delta int16) {
	n := bits.OnesCount64(m)
	if d.bufBits < n && !d.markerHit {
		d.refill()
	}
	if d.bufBits < n || d.markerHit {
		// Near the end of the data: bit by bit, as getBit meets it.
		for ; m != 0; m &= m - 1 {
			k := bits.TrailingZeros64(m)
			if d.getBit() != 0 {
				if i := d.zkeep[k]; i >= 0 {
					coefs[i] = refined(coefs[i], delta)
				}
			}
		}
		return
	}
	d.bufBits -= n
	b := d.buf >> uint(d.bufBits) << uint(64-n) // first bit at the top
	if b == 0 {
		return
	}
	if d.zkept == ^uint64(0) { // all 64 kept: every bit in turn
		for ; m != 0; m &= m - 1 {
			if int64(b) < 0 {
				k := bits.TrailingZeros64(m)
				coefs[d.zkeep[k]] = refined(coefs[d.zkeep[k]], delta)
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
