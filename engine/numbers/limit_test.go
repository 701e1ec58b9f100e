package numbers

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseJSONLimit(t *testing.T) {
	nums := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]" }
	for _, tc := range []struct {
		body  string
		limit int
		want  int // numbers, or -1 for ErrTooMany
	}{
		{nums(10), 10, 10},
		{nums(11), 10, -1},
		{`{"numbers":` + nums(3) + `}`, 3, 3},
		{`{"payload":` + nums(4) + `}`, 3, -1},
		{nums(chunkLen * 3), chunkLen, -1},
		{nums(chunkLen * 3), chunkLen * 3, chunkLen * 3},
	} {
		xs, err := ParseJSONLimit([]byte(tc.body), tc.limit)
		switch {
		case tc.want < 0 && !errors.Is(err, ErrTooMany):
			t.Errorf("%d bytes, limit %d: %d numbers, %v; want ErrTooMany", len(tc.body), tc.limit, len(xs), err)
		case tc.want >= 0 && (err != nil || len(xs) != tc.want):
			t.Errorf("%d bytes, limit %d: %d numbers, %v; want %d", len(tc.body), tc.limit, len(xs), err, tc.want)
		}
	}
	// Malformed input is still a ParseError, not a count.
	if _, err := ParseJSONLimit([]byte(`[1,x]`), 10); errors.Is(err, ErrTooMany) || err == nil {
		t.Errorf("malformed: %v", err)
	}
}

// HeavyWorstRounds counts rounds only for the values heavy iterates one by
// one: negative fractional states. It must be an upper bound on the plain
// rounds advance runs, which the test counts by giving advance a budget of
// exactly that many.
func TestHeavyWorstRounds(t *testing.T) {
	xs := []float64{1, 2.5, -3, 0, math.Inf(1), math.Inf(-1), math.NaN(), -0.25, -12345.678, 1e300, -1e300}
	if got, want := HeavyWorstRounds(xs, 1000), 2*1000.0; got != want {
		t.Errorf("HeavyWorstRounds = %v, want %v", got, want)
	}
	if got := HeavyWorstRounds([]float64{-0.5}, 0); got != DefaultRounds {
		t.Errorf("default rounds: %v", got)
	}
	const rounds = 5000
	for _, x := range xs {
		bound := int(HeavyWorstRounds([]float64{x}, rounds))
		if _, _, done := advance(x, rounds, max(bound, quickBudget)); !done && bound < rounds {
			t.Errorf("heavy(%v, %d) needs more than the bound of %d plain rounds", x, rounds, bound)
		}
	}
}
