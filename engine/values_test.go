package engine

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func TestValuesJSONRoundTrip(t *testing.T) {
	in := Values{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e21, 1e-7, 5e-324, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 123456789.123456789}
	b, err := json.Marshal(struct {
		V Values `json:"v"`
	}{in})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		V Values `json:"v"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(out.V) != len(in) {
		t.Fatalf("%d values back, want %d", len(out.V), len(in))
	}
	for i := range in {
		if math.IsNaN(in[i]) {
			if !math.IsNaN(out.V[i]) {
				t.Errorf("value %d: got %v, want NaN", i, out.V[i])
			}
			continue
		}
		if math.Float64bits(in[i]) != math.Float64bits(out.V[i]) {
			t.Errorf("value %d: got %v, want %v (bits differ)", i, out.V[i], in[i])
		}
	}
	for _, bad := range []string{`{}`, `[1,,2]`, `["x"]`, `[1`} {
		var v Values
		if err := json.Unmarshal([]byte(`{"v":`+bad+`}`), &struct {
			V *Values `json:"v"`
		}{&v}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestInlineNumbersMatchFile: an inline job answers with the very bytes a
// file job writes for the same numbers (less the newline).
func TestInlineNumbersMatchFile(t *testing.T) {
	src := `[1, -0, 2.5, -59108.080244, 99991, 1e300, -1e-7, 0.1, 12345678901234567890]`
	var xs []float64
	if err := json.Unmarshal([]byte(src), &xs); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := dir + "/in.json"
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"double", "square", "heavy", "stats"} {
		for _, threads := range []int{1, 3} {
			spec := &NumbersSpec{Op: op, Rounds: 1000}
			fileRes := Execute(context.Background(), Job{Kind: KindNumbers, Input: in, Output: dir + "/out-" + op + ".json", Numbers: spec}, threads)
			if !fileRes.OK {
				t.Fatalf("%s file job: %+v", op, fileRes.Error)
			}
			b0, err := os.ReadFile(dir + "/out-" + op + ".json")
			if err != nil {
				t.Fatal(err)
			}
			want := string(b0)
			// Through JSON, as over the protocol.
			vs := Values(xs)
			b, err := json.Marshal(Job{Kind: KindNumbers, Numbers: spec, Values: &vs})
			if err != nil {
				t.Fatal(err)
			}
			var job Job
			if err := json.Unmarshal(b, &job); err != nil {
				t.Fatal(err)
			}
			res := Execute(context.Background(), job, threads)
			if !res.OK {
				t.Fatalf("%s inline job: %+v", op, res.Error)
			}
			if got := res.Output + "\n"; got != want {
				t.Errorf("%s threads=%d: inline %q, file %q", op, threads, got, want)
			}
			if res.Count != int64(len(xs)) {
				t.Errorf("%s: count %d, want %d", op, res.Count, len(xs))
			}
		}
	}
}

func TestInlineNumbersErrorsAndCancel(t *testing.T) {
	res := Execute(context.Background(), Job{Kind: KindNumbers, Numbers: &NumbersSpec{Op: "cube"}, Values: &Values{1}}, 1)
	if res.OK || res.Error.Code != CodeBadInput || !strings.Contains(res.Error.Message, "cube") {
		t.Errorf("unknown op: %+v", res)
	}
	res = Execute(context.Background(), Job{Kind: KindNumbers, Numbers: &NumbersSpec{Op: "heavy"}, Values: &Values{}}, 1)
	if !res.OK || res.Output != `{"result":[]}` {
		t.Errorf("no numbers: %+v %s", res, res.Output)
	}
	// Values whose heavy orbit stays negative and fractional for long:
	// cancelling stops the job well before it would finish.
	xs := make(Values, 400)
	for i := range xs {
		xs[i] = -59108.080244
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	res = Execute(ctx, Job{Kind: KindNumbers, Numbers: &NumbersSpec{Op: "heavy", Rounds: 1e9}, Values: &xs}, 2)
	if res.OK || res.Error.Code != CodeCanceled {
		t.Fatalf("canceled job: %+v", res)
	}
	t.Logf("canceled after %v", time.Since(start))
}
