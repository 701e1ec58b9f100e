package numbers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestJSStepEqualsMod proves the fast remainder equal to math.Mod (fmod,
// which is what JavaScript's % is) for every state heavy can be in after its
// first round: all integer states, random fractions, and the values where
// 17r+13 is at or next to a multiple of 99991 (quotient estimates off by
// one), both signs, subnormals and zeros.
func TestJSStepEqualsMod(t *testing.T) {
	check := func(r float64) {
		t.Helper()
		if got, want := jsStep(r), jsRound(r); !sameBits(got, want) {
			t.Fatalf("jsStep(%v [%016x]) = %v [%016x], math.Mod gives %v [%016x]",
				r, math.Float64bits(r), got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for i := -modInt + 1; i < modInt; i++ {
		check(float64(i))
	}
	check(math.Copysign(0, -1))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		check((rng.Float64()*2 - 1) * modulus)
	}
	for range 200_000 {
		// Random bit patterns below 99991 in magnitude.
		x := math.Float64frombits(rng.Uint64() &^ (1 << 63))
		for x >= modulus || math.IsNaN(x) {
			x = math.Float64frombits(rng.Uint64() &^ (1<<63 | 1<<62))
		}
		if x >= modulus {
			continue
		}
		check(x)
		check(-x)
	}
	for q := -18; q <= 18; q++ {
		for _, y := range []float64{float64(q) * modulus, float64(q)*modulus + 0.5, float64(q)*modulus - 0.5} {
			r := (y - heavyAdd) / heavyMul
			a, b := r, r
			for range 64 {
				if math.Abs(a) < modulus {
					check(a)
				}
				if math.Abs(b) < modulus {
					check(b)
				}
				a = math.Nextafter(a, math.Inf(1))
				b = math.Nextafter(b, math.Inf(-1))
			}
		}
	}
	for _, r := range []float64{
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022,
		-13.0 / 17, math.Nextafter(-13.0/17, 0), math.Nextafter(-13.0/17, -1),
		math.Nextafter(modulus, 0), -math.Nextafter(modulus, 0),
	} {
		check(r)
	}
}

// intState and stateIndex number the ~200k integer states (with -0).
func intState(i int) float64 {
	switch {
	case i < modInt:
		return float64(i)
	case i < 2*modInt-1:
		return -float64(i - modInt + 1)
	default:
		return math.Copysign(0, -1)
	}
}

func stateIndex(r float64) int {
	switch {
	case r == 0 && math.Signbit(r):
		return 2*modInt - 1
	case r >= 0:
		return int(r)
	default:
		return int(-r) + modInt - 1
	}
}

// TestIntOrbitMatchesTablePowers checks the closed forms for integer states
// against an independent method: the function table of one round (computed
// with math.Mod) raised to the R-th power by repeated squaring, for every
// integer state including -0.
func TestIntOrbitMatchesTablePowers(t *testing.T) {
	n := 2 * modInt
	step := make([]int32, n)
	for i := range n {
		step[i] = int32(stateIndex(jsRound(intState(i))))
	}
	compose := func(f, g []int32) []int32 { // f after g
		h := make([]int32, n)
		for i := range h {
			h[i] = f[g[i]]
		}
		return h
	}
	for _, rounds := range []int{1, 2, 3, 16, 17, 1000, 33329, 33330, 33331, 66661, 99990, 123457, 999_999, DefaultRounds, 1<<40 + 5} {
		pow := make([]int32, n)
		for i := range pow {
			pow[i] = int32(i)
		}
		base := step
		for k := rounds; k > 0; k >>= 1 {
			if k&1 != 0 {
				pow = compose(base, pow)
			}
			base = compose(base, base)
		}
		for i := range n {
			x := intState(i)
			want := intState(int(pow[i]))
			if got := intOrbit(x, rounds); !sameBits(got, want) {
				t.Fatalf("R=%d: heavy(%v) = %v, table powers give %v", rounds, x, got, want)
			}
			if got := heavyValue(x, rounds); !sameBits(got, want) {
				t.Fatalf("R=%d: heavyValue(%v) = %v, table powers give %v", rounds, x, got, want)
			}
		}
	}
}

// TestNegativeZeroPaths pins the -0 cases: a negative dividend with a zero
// remainder gives -0, which the next round turns into 13.
func TestNegativeZeroPaths(t *testing.T) {
	// The t with 17t - 13 = 0 (mod 99991): -t reaches -0 in one round.
	var found int
	for t0 := 1; t0 < modInt; t0++ {
		if (heavyMul*t0-heavyAdd)%modInt == 0 {
			found = t0
			break
		}
	}
	x := -float64(found)
	if got := honestHeavy(x, 1); !(got == 0 && math.Signbit(got)) {
		t.Fatalf("honest heavy(%v, 1) = %v, want -0", x, got)
	}
	if got := heavyValue(x, 1); !(got == 0 && math.Signbit(got)) {
		t.Fatalf("heavy(%v, 1) = %v, want -0", x, got)
	}
	if got := heavyValue(x, 2); got != 13 {
		t.Fatalf("heavy(%v, 2) = %v, want 13", x, got)
	}
	if got := heavyValue(math.Copysign(0, -1), 0); !math.Signbit(got) {
		t.Fatalf("heavy(-0, 0) = %v, want -0", got)
	}
}

// TestHeavyShortcutsMatchLoop compares the shortcuts with the round-by-round
// loop on random inputs of every kind and many round counts.
func TestHeavyShortcutsMatchLoop(t *testing.T) {
	xs := genInputs(99, 300)
	rounds := []int{0, 1, 2, 3, 5, 63, 64, 65, 1000, 30_000}
	if testing.Short() || raceEnabled {
		rounds = rounds[:9]
	}
	for _, r := range rounds {
		for _, x := range xs {
			want := honestHeavy(x, r)
			if got := heavyValue(x, r); !sameBits(got, want) {
				t.Fatalf("R=%d: heavy(%v [%016x]) = %v, loop gives %v", r, x, math.Float64bits(x), got, want)
			}
		}
	}
}

// TestHeavyNegativeFractions exercises negative fractional states, which
// are iterated exactly until they turn positive (|r| < 13/17) and then
// finished in closed form.
func TestHeavyNegativeFractions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rounds = 200_000
	n := 200
	if testing.Short() {
		n = 20
	}
	turned := 0
	for range n {
		x := -rng.Float64() * modulus
		want := honestHeavy(x, rounds)
		if got := heavyValue(x, rounds); !sameBits(got, want) {
			t.Fatalf("heavy(%v) = %v, loop gives %v", x, got, want)
		}
		if want > 0 {
			turned++
		}
	}
	if turned == 0 || turned == n {
		t.Fatalf("%d of %d negative inputs turned positive; the test should see both", turned, n)
	}
}

// TestGridOrbit checks the 2^-32 grid closed form against the loop.
func TestGridOrbit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		n := rng.Uint64N(gridMod-1) + 1
		if n%(1<<32) == 0 {
			continue
		}
		r := float64(n) * invGridScale
		k := 1 + rng.IntN(20_000)
		want := honestHeavy(r, k)
		if got := gridOrbit(r, k); !sameBits(got, want) {
			t.Fatalf("gridOrbit(%v, %d) = %v, loop gives %v", r, k, got, want)
		}
	}
}

