package numbers

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// testdata/golden.json holds what node computes with the seed's JavaScript
// for inputs of every kind; it is made by testdata/gen_golden.js:
//
//go:generate sh -c "node testdata/gen_golden.js > testdata/golden.json"

type goldenCase struct {
	Op     Op       `json:"op"`
	Rounds int      `json:"rounds"`
	Bits   []string `json:"bits"`
	Text   string   `json:"text"`
}

type goldenFile struct {
	Inputs       []string     `json:"inputs"`
	Cases        []goldenCase `json:"cases"`
	SeedInputs   []string     `json:"seedInputs"`
	SeedHeavy    goldenCase   `json:"seedHeavy"`
	FormatInputs []string     `json:"formatInputs"`
	FormatText   string       `json:"formatText"`
}

func fromHex(t *testing.T, hs []string) []float64 {
	t.Helper()
	xs := make([]float64, len(hs))
	for i, h := range hs {
		b, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		xs[i] = math.Float64frombits(b)
	}
	return xs
}

// TestGolden checks double, square and heavy (1000 and the seed's 1e6
// rounds) bit for bit, and the printed JSON byte for byte, against node's
// results recorded in testdata/golden.json.
func TestGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("golden.json: %v", err)
	}
	inputs := fromHex(t, g.Inputs)
	run := func(name string, xs []float64, c goldenCase) {
		t.Run(name, func(t *testing.T) {
			m, err := NewMapper(Options{Op: c.Op, Rounds: c.Rounds})
			if err != nil {
				t.Fatal(err)
			}
			got := append([]float64(nil), xs...)
			m.Apply(got, 2)
			compareWithNode(t, xs, got, nodeResult{Bits: c.Bits, Text: c.Text}, string(c.Op))
		})
	}
	if len(g.Cases) != 3 || len(inputs) < 1000 || len(g.SeedInputs) < 200 {
		t.Fatalf("golden.json looks truncated: %d cases, %d inputs, %d seed inputs", len(g.Cases), len(inputs), len(g.SeedInputs))
	}
	for _, c := range g.Cases {
		run(string(c.Op)+"/R="+strconv.Itoa(c.Rounds), inputs, c)
	}
	run("heavy/seed", fromHex(t, g.SeedInputs), g.SeedHeavy)
	t.Run("format", func(t *testing.T) {
		xs := fromHex(t, g.FormatInputs)
		got := "[" + string(appendValues(nil, xs)) + "]"
		if got != g.FormatText {
			t.Fatalf("JSON text differs from node's:\n ours %.200s\n node %.200s", got, g.FormatText)
		}
	})
}
