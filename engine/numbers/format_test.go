package numbers

import (
	"math"
	"testing"
)

// The expected strings are what node prints for JSON.stringify(x).
func TestAppendJS(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{-1, "-1"},
		{1.5, "1.5"},
		{-0.5, "-0.5"},
		{0.30000000000000004, "0.30000000000000004"},
		{75030.5, "75030.5"},
		{16313.400293830084, "16313.400293830084"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{-1e21, "-1e+21"},
		{123456789012345680000, "123456789012345680000"},
		{1 << 53, "9007199254740992"},
		{1<<53 + 2, "9007199254740994"},
		{1 << 60, "1152921504606847000"},
		{1e-6, "0.000001"},
		{1.5e-6, "0.0000015"},
		{1e-7, "1e-7"},
		{-1.5e-7, "-1.5e-7"},
		{1.5e300, "1.5e+300"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
		{123.456, "123.456"},
		{0.000123, "0.000123"},
		{1e15, "1000000000000000"},
		{1.2345e25, "1.2345e+25"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
	} {
		if got := string(AppendJS(nil, tc.x)); got != tc.want {
			t.Errorf("AppendJS(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	if got := string(AppendJS([]byte("x="), 2)); got != "x=2" {
		t.Errorf("AppendJS appends: got %q", got)
	}
}

func TestAppendResult(t *testing.T) {
	if got := string(appendResult(nil, nil)); got != `{"result":[]}` {
		t.Errorf("empty: %s", got)
	}
	if got := string(appendResult(nil, []float64{1, math.NaN(), -0.5})); got != `{"result":[1,null,-0.5]}` {
		t.Errorf("got %s", got)
	}
}
