package numbers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// nodeScript runs the seed's JavaScript on the numbers in a file of hex bit
// patterns and prints, for each op, the results as bit patterns and as
// JSON.stringify prints the result array.
const nodeScript = `
const fs = require("fs");
const dv = new DataView(new ArrayBuffer(8));
const fromHex = (h) => { dv.setBigUint64(0, BigInt("0x" + h)); return dv.getFloat64(0); };
const toHex = (x) => { dv.setFloat64(0, x); return dv.getBigUint64(0).toString(16).padStart(16, "0"); };

// workerTask.js from the seed, verbatim.
function heavyWork(data) {
  // Example: encrypt numbers or simulate hash-like computation
  return data.map((num) => {
    let result = num;
    for (let i = 0; i < 1e6; i++) {
      result = (result * 17 + 13) % 99991;
    }
    return result;
  });
}

// The same with the number of rounds as a parameter.
function heavyWorkR(data, R) {
  return data.map((num) => {
    let result = num;
    for (let i = 0; i < R; i++) {
      result = (result * 17 + 13) % 99991;
    }
    return result;
  });
}

const [file, op, rounds] = process.argv.slice(2);
const input = fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map(fromHex);
let result;
switch (op) {
  case "double": result = input.map(x => x * 2); break;          // cluster example
  case "square": result = input.map(n => n ** 2); break;         // threadTask.js
  case "square-mul": result = input.map(n => n * n); break;      // worker.js
  case "heavy": result = rounds === "1000000" ? heavyWork(input) : heavyWorkR(input, Number(rounds)); break;
  default: throw new Error("unknown op " + op);
}
process.stdout.write(JSON.stringify({ bits: result.map(toHex), text: JSON.stringify({ result }) }));
`

type nodeResult struct {
	Bits []string `json:"bits"`
	Text string   `json:"text"`
}

// runNode runs nodeScript on xs; it skips the test when node is absent.
func runNode(t *testing.T, xs []float64, op string, rounds int) nodeResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: skipping live cross-check; the golden file test still runs")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "seed.js")
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(script, []byte(nodeScript), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "%016x\n", math.Float64bits(x))
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, in, op, strconv.Itoa(rounds))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", op, err, stderr.String())
	}
	var res nodeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(res.Bits) != len(xs) {
		t.Fatalf("node returned %d results for %d inputs", len(res.Bits), len(xs))
	}
	return res
}

// compareWithNode checks our results bit for bit and our JSON text byte for
// byte against node's.
func compareWithNode(t *testing.T, xs, got []float64, res nodeResult, what string) {
	t.Helper()
	bad := 0
	for i, h := range res.Bits {
		want, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		w := math.Float64frombits(want)
		g := got[i]
		if math.Float64bits(g) != want && !(math.IsNaN(g) && math.IsNaN(w)) {
			bad++
			if bad <= 10 {
				t.Errorf("%s(%v [%016x]) = %v [%016x], node gives %v [%016x]",
					what, xs[i], math.Float64bits(xs[i]), g, math.Float64bits(g), w, want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d results differ from node", what, bad, len(xs))
	}
	text := string(appendResult(nil, got))
	if text != res.Text {
		i := 0
		for i < len(text) && i < len(res.Text) && text[i] == res.Text[i] {
			i++
		}
		t.Fatalf("%s: JSON text differs from node's at byte %d:\n ours: %.80q\n node: %.80q",
			what, i, text[max(0, i-20):], res.Text[max(0, i-20):])
	}
}

// TestNodeCrossCheck runs the seed's JavaScript in node on 10,000 random
// values of every kind and compares every result bit for bit and the printed
// JSON byte for byte.
func TestNodeCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	n := 10_000
	if raceEnabled {
		n = 2_000 // the race detector slows everything; the full run checks 10,000
	}
	xs := genInputs(20240611, n)
	for _, tc := range []struct {
		op     string
		rounds int
	}{{"double", 0}, {"square", 0}, {"square-mul", 0}, {"heavy", 1000}} {
		t.Run(fmt.Sprintf("%s/R=%d", tc.op, tc.rounds), func(t *testing.T) {
			res := runNode(t, xs, tc.op, tc.rounds)
			op := Op(strings.TrimSuffix(tc.op, "-mul"))
			m, err := NewMapper(Options{Op: op, Rounds: tc.rounds})
			if err != nil {
				t.Fatal(err)
			}
			got := append([]float64(nil), xs...)
			m.Apply(got, 4)
			compareWithNode(t, xs, got, res, tc.op)
		})
	}
}

// TestNodeCrossCheckSeedRounds runs the seed's heavyWork verbatim (1e6
// rounds) on a sample of every kind.
func TestNodeCrossCheckSeedRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	xs := genInputs(7, 12)
	xs = append(xs, 0, 1, 999, -1, -99990, 0.5, -0.5, 1e300, -1e300, 5e-324)
	res := runNode(t, xs, "heavy", DefaultRounds)
	m, err := NewMapper(Options{Op: OpHeavy})
	if err != nil {
		t.Fatal(err)
	}
	got := append([]float64(nil), xs...)
	m.Apply(got, 2)
	compareWithNode(t, xs, got, res, "heavy")
}