func TestHeavyValues(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		x      float64
		rounds int
		want   float64
	}{
		{0, 0, 0},
		{0, 1, 13},
		{1, 1, 30},
		{99991, 1, 13},
		{-1, 1, -4},
		{0.5, 1, 21.5},
		{-0.5, 1, 4.5},
		{math.Inf(1), 1, nan},
		{math.Inf(-1), 5, nan},
		{1e308, 1, nan}, // 17e308 overflows to Infinity; Infinity % n is NaN
		{1e300, DefaultRounds, honestHeavy(1e300, DefaultRounds)},
		// node: heavyWork([0,1,2,3,4]) with the seed's 1e6 rounds
		{0, DefaultRounds, 75016},
		{1, DefaultRounds, 75045},
		{2, DefaultRounds, 75074},
		{3, DefaultRounds, 75103},
		{4, DefaultRounds, 75132},
		// node: heavyWork([0.5, 1.501]) (= i+0.5+i/1000 for i = 0, 1)
		{0.5, DefaultRounds, 75030.5},
		{1.501, DefaultRounds, 16313.400293830084},
	} {
		if got := heavyValue(tc.x, tc.rounds); !sameBits(got, tc.want) {
			t.Errorf("heavy(%v, R=%d) = %v, want %v", tc.x, tc.rounds, got, tc.want)
		}
	}
}

func TestMapperOps(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1, -2.5, 1e308, 3e-320, 0.1}
	for _, tc := range []struct {
		op   Op
		want []float64
	}{
		{OpDouble, []float64{0, math.Copysign(0, -1), 2, -5, math.Inf(1), 6e-320, 0.2}},
		{OpSquare, []float64{0, 0, 1, 6.25, math.Inf(1), 0, 0.010000000000000002}},
	} {
		m, err := NewMapper(Options{Op: tc.op})
		if err != nil {
			t.Fatal(err)
		}
		got := append([]float64(nil), xs...)
		m.Apply(got, 3)
		for i := range got {
			if !sameBits(got[i], tc.want[i]) {
				t.Errorf("%s(%v) = %v, want %v", tc.op, xs[i], got[i], tc.want[i])
			}
		}
	}
	if _, err := NewMapper(Options{Op: OpStats}); err == nil {
		t.Error("NewMapper(stats) succeeded")
	}
	if _, err := NewMapper(Options{Op: "cube"}); err == nil {
		t.Error("NewMapper(cube) succeeded")
	}
	if _, err := NewMapper(Options{Op: OpHeavy, Rounds: -1}); err == nil {
		t.Error("NewMapper with negative rounds succeeded")
	}
}

