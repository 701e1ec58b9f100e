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
// the dividend is then put back from y's sign bit, which also gives -0 for a
// zero remainder of a negative y, exactly as fmod.
func jsStep(r float64) float64 {
	// Written with bit operations for |y| and the sign so that it inlines.
	y := float64(r*heavyMul) + heavyAdd
	sign := math.Float64bits(y) & (1 << 63)
	a := math.Float64frombits(math.Float64bits(y) &^ (1 << 63))
	m := a - float64(int64(a*invMod))*modulus
	if m < 0 {
		m += modulus
	} else if m >= modulus {
		m -= modulus
	}
	return math.Float64frombits(math.Float64bits(m) | sign) // m >= +0
}

// honestHeavy runs the loop of the seed's heavyWork, round by round.
func honestHeavy(x float64, rounds int) float64 {
	r := x
	if rounds > 0 {
		r = jsRound(r) // the first round may see |x| >= 99991
		rounds--
	}
	for ; rounds > 0; rounds-- {
		r = jsStep(r)
	}
	return r
}

// honestHeavy4 is honestHeavy on four values at once: the rounds of one
// value form a chain of dependent operations, so interleaving four chains
// lets the CPU overlap them.
func honestHeavy4(xs *[4]float64, rounds int) {
	if rounds <= 0 {
		return
	}
	r0, r1, r2, r3 := jsRound(xs[0]), jsRound(xs[1]), jsRound(xs[2]), jsRound(xs[3])
	for range rounds - 1 {
		r0, r1, r2, r3 = jsStep(r0), jsStep(r1), jsStep(r2), jsStep(r3)
	}
	*xs = [4]float64{r0, r1, r2, r3}
}

// affine is the map x -> a*x + b modulo some m.
type affine struct{ a, b uint64 }

// powerTables holds, for each affine map of the heavy iteration, its
// 2^i-th iterates for i = 0..63, so that k iterations cost popcount(k)
// multiply-adds.
type powerTables struct {
	pos     [64]affine // n -> (17n + 13) mod 99991: non-negative integer states
	neg     [64]affine // t -> (17t - 13) mod 99991: magnitude of negative integer states
	grid    [64]affine // n -> (17n + 13*2^32) mod 99991*2^32: positive states on the 2^-32 grid
	negGrid [64]affine // t -> (17t - 13*2^32) mod 99991*2^32: magnitude of negative ones
}

var tables = buildPowerTables()

