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
	Total              int `json:"total"`
	OK                 int `json:"ok"`
	Failed             int `json:"failed"`
	Skipped            int `json:"skipped"`
	SkippedUpToDate    int `json:"skipped_up_to_date"`
	SkippedUnsupported int `json:"skipped_unsupported"`
	// SkippedReasons counts the skipped files (not up to date) by reason.
	SkippedReasons map[string]int `json:"skipped_reasons,omitempty"`
	// SkippedDirs are the directories a walk did not enter.
	SkippedDirs []engine.Skip `json:"skipped_dirs,omitempty"`
	// NotStarted counts the jobs an interrupted run never handed out:
	// neither done nor failed.
	NotStarted  int  `json:"not_started"`
	Restarts    int  `json:"restarts"`
	Interrupted bool `json:"interrupted"`
	// DurationMs is the whole run (listing, planning, processing, the
	// manifest); ProcessingMs the part of it the workers ran jobs, from
	// starting them to the last answer (0 when there was nothing to do).
	DurationMs   int64 `json:"duration_ms"`
	ProcessingMs int64 `json:"processing_ms"`
	// RunFilesPerSec is files processed (ok and failed) over the whole
	// run: what a re-run that redid 1% of a library achieved.
	// ProcessingFilesPerSec is the same files over ProcessingMs: how fast
	// the workers went while they had work.
	RunFilesPerSec        float64             `json:"run_files_per_sec"`
	ProcessingFilesPerSec float64             `json:"processing_files_per_sec"`
	BytesIn               int64               `json:"bytes_in"`
	BytesOut              int64               `json:"bytes_out"`
	Numbers               int64               `json:"numbers"`
	Procs                 int                 `json:"procs"`
	Threads               int                 `json:"threads"`
	Shard                 string              `json:"shard,omitempty"`
	Failures              []engine.Failure    `json:"failures"`
	Workers               []procs.WorkerStats `json:"workers"`

	// Renditions counts the outputs of image sets written by this run (of
	// files that failed too: a set keeps its renditions that were made),
	// RenditionsFailed those it tried and did not make (each named in its
	// input's failure), RenditionsUpToDate those a set already had;
	// SkippedSizes says, per input, which sizes of the set it did not get
	// and why.
	Renditions         int           `json:"renditions,omitempty"`
	RenditionsFailed   int           `json:"renditions_failed,omitempty"`
	RenditionsUpToDate int           `json:"renditions_up_to_date,omitempty"`
	SkippedSizes       []engine.Skip `json:"skipped_sizes,omitempty"`
	// Srcset is the index file written (--srcset; a shard's has the shard
	// in its name).
	Srcset string `json:"srcset,omitempty"`
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
		ProcessingMs:       st.Elapsed.Milliseconds(),
		SkippedUnsupported: len(plan.Skipped),
		SkippedUpToDate:    plan.UpToDate,
		SkippedDirs:        plan.SkippedDirs,
		Procs:              max(nprocs, 1),
		Threads:            max(nthreads, 1),
		RenditionsUpToDate: plan.RenditionsUpToDate,
	}
	for _, s := range plan.Sets {
		if s.Skipped != "" {
			r.SkippedSizes = append(r.SkippedSizes, engine.Skip{Path: s.Input, Reason: s.Skipped})
		}
	}
	if r.Workers == nil {
		r.Workers = []procs.WorkerStats{}
	}
	for _, f := range plan.Failures {
		r.Failures = append(r.Failures, engine.Failure{Path: f.Path, Error: engine.OneLine(f.Error)})
	}
	for _, s := range plan.Skipped {
		if r.SkippedReasons == nil {
			r.SkippedReasons = map[string]int{}
		}
		r.SkippedReasons[s.Reason]++
	}
	for _, f := range files {
		res := f.Result
		for _, rr := range res.Renditions {
			if rr.Error == nil {
				r.Renditions++
			} else {
				r.RenditionsFailed++
			}
		}
		if res.OK {
			r.OK++
			r.BytesIn += res.BytesIn
			r.BytesOut += res.BytesOut
			r.Numbers += res.Count
			continue
		}
		if res.Error != nil && res.Error.Code == engine.CodeNotStarted {
			r.NotStarted++
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
	r.Total = r.OK + r.Failed + r.NotStarted + r.Skipped
	r.setRates()
	return r
}

// setRates computes the two rates from the counts and times.
func (r *Report) setRates() {
	n := float64(r.OK + r.Failed)
	r.RunFilesPerSec, r.ProcessingFilesPerSec = 0, 0
	if r.DurationMs > 0 {
		r.RunFilesPerSec = n / (float64(r.DurationMs) / 1000)
	}
	if r.ProcessingMs > 0 {
		r.ProcessingFilesPerSec = n / (float64(r.ProcessingMs) / 1000)
	}
}

// WriteSummary prints the short human summary: counts, time, rate, bytes,
// restarts and one line per failed file.
func (r *Report) WriteSummary(w io.Writer) {
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(w, "imgpar: %s: %d ok, %d failed", state, r.OK, r.Failed)
	if r.NotStarted > 0 {
		fmt.Fprintf(w, ", %d not started", r.NotStarted)
	}
	fmt.Fprintf(w, ", %d skipped", r.Skipped)
	if r.SkippedUpToDate > 0 {
		fmt.Fprintf(w, " (%d up to date)", r.SkippedUpToDate)
	}
	fmt.Fprintf(w, " of %d in %s", r.Total, fmtDuration(time.Duration(r.DurationMs)*time.Millisecond))
	if r.OK+r.Failed > 0 {
		fmt.Fprintf(w, " (%.1f files/s over the run, %.1f files/s processing)", r.RunFilesPerSec, r.ProcessingFilesPerSec)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "        %s in -> %s out", FormatBytes(r.BytesIn), FormatBytes(r.BytesOut))
	if r.Numbers > 0 {
		fmt.Fprintf(w, ", %d numbers", r.Numbers)
	}
	fmt.Fprintf(w, ", %s x %s, %s\n", plural(r.Procs, "proc"), plural(r.Threads, "thread"), plural(r.Restarts, "worker restart"))
	if len(r.SkippedReasons) > 0 {
		fmt.Fprintf(w, "        skipped: %s\n", FormatReasons(r.SkippedReasons))
	}
	for _, d := range r.SkippedDirs {
		fmt.Fprintf(w, "        not read: %s: %s\n", d.Path, d.Reason)
	}
	r.writeSets(w)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  failed: %s\n", f.Error)
	}
}

