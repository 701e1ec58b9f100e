package numbers

import "math"

// HeavyWorstRounds bounds the rounds that heavy with rounds rounds (0: the
// default) iterates one at a time over xs, the rest being closed forms of
// O(log rounds) (doc.go). Only a negative fractional state is iterated
// round by round, for up to all of its rounds, so the bound is rounds for
// each negative non-integer value. A server uses it to refuse work that
// would pin a thread, before any of it runs.
func HeavyWorstRounds(xs []float64, rounds int) float64 {
	if rounds <= 0 {
		rounds = DefaultRounds
	}
	slow := 0
	for _, x := range xs {
		if x < 0 && !math.IsInf(x, -1) && x != math.Trunc(x) {
			slow++
		}
	}
	return float64(slow) * float64(rounds)
}
