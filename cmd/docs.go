package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newGenDocsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "gen-docs DIR",
		Short: "write man pages (DIR/man), markdown (DIR/cli) and shell completions (DIR/completions)",
		Long: `Write the man pages (DIR/man), the markdown reference (DIR/cli) and the
shell completions (DIR/completions) of every command. "go run . gen-docs docs"
refreshes the committed docs/cli; releases run it into dist-docs. Man pages
are dated from SOURCE_DATE_EPOCH when it is set.`,
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return GenDocs(c.Root(), args[0])
		},
	}
}

// Completion files as a release archive carries them (and the Homebrew cask
// installs them): zsh wants its file named _imgpar.
var completionFiles = []struct {
	name string
	gen  func(root *cobra.Command, w *bytes.Buffer) error
}{
	{"imgpar.bash", func(r *cobra.Command, w *bytes.Buffer) error { return r.GenBashCompletionV2(w, true) }},
	{"_imgpar", func(r *cobra.Command, w *bytes.Buffer) error { return r.GenZshCompletion(w) }},
	{"imgpar.fish", func(r *cobra.Command, w *bytes.Buffer) error { return r.GenFishCompletion(w, true) }},
	{"imgpar.ps1", func(r *cobra.Command, w *bytes.Buffer) error { return r.GenPowerShellCompletionWithDesc(w) }},
}

// GenDocs writes the man pages, the markdown reference and the shell
// completions of root's commands under dir. Stale pages of commands that no
// longer exist are removed first, so the output is exactly the current set.
func GenDocs(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	root.InitDefaultCompletionCmd()
	manDir, cliDir, compDir := filepath.Join(dir, "man"), filepath.Join(dir, "cli"), filepath.Join(dir, "completions")
	for _, d := range []struct{ dir, glob string }{{manDir, "*.1"}, {cliDir, "*.md"}, {compDir, "*"}} {
		if err := os.MkdirAll(d.dir, 0o755); err != nil {
			return err
		}
		stale, _ := filepath.Glob(filepath.Join(d.dir, d.glob))
		for _, f := range stale {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	hdr := &doc.GenManHeader{Title: "IMGPAR", Section: "1", Source: "imgpar", Manual: "imgpar manual"}
	if err := doc.GenManTree(root, hdr, manDir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	if err := doc.GenMarkdownTree(root, cliDir); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	for _, cf := range completionFiles {
		var b bytes.Buffer
		if err := cf.gen(root, &b); err != nil {
			return fmt.Errorf("completion %s: %w", cf.name, err)
		}
		if err := os.WriteFile(filepath.Join(compDir, cf.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
