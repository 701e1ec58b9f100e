package jpegn

// Compact coefficient storage for scaled progressive decodes (imgpar fork).
//
// A progressive JPEG keeps every block's coefficients until its last scan.
// At 1/2, 1/4 and 1/8 scale the IDCT reads only the top-left 4x4, 2x2 or
// 1x1 of each block, so only those are kept as values; of the others a
// refinement scan needs to know just whether each is non-zero (it reads a
// correction bit for a non-zero coefficient and counts zeros to place a new
// one), which one bit per position holds. The bit stream is read exactly as
// with the full store, so pixels and errors are the same.

var keepTables = func() (t [4][64]int8) {
	for i, n := range []int{8, 4, 2, 1} {
		for u := range 64 {
			r, c := u/8, u%8
			t[i][u] = -1
			if r < n && c < n {
				t[i][u] = int8(r*n + c)
			}
		}
	}
	return t
}()

// keepTable returns the layout of a block's kept coefficients at 1/denom
// scale and how many there are; full keeps all 64 at any scale.
func keepTable(denom int, full bool) (*[64]int8, int) {
	switch {
	case full || denom <= 1:
		return &keepTables[0], 64
	case denom == 2:
		return &keepTables[1], 16
	case denom == 4:
		return &keepTables[2], 4
	}
	return &keepTables[3], 1
}

// zigKeep returns keep reindexed by zigzag position, and the mask of the
// zigzag positions it keeps: what the refinement path looks up.
func zigKeep(keep *[64]int8) (t [64]int8, kept uint64) {
	for k := range 64 {
		t[k] = keep[zz[k]]
		if t[k] >= 0 {
			kept |= 1 << uint(k)
		}
	}
	return t, kept
}

// blockStore is one block's coefficients: the kept values, and a word
// whose bit k says whether the coefficient at zigzag position k (1..63)
// is non-zero. The word covers kept positions too, so a refinement scan
// finds a block's non-zero coefficients, and the zeros between them, with
// bit operations instead of testing the 63 one by one. The DC (bit 0) is
// not tracked: no AC scan reads it.
type blockStore struct {
	coefs []int16
	nz    *uint64
	zkeep *[64]int8
}

// blockStore returns the store of block b (raster index in the nBlocksX
// grid), ok false when it lies outside the buffer.
func (d *decoder) blockStore(c *component, b int) (s blockStore, ok bool) {
	off := b * c.coefN
	if off+c.coefN > len(c.coeffs) || c.coefN == 0 || b >= len(c.nz) {
		return s, false
	}
	s.coefs = c.coeffs[off : off+c.coefN : off+c.coefN]
	s.zkeep = &d.zkeep
	s.nz = &c.nz[b]
	return s, true
}

// set stores v at zigzag position k. A zero written to a kept position
// clears its bit; at a position that is not kept (whose value is not known)
// it leaves the bit as it was.
func (s blockStore) set(k int, v int16) {
	if i := s.zkeep[k]; i >= 0 {
		s.coefs[i] = v
		if v == 0 {
			*s.nz &^= 1 << uint(k)
			return
		}
	}
	if v != 0 {
		*s.nz |= 1 << uint(k)
	}
}

// nonZero reports whether the coefficient at zigzag position k is non-zero.
func (s blockStore) nonZero(k int) bool {
	return *s.nz&(1<<uint(k)) != 0
}

// refine applies a correction bit to the non-zero coefficient at zigzag
// position k. A position not kept has nothing to refine.
func (s blockStore) refine(k int, delta int16) {
	if i := s.zkeep[k]; i >= 0 {
		s.coefs[i] = refined(s.coefs[i], delta)
	}
}

// refined is v after a correction bit of 1 at delta: as in libjpeg, a bit
// already set (only a damaged stream sends one) is ignored. It never
// makes a non-zero v zero, so the non-zero words stay true.
func refined(v, delta int16) int16 {
	if v&delta == 0 {
		if v >= 0 {
			return v + delta
		}
		return v - delta
	}
	return v
}

// scaleN is the side of the block corner the IDCT reads at 1/denom scale.
var scaleN = [9]int{1: 8, 2: 4, 4: 2, 8: 1}
