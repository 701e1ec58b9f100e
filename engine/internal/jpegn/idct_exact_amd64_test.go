//go:build amd64 && !noasm

package jpegn

import (
	"math/rand/v2"
	"testing"
)

// TestIDCTAVX2Bound: idctAVX2's bound is idctSafe, block for block, on
// blocks around the limit (the DC-only ones it takes without a bound
// cannot overflow).
func TestIDCTAVX2Bound(t *testing.T) {
	if !isAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(9, 10))
	var n [2]int
	for i := 0; i < 50000; i++ {
		var blk [64]int32
		blk[0] = int32(r.IntN(1<<24) - 1<<23)
		k := 1 + r.IntN(63)
		for j := 0; j < k; j++ {
			blk[1+r.IntN(63)] = int32(r.IntN(1<<13) - 1<<12)
		}
		s := acSum(&blk)
		if s == 0 {
			continue
		}
		f := float64(idctSumLimit-abs32(blk[0])>>8) / float64(s)
		if f <= 0 {
			f = 0.5
		}
		f *= 0.99 + 0.02*r.Float64()
		for j := 1; j < 64; j++ {
			blk[j] = int32(float64(blk[j]) * f)
		}
		if acSum(&blk) == 0 {
			continue
		}
		var out [64]byte
		b := blk
		got, want := idctAVX2(&b, out[:], 0, 8), idctSafe(blk[0], acSum(&blk))
		if got != want {
			t.Fatalf("block %v: idctAVX2 %v, idctSafe %v", blk, got, want)
		}
		if want {
			n[1]++
		} else {
			n[0]++
		}
	}
	if n[0] < 1000 || n[1] < 1000 {
		t.Fatalf("%d blocks past the bound, %d inside: the test does not straddle it", n[0], n[1])
	}
}
