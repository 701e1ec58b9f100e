package numbers

import (
	"math"
	"math/rand/v2"
)

// inputKind is a family of test inputs; every map op must be bit-exact with
// node on each of them.
type inputKind struct {
	name string
	gen  func(r *rand.Rand) float64
}

// inputKinds are the families the random cross-checks draw from.
var inputKinds = []inputKind{
	{"small-int", func(r *rand.Rand) float64 { return float64(r.IntN(200001) - 100000) }},
	{"big-int", func(r *rand.Rand) float64 {
		x := math.Trunc(math.Ldexp(r.Float64(), 20+r.IntN(50)))
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	}},
	{"negative", func(r *rand.Rand) float64 {
		switch r.IntN(3) {
		case 0:
			return -float64(r.IntN(99991))
		case 1:
			return -r.Float64() * math.Pow(10, float64(r.IntN(12)-4))
		default:
			return -r.Float64() // includes values in (-13/17, 0), which turn positive
		}
	}},
	{"fraction", func(r *rand.Rand) float64 {
		x := r.Float64() * math.Pow(10, float64(r.IntN(16)-6))
		if r.IntN(4) == 0 {
			x = -x
		}
		return x
	}},
	{"huge", func(r *rand.Rand) float64 {
		x := (1 + r.Float64()) * math.Pow(10, float64(200+r.IntN(108)))
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	}},
	{"subnormal", func(r *rand.Rand) float64 {
		x := math.Float64frombits(r.Uint64() & (1<<52 - 1))
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	}},
	{"zero", func(r *rand.Rand) float64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return math.Float64frombits(1 << 63) // -0 again
		default:
			return -math.SmallestNonzeroFloat64 * float64(r.IntN(4)+1)
		}
	}},
	{"near-2^53", func(r *rand.Rand) float64 {
		x := float64(1<<53) + float64(r.IntN(2001)-1000)*(1+float64(r.IntN(3)))
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	}},
	{"near-modulus", func(r *rand.Rand) float64 {
		// multiples of 99991 (remainder 0, -0 for negatives), their
		// neighbours, and -13/17, where 17x+13 is about 0.
		var x float64
		switch r.IntN(4) {
		case 0:
			x = float64(r.IntN(2000)-1000) * modulus
		case 1:
			x = (float64(r.IntN(2000)-1000)*modulus - 13) / 17
		case 2:
			x = -13.0 / 17
		default:
			x = float64(r.IntN(2000)-1000) * modulus
		}
		for range r.IntN(3) {
			x = math.Nextafter(x, math.Inf(r.IntN(2)*2-1))
		}
		return x
	}},
	{"any-bits", func(r *rand.Rand) float64 {
		for {
			x := math.Float64frombits(r.Uint64())
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x
			}
		}
	}},
}

// genInputs returns n values of every kind from a fixed seed.
func genInputs(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	xs := make([]float64, 0, n*len(inputKinds))
	for _, k := range inputKinds {
		for range n {
			xs = append(xs, k.gen(r))
		}
	}
	return xs
}