// maxSizeLines bounds the lines of skipped sizes in the summary; --json
// and --report list them all.
const maxSizeLines = 10

// writeSets prints the renditions of image sets: how many, and the inputs
// that did not get every size.
func (r *Report) writeSets(w io.Writer) {
	if !r.hasSets() {
		return
	}
	fmt.Fprintf(w, "        renditions: %d written", r.Renditions)
	if r.RenditionsFailed > 0 {
		fmt.Fprintf(w, ", %d failed", r.RenditionsFailed)
	}
	if r.RenditionsUpToDate > 0 {
		fmt.Fprintf(w, ", %d up to date", r.RenditionsUpToDate)
	}
	fmt.Fprintln(w)
	if r.Srcset != "" {
		fmt.Fprintf(w, "        srcset index: %s\n", r.Srcset)
	}
	for i, s := range r.SkippedSizes {
		if i == maxSizeLines {
			fmt.Fprintf(w, "        sizes skipped for %d more inputs (--json lists them)\n", len(r.SkippedSizes)-i)
			break
		}
		fmt.Fprintf(w, "        sizes skipped: %s: %s\n", s.Path, s.Reason)
	}
}

// WriteFailures prints one line per failed file (what --quiet keeps).
func (r *Report) WriteFailures(w io.Writer) {
	for _, f := range r.Failures {
		fmt.Fprintf(w, "imgpar: failed: %s\n", f.Error)
	}
}

// FormatReasons lists counts by reason, most frequent first:
// "3 sidecar, 1 system file".
func FormatReasons(counts map[string]int) string {
	reasons := make([]string, 0, len(counts))
	for k := range counts {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(a, b int) bool {
		if counts[reasons[a]] != counts[reasons[b]] {
			return counts[reasons[a]] > counts[reasons[b]]
		}
		return reasons[a] < reasons[b]
	})
	parts := make([]string, len(reasons))
	for i, k := range reasons {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// plural: "1 proc", "2 procs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
		m.NotStarted += r.NotStarted
		for k, v := range r.SkippedReasons {
			if m.SkippedReasons == nil {
				m.SkippedReasons = map[string]int{}
			}
			m.SkippedReasons[k] += v
		}
		m.SkippedDirs = append(m.SkippedDirs, r.SkippedDirs...)
		m.Restarts += r.Restarts
		m.Interrupted = m.Interrupted || r.Interrupted
		m.DurationMs = max(m.DurationMs, r.DurationMs)
		m.ProcessingMs = max(m.ProcessingMs, r.ProcessingMs)
		m.BytesIn += r.BytesIn
		m.BytesOut += r.BytesOut
		m.Numbers += r.Numbers
		m.Procs += r.Procs
		m.Renditions += r.Renditions
		m.RenditionsFailed += r.RenditionsFailed
		m.RenditionsUpToDate += r.RenditionsUpToDate
		m.SkippedSizes = append(m.SkippedSizes, r.SkippedSizes...)
		m.Threads = max(m.Threads, r.Threads)
		m.Failures = append(m.Failures, r.Failures...)
		m.Workers = append(m.Workers, r.Workers...)
		if r.Shard != "" {
			shards = append(shards, r.Shard)
		}
	}
	sort.SliceStable(m.Failures, func(a, b int) bool { return m.Failures[a].Path < m.Failures[b].Path })
	m.setRates()
	sort.Strings(shards)
	m.Shard = strings.Join(shards, ",")
	return m
}