func buildPowerTables() *powerTables {
	t := new(powerTables)
	t.pos[0] = affine{heavyMul, heavyAdd}
	t.neg[0] = affine{heavyMul, modInt - heavyAdd}
	t.grid[0] = affine{heavyMul, gridAdd}
	t.negGrid[0] = affine{heavyMul, gridMod - gridAdd}
	for i := 1; i < 64; i++ {
		p, n, g, ng := t.pos[i-1], t.neg[i-1], t.grid[i-1], t.negGrid[i-1]
		t.negGrid[i] = affine{mulAddMod(ng.a, ng.a, 0, gridMod), mulAddMod(ng.a, ng.b, ng.b, gridMod)}
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
func iterGrid(x uint64, k int) uint64 { return iterBig(&tables.grid, x, k) }

// iterNegGrid applies k iterations of the negative grid map to x < 99991*2^32.
func iterNegGrid(x uint64, k int) uint64 { return iterBig(&tables.negGrid, x, k) }

func iterBig(tab *[64]affine, x uint64, k int) uint64 {
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

// Constants of the negative grid chain (see negGridOrbit).
const (
	// escapeMax is the largest t for which the state -t*2^-32 has
	// |r| < 13/17, so that the next round is positive: 17t < 13*2^32.
	escapeMax = gridAdd / heavyMul
	// g^j(t) = 17^j t - c_j (mod M) with c_1 = C, c_2 = 18C, c_3 = 307C.
	negC1 = gridAdd
	negC2 = 18 * gridAdd
	negC3 = 307 * gridAdd
	// ord17 is the multiplicative order of 17 modulo the prime 99991.
	ord17 = 33330
)

// negGridOrbit returns k >= 1 rounds of heavy from a negative, non-integer
// state r that is a multiple of 2^-32.
//
// With r = -t*2^-32, each round is exact (as in gridOrbit): while 17t > C =
// 13*2^32 the dividend is negative and t -> g(t) = (17t - C) mod M with
// M = 99991*2^32; once t <= escapeMax (|r| < 13/17) the dividend C - 17t is
// positive and below 99991, so the next state is the positive grid state
// (C - 17t)*2^-32, finished by gridOrbit. A grid state never becomes an
// integer, so t is never 0 (there is no -0 here).
//
// When the chain first reaches t <= escapeMax has no closed form, so it is
// iterated (negGridRun), but only for one period of g at most: by the
// Chinese remainder theorem g acts on t mod 2^32 as multiplication by 17,
// whose period on 2^v*odd is 2^(28-v) (17 = 1+2^4), and on t mod 99991 as
// an affine map with multiplier 17, whose period divides ord17. If a whole
// period passes without escaping, the state never escapes and the rest is
// the affine map g applied in closed form.
func negGridOrbit(r float64, k int) float64 {
	t := uint64(-r * gridScale)
	period := uint64(ord17) << max(0, 28-bits.TrailingZeros64(t))
	n := k
	if period < uint64(k) {
		n = int(period)
	}
	t, left := negGridRun(t, n)
	k -= n - left
	switch {
	case t <= escapeMax && k > 0:
		return float64(iterGrid(negC1-heavyMul*t, k-1)) * invGridScale
	case k == 0 || t <= escapeMax:
		return -float64(t) * invGridScale
	}
	return -float64(iterNegGrid(t, k)) * invGridScale
}

// negGridRun iterates g from t for up to n rounds, stopping early at a state
// t <= escapeMax; it returns the state and the rounds not done. It goes
// three rounds at a time, computing t1, t2, t3 independently from t as
// 17t-C, 289t-18C and 4913t-307C modulo M (4913t < 2^62 fits), which equal
// g(t), g(g(t)) and g(g(g(t))) as long as none of the earlier ones escaped;
// the first escape among them is taken.
func negGridRun(t uint64, n int) (uint64, int) {
	const m = gridMod
	for t > escapeMax && n > 0 {
		if n < 3 {
			t = (heavyMul*t - negC1) % m
			n--
			continue
		}
		t1 := (heavyMul*t - negC1) % m
		t2 := (heavyMul*heavyMul*t - negC2) % m          // meaningless if t1 escaped
		t3 := (heavyMul*heavyMul*heavyMul*t - negC3) % m // meaningless if t1 or t2 did
		switch {
		case t1 <= escapeMax:
			t, n = t1, n-1
		case t2 <= escapeMax:
			t, n = t2, n-2
		default:
			t, n = t3, n-3
		}
	}
	return t, n
}

// advance runs heavy on state r with k rounds left. It does at most budget
// rounds one by one and returns (value, 0, true) when done, or, when the
// budget runs out or the rest is long exact iteration of a negative
// fractional state (which budget < k defers), the state reached, the
// rounds left and false.
//
// Plain rounds are needed only for the first round of |x| >= 99991 and
// until a fractional state lands on the 2^-32 grid, which happens as soon
// as |17r+13| >= 2^20 rounds it there (typically within a few rounds), or
// which it already is if it has few fractional bits.
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
	if r > 0 {
		return gridOrbit(r, k), 0, true
	}
	if budget < k {
		return r, k, false
	}
	return negGridOrbit(r, k), 0, true
}

// heavyValue returns heavy with the given rounds for one value.
func heavyValue(x float64, rounds int) float64 {
	r, _, _ := advance(x, rounds, math.MaxInt)
	return r
}
