package numbers

import (
	"math"
	"slices"
	"strconv"
)

// Stats summarises an array of numbers (the stats operation).
//
// Sum is computed with Neumaier's compensated summation, Mean is Sum/Count,
// Stddev is the population standard deviation sqrt(Σ(x-Mean)²/Count) (two
// passes, compensated). The percentiles P50, P90 and P99 use linear
// interpolation between closest ranks, NumPy's default method ("linear",
// Hyndman & Fan type 7): for the sorted values x[0..n-1] and q in [0,1], the
// virtual index h = (n-1)*q is split into i = floor(h) and t = h-i, and the
// result is x[i] + (x[i+1]-x[i])*t, evaluated as NumPy's lerp does
// (x[i+1] - (x[i+1]-x[i])*(1-t) when t >= 0.5), so p50 is the usual median.
// With Count 0 every other field is NaN, which JSON prints as null.
type Stats struct {
	Count               int64
	Sum, Min, Max, Mean float64
	Stddev              float64
	P50, P90, P99       float64
}

// ComputeStats returns the statistics of xs, which it does not modify.
func ComputeStats(xs []float64) Stats {
	return computeStatsInPlace(slices.Clone(xs))
}

// computeStatsInPlace is ComputeStats, sorting xs in place.
func computeStatsInPlace(xs []float64) Stats {
	n := len(xs)
	if n == 0 {
		nan := math.NaN()
		return Stats{Sum: nan, Min: nan, Max: nan, Mean: nan, Stddev: nan, P50: nan, P90: nan, P99: nan}
	}
	sum := compensatedSum(xs, func(x float64) float64 { return x })
	mean := sum / float64(n)
	ss := compensatedSum(xs, func(x float64) float64 { d := x - mean; return d * d })
	slices.Sort(xs)
	return Stats{
		Count:  int64(n),
		Sum:    sum,
		Min:    xs[0],
		Max:    xs[n-1],
		Mean:   mean,
		Stddev: math.Sqrt(ss / float64(n)),
		P50:    percentileSorted(xs, 0.5),
		P90:    percentileSorted(xs, 0.9),
		P99:    percentileSorted(xs, 0.99),
	}
}

// compensatedSum returns Σ f(x) by Neumaier's algorithm. With a non-finite
// term or total the compensation is meaningless, and the plain sum is given.
func compensatedSum(xs []float64, f func(float64) float64) float64 {
	var sum, c, plain float64
	for _, x := range xs {
		v := f(x)
		plain += v
		t := sum + v
		if math.Abs(sum) >= math.Abs(v) {
			c += (sum - t) + v
		} else {
			c += (v - t) + sum
		}
		sum = t
	}
	if math.IsInf(plain, 0) || math.IsNaN(plain) || math.IsInf(sum, 0) || math.IsNaN(sum) {
		return plain
	}
	return sum + c
}

// percentileSorted returns the q-quantile of sorted (non-empty) xs by
// NumPy's default linear method.
func percentileSorted(xs []float64, q float64) float64 {
	n := len(xs)
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	j := min(i+1, n-1)
	t := h - lo
	a, b := xs[i], xs[j]
	d := b - a
	if t >= 0.5 {
		return b - float64(d*(1-t))
	}
	return a + float64(d*t)
}

func (s Stats) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"count":`...)
	dst = strconv.AppendInt(dst, s.Count, 10)
	for _, f := range [...]struct {
		key string
		v   float64
	}{
		{"sum", s.Sum}, {"min", s.Min}, {"max", s.Max}, {"mean", s.Mean},
		{"stddev", s.Stddev}, {"p50", s.P50}, {"p90", s.P90}, {"p99", s.P99},
	} {
		dst = append(dst, ',', '"')
		dst = append(dst, f.key...)
		dst = append(dst, '"', ':')
		if s.Count == 0 {
			dst = append(dst, "null"...)
		} else {
			dst = AppendJS(dst, f.v)
		}
	}
	return append(dst, '}')
}
