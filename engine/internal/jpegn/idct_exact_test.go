package jpegn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIDCTBound derives idctSafe's constants: it follows every
// intermediate of rowIdct/colIdct as a linear form of the 64 inputs (a
// shift as an exact division plus 1 of rounding, constants by magnitude)
// and checks that no weight or constant exceeds the one idctSafe assumes.
func TestIDCTBound(t *testing.T) {
	type lf struct {
		a [64]float64
		c float64
	}
	var seen []lf
	see := func(x lf) lf { seen = append(seen, x); return x }
	lin := func(k float64, x lf, l float64, y lf, c float64) lf {
		var r lf
		for i := range r.a {
			r.a[i] = k*x.a[i] + l*y.a[i]
		}
		r.c = math.Abs(k)*x.c + math.Abs(l)*y.c + math.Abs(c)
		return see(r)
	}
	var zero lf
	mul := func(k float64, x lf) lf { return lin(k, x, 0, zero, 0) }
	add := func(x, y lf) lf { return lin(1, x, 1, y, 0) }
	sub := func(x, y lf) lf { return lin(1, x, -1, y, 0) }
	addc := func(x lf, c float64) lf { return lin(1, x, 0, zero, c) }
	shr := func(x lf, s uint) lf { r := mul(1/float64(int(1)<<s), x); r.c++; return r }
	pass := func(b [8]lf, row bool) (o [8]lf) {
		sc, c0, s := 2048.0, 128.0, uint(8)
		if !row {
			sc, c0, s = 256, 8192, 14
		}
		x1 := mul(sc, b[4])
		x0 := addc(mul(sc, b[0]), c0)
		x2, x3, x4, x5, x6, x7 := b[6], b[2], b[1], b[7], b[5], b[3]
		r3 := func(x lf) lf { return x }
		var k float64
		if !row {
			r3 = func(x lf) lf { return shr(x, 3) }
			k = 4
		}
		x8 := addc(mul(w7, add(x4, x5)), k)
		x4 = r3(add(x8, mul(w1-w7, x4)))
		x5 = r3(sub(x8, mul(w1+w7, x5)))
		x8 = addc(mul(w3, add(x6, x7)), k)
		x6 = r3(sub(x8, mul(w3-w5, x6)))
		x7 = r3(sub(x8, mul(w3+w5, x7)))
		x8 = add(x0, x1)
		x0 = sub(x0, x1)
		x1 = addc(mul(w6, add(x3, x2)), k)
		x2 = r3(sub(x1, mul(w2+w6, x2)))
		x3 = r3(add(x1, mul(w2-w6, x3)))
		x1 = add(x4, x6)
		x4 = sub(x4, x6)
		x6 = add(x5, x7)
		x5 = sub(x5, x7)
		x7 = add(x8, x3)
		x8 = sub(x8, x3)
		x3 = add(x0, x2)
		x0 = sub(x0, x2)
		x2 = shr(addc(mul(181, add(x4, x5)), 128), 8)
		x4 = shr(addc(mul(181, sub(x4, x5)), 128), 8)
		return [8]lf{shr(add(x7, x1), s), shr(add(x3, x2), s), shr(add(x0, x4), s), shr(add(x8, x6), s),
			shr(sub(x8, x6), s), shr(sub(x0, x4), s), shr(sub(x3, x2), s), shr(sub(x7, x1), s)}
	}
	var rows [8][8]lf
	for r := range rows {
		var in [8]lf
		for i := range in {
			in[i].a[r*8+i] = 1
		}
		rows[r] = pass(in, true)
	}
	for c := 0; c < 8; c++ {
		var in [8]lf
		for r := range in {
			in[r] = rows[r][c]
		}
		pass(in, false)
	}
	var wdc, wac, slack float64
	for _, x := range seen {
		wdc = max(wdc, math.Abs(x.a[0]))
		for _, v := range x.a[1:] {
			wac = max(wac, math.Abs(v))
		}
		slack = max(slack, x.c)
	}
	t.Logf("weights: DC %.0f, AC %.0f, constants %.0f", wdc, wac, slack)
	// idctSafe: sum|AC| + |DC|>>8 <= idctSumLimit-1, and |DC| < 256*(|DC|>>8 + 1).
	if wdc*256 > wac || wac*(idctSumLimit-1)+wdc*256+slack >= 1<<31 {
		t.Fatalf("idctSumLimit %d lets an intermediate reach %.0f", idctSumLimit, wac*(idctSumLimit-1)+wdc*256+slack)
	}
}

// TestIDCTExact: idct (the assembly with its bound, or the Go one with
// idctSafe) gives idctExact's samples on every block: random ones, ones
// scaled to just inside and just past the bound, and extreme ones; and
// where idctSafe passes, so does the unchecked int32 Go IDCT. On the fuzz
// seed's kind of block (0566e4a6...) the int32 one overflows.
func TestIDCTExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	check := func(blk [64]int32) {
		t.Helper()
		var a, b, c [64]byte
		b1, b2, b3 := blk, blk, blk
		idct(&b2, b[:], 0, 8)
		idctExact(&b3, c[:], 0, 8)
		if b != c {
			t.Fatalf("block %v: idct %v, exact %v", blk, b, c)
		}
		if idctSafe(blk[0], acSum(&blk)) {
			idctIterative(&b1, a[:], 0, 8)
			if a != c {
				t.Fatalf("block %v: int32 Go %v, exact %v", blk, a, c)
			}
		}
	}
	for i := 0; i < 20000; i++ {
		var blk [64]int32
		n := 1 + r.IntN(64)
		for j := 0; j < n; j++ {
			blk[r.IntN(64)] = int32(r.IntN(4096) - 2048)
		}
		blk[0] = int32(r.IntN(1<<18) - 1<<17)
		check(blk)
		// The same pattern scaled up to just inside the bound.
		s := acSum(&blk)
		if s == 0 {
			continue
		}
		f := float64(idctSumLimit-abs32(blk[0])>>8) / float64(s)
		for _, g := range []float64{0.999, 1.001, 1.5, 30} {
			b := blk
			for j := 1; j < 64; j++ {
				b[j] = int32(max(min(float64(blk[j])*f*g, 32767*255), -32767*255))
			}
			check(b)
		}
	}
	// Extreme coefficients: the int32 IDCT wraps, the exact one clamps.
	var blk [64]int32
	blk[0], blk[1], blk[8] = 2047*255, -32767*255, 32767*255
	if idctSafe(blk[0], acSum(&blk)) {
		t.Fatal("idctSafe passes an overflowing block")
	}
	check(blk)
	var a, c [64]byte
	b1, b3 := blk, blk
	idctIterative(&b1, a[:], 0, 8)
	idctExact(&b3, c[:], 0, 8)
	for i, v := range c {
		if v != 0 && v != 255 {
			t.Fatalf("exact sample %d = %d, want clamped", i, v)
		}
	}
	if a == c {
		t.Fatal("the int32 IDCT no longer overflows here: the test block is too weak")
	}
}
