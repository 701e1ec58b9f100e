package numbers

import (
	"encoding/json"
	"math"
	"testing"
)

// The expected values were computed by hand (and with Python's math.fsum for
// the sums), the percentiles with NumPy's linear method.
func TestComputeStats(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want string
	}{
		{"empty", nil,
			`{"count":0,"sum":null,"min":null,"max":null,"mean":null,"stddev":null,"p50":null,"p90":null,"p99":null}`},
		{"one", []float64{5},
			`{"count":1,"sum":5,"min":5,"max":5,"mean":5,"stddev":0,"p50":5,"p90":5,"p99":5}`},
		{"1..4", []float64{4, 2, 3, 1},
			`{"count":4,"sum":10,"min":1,"max":4,"mean":2.5,"stddev":1.118033988749895,"p50":2.5,"p90":3.7,"p99":3.9699999999999998}`},
		{"seed payload", []float64{3, 1, 2},
			`{"count":3,"sum":6,"min":1,"max":3,"mean":2,"stddev":0.816496580927726,"p50":2,"p90":2.8,"p99":2.98}`},
		{"mixed", []float64{-1.5, 2.25, 10, 0, 7, 7, 100},
			`{"count":7,"sum":124.75,"min":-1.5,"max":100,"mean":17.821428571428573,"stddev":33.76830569317559,"p50":7,"p90":46.00000000000003,"p99":94.59999999999995}`},
		{"1..100", seq(1, 100),
			`{"count":100,"sum":5050,"min":1,"max":100,"mean":50.5,"stddev":28.86607004772212,"p50":50.5,"p90":90.10000000000001,"p99":99.01}`},
		// Compensated summation: the plain sum would give 0.
		{"compensated", []float64{1e16, 1, -1e16},
			`{"count":3,"sum":1,"min":-10000000000000000,"max":10000000000000000,"mean":0.3333333333333333,"stddev":8164965809277260,"p50":1,"p90":8000000000000000,"p99":9800000000000000}`},
		{"infinite", []float64{1, math.Inf(1)},
			`{"count":2,"sum":null,"min":1,"max":null,"mean":null,"stddev":null,"p50":null,"p90":null,"p99":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.xs...)
			st := ComputeStats(in)
			got, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("stats:\n got %s\nwant %s", got, tc.want)
			}
			for i := range in {
				if !sameBits(in[i], tc.xs[i]) {
					t.Fatal("ComputeStats modified its input")
				}
			}
		})
	}
}

func seq(from, to int) []float64 {
	var xs []float64
	for i := from; i <= to; i++ {
		xs = append(xs, float64(i))
	}
	return xs
}
