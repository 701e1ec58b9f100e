package batch

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// maxMarkdownFailures bounds the failure table: a job summary is read by a
// person, and GitHub caps a step summary at 1 MiB.
const maxMarkdownFailures = 50

// WriteMarkdown renders the report for a person reading a CI job summary
// (GitHub's $GITHUB_STEP_SUMMARY, a GitLab or Jenkins artefact): a headline,
// a table of counts and bytes, and the failures, one row each.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	icon := "✅"
	switch {
	case r.Interrupted:
		icon = "⚠️"
	case r.Failed > 0:
		icon = "❌"
	}
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(&b, "### %s imgpar: %s, %d ok, %d failed", icon, state, r.OK, r.Failed)
	if r.NotStarted > 0 {
		fmt.Fprintf(&b, ", %d not started", r.NotStarted)
	}
	fmt.Fprintf(&b, ", %d skipped\n\n", r.Skipped)
	b.WriteString("| | |\n|---|---:|\n")
	row := func(k string, v any) { fmt.Fprintf(&b, "| %s | %v |\n", k, v) }
	row("inputs", r.Total)
	row("processed", r.OK)
	row("failed", r.Failed)
	if r.NotStarted > 0 {
		row("not started (interrupted)", r.NotStarted)
	}
	row("skipped, up to date", r.SkippedUpToDate)
	row("skipped, not taken", r.SkippedUnsupported)
	row("bytes in", FormatBytes(r.BytesIn))
	row("bytes out", FormatBytes(r.BytesOut))
	if r.BytesIn > 0 && r.BytesOut > 0 {
		row("out / in", fmt.Sprintf("%.1f%%", 100*float64(r.BytesOut)/float64(r.BytesIn)))
	}
	if r.Numbers > 0 {
		row("numbers", r.Numbers)
	}
	if r.hasSets() {
		row("renditions written", r.Renditions)
		row("renditions failed", r.RenditionsFailed)
		row("renditions up to date", r.RenditionsUpToDate)
	}
	row("time", fmtDuration(time.Duration(r.DurationMs)*time.Millisecond))
	if r.OK+r.Failed > 0 {
		row("time processing", fmtDuration(time.Duration(r.ProcessingMs)*time.Millisecond))
		row("files/s over the run", fmt.Sprintf("%.1f", r.RunFilesPerSec))
		row("files/s processing", fmt.Sprintf("%.1f", r.ProcessingFilesPerSec))
	}
	row("workers", fmt.Sprintf("%d × %d threads", r.Procs, r.Threads))
	row("worker restarts", r.Restarts)
	if r.Shard != "" {
		row("shard", mdCell(r.Shard))
	}
	fileTable(&b, "Failures", "error", "failures", len(r.Failures), func(i int) (string, string) {
		return r.Failures[i].Path, r.Failures[i].Error
	})
	fileTable(&b, "Sizes skipped", "sizes", "inputs", len(r.SkippedSizes), func(i int) (string, string) {
		return r.SkippedSizes[i].Path, r.SkippedSizes[i].Reason
	})
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCounts prints the counts as key=value lines, the form GitHub's
// $GITHUB_OUTPUT takes and a shell can read with `while IFS== read`.
// A run of image sets adds its renditions (written, up to date) and the
// number of inputs that did not get every size.
func (r *Report) WriteCounts(w io.Writer) error {
	_, err := fmt.Fprintf(w, "total=%d\nok=%d\nfailed=%d\nnot-started=%d\nskipped=%d\nskipped-up-to-date=%d\ninterrupted=%t\nbytes-in=%d\nbytes-out=%d\n",
		r.Total, r.OK, r.Failed, r.NotStarted, r.Skipped, r.SkippedUpToDate, r.Interrupted, r.BytesIn, r.BytesOut)
	if err == nil && r.hasSets() {
		_, err = fmt.Fprintf(w, "renditions=%d\nrenditions-failed=%d\nrenditions-up-to-date=%d\ninputs-with-sizes-skipped=%d\n", r.Renditions, r.RenditionsFailed, r.RenditionsUpToDate, len(r.SkippedSizes))
	}
	return err
}

// hasSets reports whether the run made image sets (or found them made).
func (r *Report) hasSets() bool {
	return r.Renditions > 0 || r.RenditionsFailed > 0 || r.RenditionsUpToDate > 0 || len(r.SkippedSizes) > 0
}

// mdCell makes text safe inside a Markdown table cell: one line, no
// column breaks, no HTML.
func mdCell(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
	return s
}

// mdCode is mdCell for text inside backticks: GitHub's tables take \| there
// too, and HTML is already inert.
func mdCode(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'").Replace(s)
}

// fileTable writes a "file | what" table of n rows under a heading, at
// most maxMarkdownFailures of them, the rest counted as more of kind.
func fileTable(b *strings.Builder, title, what, kind string, n int, row func(int) (path, text string)) {
	if n == 0 {
		return
	}
	fmt.Fprintf(b, "\n#### %s\n\n| file | %s |\n|---|---|\n", title, what)
	for i := range n {
		if i == maxMarkdownFailures {
			fmt.Fprintf(b, "| … | %d more %s: see the JSON report |\n", n-i, kind)
			break
		}
		path, text := row(i)
		fmt.Fprintf(b, "| `%s` | %s |\n", mdCode(path), mdCell(text))
	}
}
