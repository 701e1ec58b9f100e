package numbers

import (
	"fmt"
	"strings"
)

// Op is one of the number operations.
type Op string

// The operations. Double, Square and Heavy map every number; Stats summarises
// the array.
const (
	OpDouble Op = "double" // x * 2
	OpSquare Op = "square" // x ** 2
	OpHeavy  Op = "heavy"  // R rounds of (x*17 + 13) % 99991
	OpStats  Op = "stats"  // count, sum, min, max, mean, stddev, p50, p90, p99
)

// DefaultOp is the operation used when none is given (the seed's /process route).
const DefaultOp = OpHeavy

// DefaultRounds is heavy's number of rounds when Options.Rounds is 0: the
// seed's 1e6.
const DefaultRounds = 1_000_000

// ParseOp parses an operation name (case-insensitive, surrounding spaces
// ignored). The empty string is DefaultOp.
func ParseOp(s string) (Op, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return DefaultOp, nil
	}
	for _, op := range [...]Op{OpDouble, OpSquare, OpHeavy, OpStats} {
		if s == string(op) {
			return op, nil
		}
	}
	return "", fmt.Errorf("unknown number operation %q (want double, square, heavy or stats)", s)
}

// IsMap reports whether op maps each number to a result (everything but stats).
func (op Op) IsMap() bool { return op == OpDouble || op == OpSquare || op == OpHeavy }

// Options says what to do with the numbers of a job.
type Options struct {
	// Op is the operation; the empty Op is DefaultOp.
	Op Op
	// Rounds is heavy's R. 0 means DefaultRounds; negative is an error.
	// The other operations ignore it.
	Rounds int
}

// normalize fills in defaults and validates o.
func (o Options) normalize() (Options, error) {
	if o.Op == "" {
		o.Op = DefaultOp
	}
	op, err := ParseOp(string(o.Op))
	if err != nil {
		return o, err
	}
	o.Op = op
	if o.Rounds < 0 {
		return o, fmt.Errorf("rounds must not be negative, got %d", o.Rounds)
	}
	if o.Rounds == 0 {
		o.Rounds = DefaultRounds
	}
	return o, nil
}
