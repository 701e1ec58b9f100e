package batch

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// Report is the machine-readable account of a run (imgpar process --json).
type Report struct {
	Total              int                 `json:"total"`
	OK                 int                 `json:"ok"`
	Failed             int                 `json:"failed"`
	Skipped            int                 `json:"skipped"`
	SkippedUpToDate    int                 `json:"skipped_up_to_date"`
	SkippedUnsupported int                 `json:"skipped_unsupported"`
	Restarts           int                 `json:"restarts"`
	Interrupted        bool                `json:"interrupted"`
	DurationMs         int64               `json:"duration_ms"`
	FilesPerSec        float64             `json:"files_per_sec"`
	BytesIn            int64               `json:"bytes_in"`
	BytesOut           int64               `json:"bytes_out"`
	Numbers            int64               `json:"numbers"`
	Procs              int                 `json:"procs"`
	Threads            int                 `json:"threads"`
	Shard              string              `json:"shard,omitempty"`
	Failures           []engine.Failure    `json:"failures"`
	Workers            []procs.WorkerStats `json:"workers"`
}

// File is the final answer for one input file: a job of the plan, or a
// split file's parts assembled into one.
type File struct {
	Job    engine.Job
	Result engine.Result
}

// BuildReport aggregates a plan's decisions (failures, skips, inputs up to
// date) and the answers for its files.
func BuildReport(plan *engine.Plan, files []File, st procs.Stats, elapsed time.Duration, nprocs, nthreads int) *Report {
	r := &Report{
		Failures:           []engine.Failure{},
		Workers:            st.Workers,
		Restarts:           st.Restarts,
		Interrupted:        st.Interrupted,
		DurationMs:         elapsed.Milliseconds(),
		SkippedUnsupported: len(plan.Skipped),
		SkippedUpToDate:    plan.UpToDate,
		Procs:              max(nprocs, 1),
		Threads:            max(nthreads, 1),
	}
	if r.Workers == nil {
		r.Workers = []procs.WorkerStats{}
	}
	for _, f := range plan.Failures {
		r.Failures = append(r.Failures, engine.Failure{Path: f.Path, Error: engine.OneLine(f.Error)})
	}
	for _, f := range files {
		res := f.Result
		if res.OK {
			r.OK++
			r.BytesIn += res.BytesIn
			r.BytesOut += res.BytesOut
			r.Numbers += res.Count
			continue
		}
		msg := f.Job.Input + ": failed"
		if res.Error != nil {
			msg = res.Error.Message
		}
		r.Failures = append(r.Failures, engine.Failure{Path: f.Job.Input, Error: engine.OneLine(msg)})
	}
	sort.SliceStable(r.Failures, func(a, b int) bool { return r.Failures[a].Path < r.Failures[b].Path })
	r.Failed = len(r.Failures)
	r.Skipped = r.SkippedUnsupported + r.SkippedUpToDate
	r.Total = r.OK + r.Failed + r.Skipped
	if secs := elapsed.Seconds(); secs > 0 {
		r.FilesPerSec = float64(r.OK+r.Failed) / secs
	}
	return r
}

// WriteSummary prints the short human summary: counts, time, rate, bytes,
// restarts and one line per failed file.
func (r *Report) WriteSummary(w io.Writer) {
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(w, "imgpar: %s: %d ok, %d failed, %d skipped", state, r.OK, r.Failed, r.Skipped)
	if r.SkippedUpToDate > 0 {
		fmt.Fprintf(w, " (%d up to date)", r.SkippedUpToDate)
	}
	fmt.Fprintf(w, " of %d in %s (%.1f files/s)\n", r.Total, fmtDuration(time.Duration(r.DurationMs)*time.Millisecond), r.FilesPerSec)
	fmt.Fprintf(w, "        %s in -> %s out", FormatBytes(r.BytesIn), FormatBytes(r.BytesOut))
	if r.Numbers > 0 {
		fmt.Fprintf(w, ", %d numbers", r.Numbers)
	}
	fmt.Fprintf(w, ", %d procs x %d threads, %d worker restarts\n", r.Procs, r.Threads, r.Restarts)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  failed: %s\n", f.Error)
	}
}

func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// FormatBytes prints a byte count in binary units.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// MergeReports combines the reports of shard runs into one.
func MergeReports(rs []*Report) *Report {
	m := &Report{Failures: []engine.Failure{}, Workers: []procs.WorkerStats{}}
	var shards []string
	for _, r := range rs {
		m.Total += r.Total
		m.OK += r.OK
		m.Failed += r.Failed
		m.Skipped += r.Skipped
		m.SkippedUpToDate += r.SkippedUpToDate
		m.SkippedUnsupported += r.SkippedUnsupported
		m.Restarts += r.Restarts
		m.Interrupted = m.Interrupted || r.Interrupted
		m.DurationMs = max(m.DurationMs, r.DurationMs)
		m.BytesIn += r.BytesIn
		m.BytesOut += r.BytesOut
		m.Numbers += r.Numbers
		m.Procs += r.Procs
		m.Threads = max(m.Threads, r.Threads)
		m.Failures = append(m.Failures, r.Failures...)
		m.Workers = append(m.Workers, r.Workers...)
		if r.Shard != "" {
			shards = append(shards, r.Shard)
		}
	}
	sort.SliceStable(m.Failures, func(a, b int) bool { return m.Failures[a].Path < m.Failures[b].Path })
	if m.DurationMs > 0 {
		m.FilesPerSec = float64(m.OK+m.Failed) / (float64(m.DurationMs) / 1000)
	}
	sort.Strings(shards)
	m.Shard = strings.Join(shards, ",")
	return m
}