// TestApplyThreads checks that Apply gives the same results however the
// work is split, in shortcut and honest mode.
func TestApplyThreads(t *testing.T) {
	xs := genInputs(11, 200)
	for _, rounds := range []int{1, 500} {
		m, err := NewMapper(Options{Op: OpHeavy, Rounds: rounds})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, len(xs))
		for i, x := range xs {
			want[i] = honestHeavy(x, rounds)
		}
		for _, honest := range []bool{false, true} {
			m.honest = honest
			for _, threads := range []int{0, 1, 2, 7} {
				t.Run(fmt.Sprintf("R=%d/honest=%v/threads=%d", rounds, honest, threads), func(t *testing.T) {
					got := append([]float64(nil), xs...)
					m.Apply(got, threads)
					for i := range got {
						if !sameBits(got[i], want[i]) {
							t.Fatalf("heavy(%v) = %v, want %v", xs[i], got[i], want[i])
						}
					}
				})
			}
		}
	}
}

func TestParseOp(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Op
		ok   bool
	}{
		{"double", OpDouble, true}, {"SQUARE", OpSquare, true}, {" heavy ", OpHeavy, true},
		{"stats", OpStats, true}, {"", OpHeavy, true}, {"cube", "", false},
	} {
		got, err := ParseOp(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOp(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestOrd17(t *testing.T) {
	x := uint64(1)
	for i := 1; i <= modInt; i++ {
		x = x * heavyMul % modInt
		if x == 1 {
			if i != ord17 {
				t.Fatalf("order of 17 mod 99991 is %d, ord17 says %d", i, ord17)
			}
			return
		}
	}
	t.Fatal("17 has no order mod 99991")
}

// TestHeavyCoarseNegativeFractions checks negative fractions with few
// fractional bits, whose orbits are short cycles that may never turn
// positive: negGridOrbit stops iterating after one period and finishes in
// closed form.
func TestHeavyCoarseNegativeFractions(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	rounds := []int{1, 2, 3, 4, 33329, 33330, 33331, 70_000, 150_000}
	n := 60
	if testing.Short() {
		rounds, n = rounds[:6], 10
	}
	never := 0
	for range n {
		bits := 1 + rng.IntN(12)
		x := -float64(1+rng.IntN(modInt*(1<<bits)-2)) / float64(int(1)<<bits)
		if x == math.Trunc(x) {
			continue
		}
		for _, r := range rounds {
			want := honestHeavy(x, r)
			if got := heavyValue(x, r); !sameBits(got, want) {
				t.Fatalf("heavy(%v, R=%d) = %v, loop gives %v", x, r, got, want)
			}
			if r == rounds[len(rounds)-1] && want < 0 {
				never++
			}
		}
	}
	t.Logf("%d of %d stayed negative", never, n)
}

// TestNegGridRun compares the three-rounds-at-a-time integer iteration with
// the float loop.
func TestNegGridRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	for range 2000 {
		tt := escapeMax + 1 + rng.Uint64N(gridMod-escapeMax-2)
		if tt%(1<<32) == 0 {
			continue
		}
		n := rng.IntN(2000)
		got, left := negGridRun(tt, n)
		r := -float64(tt) * invGridScale
		i := 0
		for ; i < n && r < 0 && uint64(-r*gridScale) > escapeMax; i++ {
			r = jsStep(r)
		}
		if want := uint64(-r * gridScale); got != want || left != n-i {
			t.Fatalf("negGridRun(%d, %d) = %d, %d left; loop gives %d, %d left", tt, n, got, left, want, n-i)
		}
	}
}

func TestApplyContextCanceled(t *testing.T) {
	m, err := NewMapper(Options{Op: OpHeavy})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	xs := negativeFractions300()
	if err := m.ApplyContext(ctx, xs, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("ApplyContext on a canceled context: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	start := time.Now()
	xs = make([]float64, 100_000)
	for i := range xs {
		xs[i] = -float64(i%99990) - 0.3
	}
	err = m.ApplyContext(ctx, xs, 2)
	if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
		t.Fatalf("ApplyContext with a 5ms deadline on slow values: %v after %v", err, took)
	}
}
