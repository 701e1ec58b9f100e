package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/imgpar/imgpar/engine/numbers"
)

// Values are the numbers of an inline numbers job (one that carries its
// numbers in Job.Values instead of naming files). They
// cross the process boundary exactly: finite values in Go's shortest
// round-trip form ("-0" included), non-finite ones as the strings "NaN",
// "Infinity" and "-Infinity", which encoding/json cannot write as numbers.
type Values []float64

// MarshalJSON writes v as a JSON array that UnmarshalJSON reads back bit for
// bit (NaN payloads aside).
func (v Values) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(v)*20)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case math.IsNaN(x):
			b = append(b, `"NaN"`...)
		case math.IsInf(x, 1):
			b = append(b, `"Infinity"`...)
		case math.IsInf(x, -1):
			b = append(b, `"-Infinity"`...)
		default:
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads what MarshalJSON writes (and null as no values).
func (v *Values) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*v = nil
		return nil
	}
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return fmt.Errorf("values: want a JSON array, got %.20q", data)
	}
	body := bytes.TrimSpace(data[1 : len(data)-1])
	out := make(Values, 0, bytes.Count(body, []byte{','})+1)
	for len(body) > 0 {
		tok := body
		if i := bytes.IndexByte(body, ','); i >= 0 {
			tok, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		tok = bytes.TrimSpace(tok)
		var x float64
		switch string(tok) {
		case `"NaN"`:
			x = math.NaN()
		case `"Infinity"`:
			x = math.Inf(1)
		case `"-Infinity"`:
			x = math.Inf(-1)
		default:
			var err error
			if x, err = strconv.ParseFloat(string(tok), 64); err != nil {
				return fmt.Errorf("values: %.20q is not a number", tok)
			}
		}
		out = append(out, x)
	}
	*v = out
	return nil
}

// inlineName names an inline numbers job in messages, which have no path.
const inlineName = "numbers"

// runValues runs a numbers job over its inline Values and returns the JSON
// that ProcessFile would write for the same numbers ({"result":[...]} or
// {"stats":{...}}, without the newline) in Result.Output. A canceled map
// operation stops soon.
func runValues(ctx context.Context, job Job, threads int) Result {
	spec := job.Numbers
	op, err := numbers.ParseOp(spec.Op)
	if err != nil {
		return FailFile(CodeBadInput, inlineName, "%v", err)
	}
	o := numbers.Options{Op: op, Rounds: spec.Rounds}
	xs := *job.Values
	out, err := numbers.ProcessValues(ctx, xs, o, max(threads, 1))
	if err != nil {
		if ctx.Err() != nil {
			return FailFile(CodeCanceled, inlineName, "canceled")
		}
		return FailFile(CodeBadInput, inlineName, "%v", err)
	}
	return Result{OK: true, Count: int64(len(xs)), BytesOut: int64(len(out)), Output: string(out)}
}
