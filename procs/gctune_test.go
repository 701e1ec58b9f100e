package procs

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's current target.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// The tuner lowers GOGC while any big job runs, restores it when the last
// one ends, ignores small jobs, and leaves a GOGC the user set alone.
func TestGCTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	var g gcTuner
	g.enable()
	g.start(false)
	if p := gcPercent(); p != 100 {
		t.Fatalf("small job: GOGC %d, want 100", p)
	}
	g.start(true)
	g.start(true)
	if p := gcPercent(); p != bigJobGCPercent {
		t.Fatalf("big jobs running: GOGC %d, want %d", p, bigJobGCPercent)
	}
	g.done(true)
	if p := gcPercent(); p != bigJobGCPercent {
		t.Fatalf("one big job still running: GOGC %d, want %d", p, bigJobGCPercent)
	}
	g.done(true)
	g.done(false)
	if p := gcPercent(); p != 100 {
		t.Fatalf("no big job: GOGC %d, want 100", p)
	}

	t.Setenv("GOGC", "200")
	var u gcTuner
	u.enable()
	u.start(true)
	if p := gcPercent(); p != 100 {
		t.Fatalf("user's GOGC set: tuner changed GOGC to %d", p)
	}
	u.done(true)
}
