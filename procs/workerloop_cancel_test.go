package procs

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/imgpar/imgpar/engine"
)

// ctxExec runs until its context ends, or 10 s.
func ctxExec(ctx context.Context, job engine.Job, th int) engine.Result {
	select {
	case <-ctx.Done():
		return engine.Fail(engine.CodeCanceled, "%s: canceled", job.Input)
	case <-time.After(10 * time.Second):
		return engine.Result{OK: true}
	}
}

// TestServeCancel: a cancel message reaches a running job and a job queued
// behind it (the reader does not wait for a free thread); a cancel for a
// job already answered, or never sent, is ignored.
func TestWorkerLoopCancel(t *testing.T) {
	p := startServe(t, ctxExec)
	h := p.read()
	if h.Type != TypeHello || !slices.Contains(h.Features, FeatureCancel) {
		t.Fatalf("worker hello %+v does not announce %q", h, FeatureCancel)
	}
	p.send(&Message{Type: TypeHello, Version: ProtocolVersion, Threads: 1})
	p.send(&Message{Type: TypeJob, ID: 1, Job: &engine.Job{Input: "running"}})
	p.send(&Message{Type: TypeJob, ID: 2, Job: &engine.Job{Input: "queued"}})
	if m := p.read(); m.Type != TypeStart || m.ID != 1 {
		t.Fatalf("got %+v, want start 1", m)
	}
	p.send(&Message{Type: TypeCancel, ID: 99}) // unknown: ignored
	p.send(&Message{Type: TypeCancel, ID: 2})
	p.send(&Message{Type: TypeCancel, ID: 1})
	start := time.Now()
	results := map[uint64]*engine.Result{}
	for len(results) < 2 {
		m := p.read()
		if m.Type == TypeResult {
			if results[m.ID] != nil {
				t.Fatalf("job %d answered twice", m.ID)
			}
			results[m.ID] = m.Result
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
	for id, r := range results {
		if r.OK || r.Error.Code != engine.CodeCanceled {
			t.Errorf("job %d: %+v, want canceled", id, r)
		}
	}
	p.send(&Message{Type: TypeCancel, ID: 1}) // answered already: ignored
	p.send(&Message{Type: TypeJob, ID: 3, Job: &engine.Job{Input: "next"}})
	if m := p.read(); m.Type != TypeStart || m.ID != 3 {
		t.Fatalf("got %+v, want start 3", m)
	}
	p.send(&Message{Type: TypeCancel, ID: 3})
	if m := p.read(); m.Type != TypeResult || m.ID != 3 {
		t.Fatalf("got %+v, want result 3", m)
	}
	p.in.Close()
	if err := p.wait(); err != nil {
		t.Fatalf("Serve = %v", err)
	}
}
