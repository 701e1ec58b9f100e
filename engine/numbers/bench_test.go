package numbers

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// ints0to999 and fractions300 are the inputs of the showcase comparison
// with node (docs/bench/numbers-vs-node.sh).
func ints0to999() []float64 {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(i)
	}
	return xs
}

func fractions300() []float64 {
	xs := make([]float64, 300)
	for i := range xs {
		xs[i] = float64(i) + 0.5 + float64(i)/1000
	}
	return xs
}

func negativeFractions300() []float64 {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 300)
	for i := range xs {
		xs[i] = -r.Float64() * 99991
	}
	return xs
}

func benchHeavy(b *testing.B, xs []float64, honest bool, rounds int) {
	m, err := NewMapper(Options{Op: OpHeavy, Rounds: rounds})
	if err != nil {
		b.Fatal(err)
	}
	m.honest = honest
	buf := make([]float64, len(xs))
	for b.Loop() {
		copy(buf, xs)
		m.Apply(buf, runtime.GOMAXPROCS(0))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/value")
}

// BenchmarkHeavy runs heavy with the seed's 1e6 rounds as imgpar does it,
// on all cores.
func BenchmarkHeavy(b *testing.B) {
	b.Run("ints0to999", func(b *testing.B) { benchHeavy(b, ints0to999(), false, DefaultRounds) })
	b.Run("fractions300", func(b *testing.B) { benchHeavy(b, fractions300(), false, DefaultRounds) })
	b.Run("negativeFractions300", func(b *testing.B) { benchHeavy(b, negativeFractions300(), false, DefaultRounds) })
	b.Run("coarseNegative300", func(b *testing.B) {
		xs := fractions300()
		for i := range xs {
			xs[i] = -math.Round(xs[i]*4) / 4
		}
		benchHeavy(b, xs, false, DefaultRounds)
	})
}

// BenchmarkHeavyHonest runs every round one by one (no shortcut), on all
// cores: the plain loop made fast, for comparison with node's loop.
func BenchmarkHeavyHonest(b *testing.B) {
	b.Run("fractions300", func(b *testing.B) { benchHeavy(b, fractions300(), true, DefaultRounds) })
}

// BenchmarkRound compares one round of heavy: the fast remainder and
// math.Mod.
func BenchmarkRound(b *testing.B) {
	b.Run("jsStep", func(b *testing.B) {
		r := 0.5
		for b.Loop() {
			r = jsStep(r)
		}
		benchSink = r
	})
	b.Run("math.Mod", func(b *testing.B) {
		r := 0.5
		for b.Loop() {
			r = jsRound(r)
		}
		benchSink = r
	})
	b.Run("negGridRun", func(b *testing.B) {
		t := uint64(9120181254)
		const n = 3000
		for b.Loop() {
			t, _ = negGridRun(t|1<<33, n)
		}
		benchSinkU = t
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/round")
	})
}

var (
	benchSink  float64
	benchSinkU uint64
)

func makeCSV(n int) []byte {
	r := rand.New(rand.NewPCG(2, 2))
	var b bytes.Buffer
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "%d", r.IntN(1000000))
		case 1:
			fmt.Fprintf(&b, "%.3f", r.Float64()*1000)
		default:
			fmt.Fprintf(&b, "%g", r.NormFloat64())
		}
		if i%8 == 7 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(',')
		}
	}
	return b.Bytes()
}

// BenchmarkParseCSV parses a CSV of a million numbers in memory.
func BenchmarkParseCSV(b *testing.B) {
	data := makeCSV(1_000_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseText(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessFileCSV runs double on a CSV file of a million numbers:
// parse, map, format and write.
func BenchmarkProcessFileCSV(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.csv")
	data := makeCSV(1_000_000)
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ProcessFile(context.Background(), in, filepath.Join(dir, "out.json"), Options{Op: OpDouble}, runtime.GOMAXPROCS(0)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJS(b *testing.B) {
	xs := genInputs(3, 100)
	var buf []byte
	for b.Loop() {
		buf = appendValues(buf[:0], xs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/value")
}
