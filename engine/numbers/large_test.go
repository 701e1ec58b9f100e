package numbers

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLargeCSVBoundedMemory runs heavy on a CSV of ten million numbers and
// checks that the live heap stays far below the size of the numbers (80 MB
// as doubles) and of the file: the input is streamed in chunks.
func TestLargeCSVBoundedMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes a 70 MB file; skipped in -short and -race runs")
	}
	const n = 10_000_000
	dir := t.TempDir()
	in := filepath.Join(dir, "big.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	for i := range n {
		b = strconv.AppendInt(b[:0], int64(i%99991), 10)
		if i%100 == 99 {
			b = append(b, ".25"...) // some fractions too
		}
		if i%10 == 9 {
			b = append(b, '\n')
		} else {
			b = append(b, ',')
		}
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	out := filepath.Join(dir, "big.json")
	start := time.Now()
	res, err := ProcessFile(context.Background(), in, out, Options{Op: OpHeavy}, runtime.GOMAXPROCS(0))
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != n {
		t.Fatalf("processed %d numbers, want %d", res.Count, n)
	}
	growth := int64(peak.Load()) - int64(base)
	t.Logf("%d numbers, %d MB in, %d MB out in %v; heap grew by at most %.1f MB",
		n, res.BytesIn>>20, res.BytesOut>>20, elapsed.Round(time.Millisecond), float64(growth)/(1<<20))
	if growth > 48<<20 {
		t.Errorf("heap grew by %d MB while streaming; want bounded (< 48 MB)", growth>>20)
	}
	// Spot-check the output's ends.
	of, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	head := make([]byte, 32)
	of.Read(head)
	want := `{"result":[` + string(AppendJS(nil, heavyValue(0, DefaultRounds))) + "," + string(AppendJS(nil, heavyValue(1, DefaultRounds))) + ","
	if string(head[:len(want)]) != want {
		t.Errorf("output starts %q, want %q", head, want)
	}
	tail := make([]byte, 16)
	of.ReadAt(tail, res.BytesOut-16)
	last := string(AppendJS(nil, heavyValue(float64((n-1)%99991)+0.25, DefaultRounds)))
	if got := string(tail); got[len(got)-len(last)-3:] != last+"]}\n" {
		t.Errorf("output ends %q, want ...%s]}", tail, last)
	}
}
