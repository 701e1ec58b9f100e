package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newGenDocsCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "write man pages (DIR/man) and markdown (DIR/cli) for every command",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return GenDocs(c.Root(), args[0])
		},
	}
}

// GenDocs writes the man pages and the markdown reference of root's commands.
func GenDocs(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	for _, d := range []string{dir + "/man", dir + "/cli"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	hdr := &doc.GenManHeader{Title: "IMGPAR", Section: "1", Source: "imgpar", Manual: "imgpar manual"}
	if err := doc.GenManTree(root, hdr, dir+"/man"); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	if err := doc.GenMarkdownTree(root, dir+"/cli"); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return nil
}
