package numbers

import (
	"math"
	"math/bits"
	"sync"
)

// The heavy iteration: result = (result*17 + 13) % 99991.
const (
	heavyMul = 17
	heavyAdd = 13
	modInt   = 99991
	modulus  = float64(modInt)
	invMod   = 1 / modulus

	// gridScale is 2^32: a state r with |r| < 99991 that is a multiple of
	// 2^-32 stays one, and every intermediate value is exact (see gridOrbit).
	gridScale    = 0x1p32
	invGridScale = 0x1p-32
	gridMod      = uint64(modInt) << 32 // 99991 * 2^32 < 2^49
	gridAdd      = uint64(heavyAdd) << 32
)

// jsRound is one round of heavy exactly as JavaScript evaluates it, for any
// double: the product and the sum are each rounded (no fused multiply-add;
// the conversion forbids it), and % is fmod, which math.Mod computes exactly.
func jsRound(r float64) float64 {
	return math.Mod(float64(r*heavyMul)+heavyAdd, modulus)
}

// jsStep is jsRound for |r| < 99991, without math.Mod's loop.
//
// With |r| < 99991, y = 17r+13 has |y| < 17*99991+13 < 2^21 and the quotient
// q = floor(|y|/99991) is at most 17. The estimate trunc(|y| * (1/99991)) is
// within 17*2^-52 of |y|/99991 before truncation, so it is q or q±1. For such
// an estimate, |y| - est*99991 is exact: est*99991 is an integer below 2^21,
// |y| < 2^53 is a multiple of its own ulp (a power of two <= 1), so the
// difference is a multiple of ulp(|y|) no larger in magnitude than |y| and
// hence representable. The one correction (±99991) is exact for the same
// reason, since its result is the true remainder, which is <= |y|. The sign of
// the dividend is restored with Copysign, which also gives -0 for a zero
// remainder of a negative y, exactly as fmod.
func jsStep(r float64) float64 {
	y := float64(r*heavyMul) + heavyAdd
	a := math.Abs(y)
	q := float64(int64(a * invMod))
	m := a - q*modulus
	if m < 0 {
		m += modulus
	} else if m >= modulus {
		m -= modulus
	}
	return math.Copysign(m, y)
}

// honestHeavy runs the loop of the seed's heavyWork, round by round.
func honestHeavy(x float64, rounds int) float64 {
	r := x
	if rounds > 0 && !(math.Abs(r) < modulus) {
		r = jsRound(r)
		rounds--
	}
	for ; rounds > 0; rounds-- {
		r = jsStep(r)
	}
	return r
}

// affine is the map x -> a*x + b modulo some m.
type affine struct{ a, b uint64 }

// powerTables holds, for each affine map of the heavy iteration, its
// 2^i-th iterates for i = 0..63, so that k iterations cost popcount(k)
// multiply-adds.
type powerTables struct {
	pos  [64]affine // n -> (17n + 13) mod 99991: non-negative integer states
	neg  [64]affine // t -> (17t - 13) mod 99991: magnitude of negative integer states
	grid [64]affine // n -> (17n + 13*2^32) mod 99991*2^32: positive states on the 2^-32 grid
}

var tables = buildPowerTables()

func buildPowerTables() *powerTables {
	t := new(powerTables)
	t.pos[0] = affine{heavyMul, heavyAdd}
	t.neg[0] = affine{heavyMul, modInt - heavyAdd}
	t.grid[0] = affine{heavyMul, gridAdd}
	for i := 1; i < 64; i++ {
		p, n, g := t.pos[i-1], t.neg[i-1], t.grid[i-1]
		t.pos[i] = affine{p.a * p.a % modInt, (p.a*p.b + p.b) % modInt}
		t.neg[i] = affine{n.a * n.a % modInt, (n.a*n.b + n.b) % modInt}
		t.grid[i] = affine{mulAddMod(g.a, g.a, 0, gridMod), mulAddMod(g.a, g.b, g.b, gridMod)}
	}
	return t
}

// mulAddMod returns (a*x + b) mod m for a, x, b < m < 2^63.
func mulAddMod(a, x, b, m uint64) uint64 {
	hi, lo := bits.Mul64(a, x)
	lo, carry := bits.Add64(lo, b, 0)
	return bits.Rem64(hi+carry, lo, m)
}

// iterSmall applies k iterations of the map whose powers are tab to x < 99991.
func iterSmall(tab *[64]affine, x uint64, k int) uint64 {
	for i, kk := 0, uint64(k); kk != 0; i, kk = i+1, kk>>1 {
		if kk&1 != 0 {
			x = (tab[i].a*x + tab[i].b) % modInt
		}
	}
	return x
}

// iterGrid applies k iterations of the grid map to x < 99991*2^32.
func iterGrid(x uint64, k int) uint64 {
	tab := &tables.grid
	for i, kk := 0, uint64(k); kk != 0; i, kk = i+1, kk>>1 {
		if kk&1 != 0 {
			x = mulAddMod(tab[i].a, x, tab[i].b, gridMod)
		}
	}
	return x
}

