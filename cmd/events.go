package cmd

import (
	"encoding/json"
	"io"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs/batch"
)

// eventWriter prints --events: one JSON object per file on stdout.
type eventWriter struct {
	enc     *json.Encoder
	skipped map[string]string // input -> sizes of its set skipped
}

type fileEvent struct {
	Event    string `json:"event"`
	Path     string `json:"path"`
	Status   string `json:"status"`
	Output   string `json:"output,omitempty"`
	BytesIn  int64  `json:"bytes_in"`
	BytesOut int64  `json:"bytes_out"`
	Ms       int64  `json:"ms"`
	Error    string `json:"error,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// An image set's input: how many renditions were written (0 too),
	// each one, and the sizes it did not get.
	Renditions   *int                     `json:"renditions,omitempty"`
	Outputs      []engine.RenditionResult `json:"outputs,omitempty"`
	SkippedSizes string                   `json:"skipped_sizes,omitempty"`
}

func newEventWriter(w io.Writer, on bool) *eventWriter {
	if !on {
		return &eventWriter{}
	}
	return &eventWriter{enc: json.NewEncoder(w)}
}

// planned reports what was decided before any work: skips and failures.
func (e *eventWriter) planned(p *engine.Plan) {
	if e.enc == nil {
		return
	}
	for _, s := range p.Skipped {
		_ = e.enc.Encode(fileEvent{Event: "file", Path: s.Path, Status: "skipped", Reason: s.Reason})
	}
	for _, f := range p.Failures {
		_ = e.enc.Encode(fileEvent{Event: "file", Path: f.Path, Status: "failed", Error: f.Error})
	}
	for _, d := range p.SkippedDirs {
		_ = e.enc.Encode(fileEvent{Event: "dir", Path: d.Path, Status: "skipped", Reason: d.Reason})
	}
	for _, s := range p.Sets {
		if s.Skipped != "" {
			if e.skipped == nil {
				e.skipped = map[string]string{}
			}
			e.skipped[s.Input] = s.Skipped
		}
	}
}

// file reports one input file done (batch.Options.OnFile).
func (e *eventWriter) file(f batch.File) {
	if e.enc == nil {
		return
	}
	j, r := &f.Job, f.Result
	ev := fileEvent{Event: "file", Path: j.Input, Status: "ok", Output: j.Output, BytesIn: r.BytesIn, BytesOut: r.BytesOut, Ms: r.Millis}
	if len(r.Renditions) > 0 {
		ev.Outputs, ev.SkippedSizes = r.Renditions, e.skipped[j.Input]
		n := 0
		for _, rr := range r.Renditions {
			if rr.Error == nil {
				n++
			}
		}
		ev.Renditions = &n
	}
	if !r.OK {
		ev.Status, ev.Output = "failed", ""
		if r.Error != nil {
			ev.Error = r.Error.Message
			if r.Error.Code == engine.CodeNotStarted {
				ev.Status = "not_started"
			}
		}
	}
	_ = e.enc.Encode(ev)
}
