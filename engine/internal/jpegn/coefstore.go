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

// blockStore is one block's coefficients: the kept values and the
// non-zero bits of the others (nz points to a dummy word when all 64 are
// kept).
type blockStore struct {
	coefs []int16
	nz    *uint64
	keep  *[64]int8
}

// block returns the store of block b (raster index in the nBlocksX grid),
// ok false when it lies outside the buffer.
func (d *decoder) blockStore(c *component, b int) (s blockStore, ok bool) {
	off := b * c.coefN
	if off+c.coefN > len(c.coeffs) || c.coefN == 0 {
		return s, false
	}
	s.coefs = c.coeffs[off : off+c.coefN : off+c.coefN]
	s.keep = d.keep
	if c.nz != nil {
		s.nz = &c.nz[b]
	} else {
		s.nz = &d.nzDummy
	}
	return s, true
}

// set stores v at natural position u.
func (s blockStore) set(u int, v int16) {
	if i := s.keep[u]; i >= 0 {
		s.coefs[i] = v
	} else if v != 0 {
		*s.nz |= 1 << uint(u)
	}
}

// nonZero reports whether the coefficient at natural position u is non-zero.
func (s blockStore) nonZero(u int) bool {
	if i := s.keep[u]; i >= 0 {
		return s.coefs[i] != 0
	}
	return *s.nz&(1<<uint(u)) != 0
}

// refine applies a correction bit to the non-zero coefficient at natural
// position u: as in libjpeg, a bit already set (only a damaged stream
// sends one) is ignored. A position not kept has nothing to refine.
func (s blockStore) refine(u int, delta int16) {
	i := s.keep[u]
	if i < 0 {
		return
	}
	if v := s.coefs[i]; v&delta == 0 {
		if v >= 0 {
			s.coefs[i] = v + delta
		} else {
			s.coefs[i] = v - delta
		}
	}
}

// scaleN is the side of the block corner the IDCT reads at 1/denom scale.
var scaleN = [9]int{1: 8, 2: 4, 4: 2, 8: 1}