// negDistances returns, for each t in 1..99990, the number of rounds d >= 1
// after which the negative integer state -t reaches -0 (a zero remainder of a
// negative dividend), or 0 if it never does. The negative chain is the
// permutation g(t) = (17t - 13) mod 99991; walking g's inverse backwards from
// 0 visits exactly the states that reach 0, at increasing distance, until it
// returns to 0 (after ord(17) = 33330 steps, as 99991 is prime).
var negDistances = sync.OnceValue(func() []int32 {
	dist := make([]int32, modInt)
	inv17 := uint64(0)
	for v := uint64(1); v < modInt; v++ {
		if v*heavyMul%modInt == 1 {
			inv17 = v
			break
		}
	}
	cur := uint64(0)
	for d := int32(1); ; d++ {
		cur = (cur + heavyAdd) * inv17 % modInt
		if cur == 0 {
			break
		}
		dist[cur] = d
	}
	return dist
})

var negZero = math.Copysign(0, -1)

// intOrbit returns k >= 1 rounds of heavy from an integer-valued state r with
// |r| < 99991 (including -0).
//
// For such r, 17r+13 is an exact integer below 2^21 and fmod of it is exact,
// so non-negative states follow n -> (17n+13) mod 99991 and never turn
// negative, while a negative state -t follows t -> (17t-13) mod 99991
// (17t-13 > 0 for t >= 1) until that is 0: the state is then -0, and the
// next round gives -0*17+13 = 13, the same as from +0.
func intOrbit(r float64, k int) float64 {
	if r >= 0 { // +0 and -0 too: both give 13 in one round
		return float64(iterSmall(&tables.pos, uint64(r), k))
	}
	t := uint64(-r)
	d := int(negDistances()[t])
	switch {
	case d == 0 || d > k:
		return -float64(iterSmall(&tables.neg, t, k))
	case d == k:
		return negZero
	default:
		return float64(iterSmall(&tables.pos, 0, k-d))
	}
}

// onGrid reports whether r (|r| < 99991) is a multiple of 2^-32.
func onGrid(r float64) bool {
	s := r * gridScale
	return s == math.Trunc(s)
}

// gridOrbit returns k rounds of heavy from a positive, non-integer state r
// that is a multiple of 2^-32.
//
// Write r = n * 2^-32 with 0 < n < 99991*2^32 < 2^49. Then 17r is
// 17n * 2^-32 with 17n < 2^53, exact; 17r+13 = (17n + 13*2^32) * 2^-32 with
// 17n + 13*2^32 < (17*99991+13) * 2^32 < 2^53, exact; and fmod is exact. So
// the double-precision round is exactly n -> (17n + 13*2^32) mod 99991*2^32,
// and the state stays positive and on the grid. It never becomes an integer
// either: modulo 2^32 the map is n -> 17n, a bijection fixing only 0.
func gridOrbit(r float64, k int) float64 {
	n := uint64(r * gridScale)
	return float64(iterGrid(n, k)) * invGridScale
}

// advance runs heavy on state r with k rounds left, doing at most budget
// rounds one by one. It returns the final value and true, or the state
// reached and the rounds still left and false when the budget ran out.
//
// Plain rounds are needed only (1) for the first round of |x| >= 99991,
// (2) until a fractional state lands on the 2^-32 grid, which happens as soon
// as |17r+13| >= 2^20 rounds it there (typically within a few rounds), and
// (3) while a negative state on the grid stays negative: it turns positive
// only when |r| < 13/17, a set with no closed form for its first visit. A
// state on the grid that turns positive is still on the grid and fractional.
func advance(r float64, k, budget int) (float64, int, bool) {
	if k <= 0 {
		return r, 0, true
	}
	if !(math.Abs(r) < modulus) {
		if r != r {
			return r, 0, true
		}
		r = jsRound(r) // huge or infinite input: the general remainder
		k--
		if k == 0 || r != r {
			return r, 0, true
		}
	}
	for {
		if r == math.Trunc(r) {
			return intOrbit(r, k), 0, true
		}
		if onGrid(r) {
			break
		}
		if budget == 0 {
			return r, k, false
		}
		r = jsStep(r)
		k--
		budget--
		if k == 0 {
			return r, 0, true
		}
	}
	if r < 0 {
		n := min(k, budget)
		i := 0
		for ; i < n && r < 0; i++ {
			r = jsStep(r)
		}
		k -= i
		budget -= i
		if k == 0 {
			return r, 0, true
		}
		if r < 0 {
			return r, k, false
		}
	}
	return gridOrbit(r, k), 0, true
}

// heavyValue returns heavy with the given rounds for one value.
func heavyValue(x float64, rounds int) float64 {
	r, _, _ := advance(x, rounds, math.MaxInt)
	return r
}
