package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/procs/batch"
)

// emptyCode is the exit code of a run that failed nothing: ExitEmpty when
// it found nothing to work on and --fail-on-empty asks for that.
func emptyCode(empty, failOnEmpty bool) int {
	if empty && failOnEmpty {
		return ExitEmpty
	}
	return ExitOK
}

// warnEmpty says, on stderr, that the PATHs held nothing to work on (the
// classic cause: a typo, or a folder of sidecars), and what was skipped.
func warnEmpty(w io.Writer, args []string, plan *engine.Plan) {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a
		if a == "-" {
			names[i] = "the paths on standard input"
		}
	}
	msg := "imgpar: warning: nothing to process in " + strings.Join(names, ", ")
	if len(plan.Skipped) > 0 {
		msg += fmt.Sprintf(" (%d skipped: %s)", len(plan.Skipped), skipReasons(plan.Skipped))
	}
	fmt.Fprintln(w, msg+"; nothing written")
}

// skipReasons counts skips by reason: "3 sidecar, 1 system file".
func skipReasons(skips []engine.Skip) string {
	counts := map[string]int{}
	for _, s := range skips {
		counts[s.Reason]++
	}
	return batch.FormatReasons(counts)
}

// dryRunJSON prints the plan as one JSON object on stdout (--dry-run
// --json), written entry by entry, and returns the exit code.
func dryRunJSON(w io.Writer, plan *engine.Plan, okCode int) int {
	type planned struct {
		Input  string `json:"input"`
		Output string `json:"output"`
		Kind   string `json:"kind"`
		Width  int    `json:"width,omitempty"`
		Height int    `json:"height,omitempty"`
		Format string `json:"format,omitempty"`
		Op     string `json:"op,omitempty"`
		Bytes  int64  `json:"bytes_in"`
		Parts  int    `json:"parts,omitempty"`
	}
	var jobs []any
	for i, j := range plan.Jobs {
		if j.IsPart() {
			continue
		}
		for _, r := range j.Renditions {
			jobs = append(jobs, planned{Input: j.Input, Output: r.Output, Kind: string(j.Kind), Bytes: plan.Sizes[i],
				Width: r.Width, Height: r.Height, Format: string(r.Format)})
		}
		if len(j.Renditions) > 0 {
			continue
		}
		p := planned{Input: j.Input, Output: j.Output, Kind: string(j.Kind), Bytes: plan.Sizes[i]}
		if j.Kind == engine.KindImage {
			p.Width, p.Height, p.Format = plan.Dims[i][0], plan.Dims[i][1], string(j.Image.Format)
		} else {
			p.Op = j.Numbers.Op
		}
		jobs = append(jobs, p)
	}
	for _, g := range plan.Groups {
		p := planned{Input: g.Input, Output: g.Output, Kind: string(engine.KindNumbers), Bytes: g.Size, Parts: len(g.Jobs)}
		if len(g.Jobs) > 0 && plan.Jobs[g.Jobs[0]].Numbers != nil {
			p.Op = plan.Jobs[g.Jobs[0]].Numbers.Op
		}
		jobs = append(jobs, p)
	}
	failures := plan.Failures
	if failures == nil {
		failures = []engine.Failure{}
	}
	skipped := plan.Skipped
	if skipped == nil {
		skipped = []engine.Skip{}
	}
	dirs := plan.SkippedDirs
	if dirs == nil {
		dirs = []engine.Skip{}
	}
	bw := bufio.NewWriter(w) // stops at the first write error: the reader went away
	bw.WriteString(`{"dry_run":true,"jobs":[`)
	for i, j := range jobs {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeJSON(bw, j)
	}
	bw.WriteString(`],"failures":`)
	writeJSON(bw, failures)
	bw.WriteString(`,"skipped":`)
	writeJSON(bw, skipped)
	bw.WriteString(`,"skipped_dirs":`)
	writeJSON(bw, dirs)
	fmt.Fprintf(bw, `,"up_to_date":%d}`+"\n", plan.UpToDate)
	_ = bw.Flush()
	if len(plan.Failures) > 0 {
		return ExitFailed
	}
	return okCode
}

func writeJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	_, _ = w.Write(b)
}

// completions of the process flags that take one of a few words.
var processCompletions = map[string][]string{
	"fit":         {"inside", "cover", "fill"},
	"filter":      {"lanczos", "catmullrom", "linear", "box", "nearest"},
	"op":          {"double", "square", "heavy", "stats"},
	"progress":    {"auto", "bar", "plain", "none"},
	"on-conflict": {"error", "suffix"},
}

func formatCompletions() []string {
	out := []string{"same"}
	for _, f := range imgfmt.Formats {
		if f.CanEncode() {
			out = append(out, string(f))
		}
	}
	return out
}

func registerProcessCompletions(c *cobra.Command) {
	names := make([]string, 0, len(processCompletions))
	for n := range processCompletions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_ = c.RegisterFlagCompletionFunc(n, cobra.FixedCompletions(processCompletions[n], cobra.ShellCompDirectiveNoFileComp))
	}
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formatCompletions(), cobra.ShellCompDirectiveNoFileComp))
}
