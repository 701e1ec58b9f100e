package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imgpar/imgpar/procs/batch"
)

func newReportCmd() *cobra.Command {
	rc := &cobra.Command{Use: "report", Short: "Work with run reports (--json / --report output)"}
	rc.AddCommand(&cobra.Command{
		Use:   "merge REPORT.json...",
		Short: "Combine the reports of shard runs into one report on stdout",
		Long: `Combine the JSON reports that shard runs wrote (imgpar process --shard K/N
--report FILE) into one: counts and bytes add up, failures and workers are
concatenated, the duration is the longest shard's, and "shard" lists the
shards merged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var reports []*batch.Report
			for _, p := range args {
				r, err := loadReport(p)
				if err != nil {
					return err
				}
				reports = append(reports, r)
			}
			enc := json.NewEncoder(c.OutOrStdout())
			return enc.Encode(batch.MergeReports(reports))
		},
	})
	rc.AddCommand(&cobra.Command{
		Use:   "markdown REPORT.json",
		Short: "Print a report as Markdown, for a CI job summary",
		Long: `Print a run report (imgpar process --report FILE, or --json) as Markdown: a
headline, a table of counts, bytes in and out, time and workers, and the
failures one row each. Made for GitHub's $GITHUB_STEP_SUMMARY and for GitLab
or Jenkins job pages.`,
		Example: `  imgpar process ./photos --report report.json
  imgpar report markdown report.json >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			r, err := loadReport(args[0])
			if err != nil {
				return err
			}
			return r.WriteMarkdown(c.OutOrStdout())
		},
	})
	rc.AddCommand(&cobra.Command{
		Use:   "counts REPORT.json",
		Short: "Print a report's counts as key=value lines",
		Long: `Print the counts of a run report as key=value lines (total, ok, failed,
not-started, skipped, skipped-up-to-date, interrupted, bytes-in, bytes-out):
the form GitHub's $GITHUB_OUTPUT takes, and easy to read from a shell.`,
		Example: `  imgpar report counts report.json >> "$GITHUB_OUTPUT"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			r, err := loadReport(args[0])
			if err != nil {
				return err
			}
			return r.WriteCounts(c.OutOrStdout())
		},
	})
	rc.AddCommand(&cobra.Command{
		Use:   "merge-srcset INDEX.json...",
		Short: "Combine the --srcset indexes of shard runs into one index on stdout",
		Long: `Combine the --srcset indexes that shard runs wrote (a shard writes
FILE.shard-K-of-N.json for --srcset FILE.json: it indexes only its own inputs)
into one index, inputs in walk order. Given all N shards, the result is the
index an unsharded run writes; with some missing it lists the shards it has
in "shard" and names the missing ones on stderr. Indexes of different output
directories, or that share an input, are a usage error.`,
		Example: `  imgpar process ./photos -o web --widths 320,640 --shard K/3 --srcset web/srcset.json
  imgpar report merge-srcset web/srcset.shard-*.json > web/srcset.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var idx []*batch.Srcset
			for _, p := range args {
				x, err := batch.LoadSrcset(p)
				if err != nil {
					return usageError{err}
				}
				idx = append(idx, x)
			}
			m, missing, err := batch.MergeSrcsets(idx)
			if err != nil {
				return usageError{err}
			}
			if len(missing) > 0 {
				fmt.Fprintf(c.ErrOrStderr(), "imgpar: the index lacks shard %s\n", strings.Join(missing, ", "))
			}
			enc := json.NewEncoder(c.OutOrStdout())
			enc.SetIndent("", " ")
			return enc.Encode(m)
		},
	})
	return rc
}

// loadReport reads a JSON report written by imgpar process --report/--json
// or by report merge.
func loadReport(path string) (*batch.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %v", path, unwrapPath(err))}
	}
	var r batch.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, usageError{fmt.Errorf("%s: not an imgpar report: %v", path, err)}
	}
	return &r, nil
}
