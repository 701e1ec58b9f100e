package cmd

import (
	"encoding/json"
	"fmt"
	"os"

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
				b, err := os.ReadFile(p)
				if err != nil {
					return usageError{fmt.Errorf("%s: %v", p, unwrapPath(err))}
				}
				var r batch.Report
				if err := json.Unmarshal(b, &r); err != nil {
					return usageError{fmt.Errorf("%s: not an imgpar report: %v", p, err)}
				}
				reports = append(reports, &r)
			}
			enc := json.NewEncoder(c.OutOrStdout())
			return enc.Encode(batch.MergeReports(reports))
		},
	})
	return rc
}
