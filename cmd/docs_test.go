package cmd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const regenerate = "docs/cli is out of date: run `go run . gen-docs docs` at the repository root and commit docs/cli"

// genDocs writes the docs of a fresh command tree into a temporary directory.
func genDocs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := GenDocs(newRoot(nil, io.Discard, io.Discard), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mdFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

// TestDocsCLICurrent fails when the committed markdown reference in docs/cli
// differs from what the commands generate now: a file that differs, one that
// is missing, or one for a command that no longer exists.
func TestDocsCLICurrent(t *testing.T) {
	gen := filepath.Join(genDocs(t), "cli")
	committed := filepath.Join("..", "docs", "cli")
	want, have := mdFiles(t, gen), mdFiles(t, committed)
	if len(want) == 0 {
		t.Fatal("gen-docs wrote no markdown")
	}
	for _, name := range want {
		if !slices.Contains(have, name) {
			t.Errorf("docs/cli/%s is missing\n%s", name, regenerate)
			continue
		}
		w, err := os.ReadFile(filepath.Join(gen, name))
		if err != nil {
			t.Fatal(err)
		}
		h, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w, h) {
			t.Errorf("docs/cli/%s differs from the commands (first difference at line %d)\n%s", name, firstDiffLine(w, h), regenerate)
		}
	}
	for _, name := range have {
		if !slices.Contains(want, name) {
			t.Errorf("docs/cli/%s documents a command that no longer exists\n%s", name, regenerate)
		}
	}
}

func firstDiffLine(a, b []byte) int {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

// TestDocsDeterministic: two generations are byte for byte the same, and
// nothing of the machine (home or working directory) leaks into them.
func TestDocsDeterministic(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	a, b := genDocs(t), genDocs(t)
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	var leaks []string
	for _, s := range []string{wd, home} {
		if len(s) > 1 {
			leaks = append(leaks, s)
		}
	}
	for _, sub := range []string{"cli", "man", "completions"} {
		ents, err := os.ReadDir(filepath.Join(a, sub))
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			t.Errorf("gen-docs wrote nothing into %s", sub)
		}
		for _, e := range ents {
			x, err := os.ReadFile(filepath.Join(a, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			y, err := os.ReadFile(filepath.Join(b, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(x, y) {
				t.Errorf("%s/%s differs between two generations", sub, e.Name())
			}
			for _, l := range leaks {
				if bytes.Contains(x, []byte(l)) {
					t.Errorf("%s/%s contains %q from this machine", sub, e.Name(), l)
				}
			}
		}
	}
}

// TestManPagesDocumentExitCodesAndEnvironment: the exit codes and the
// environment variables reach the man pages of imgpar and imgpar process.
func TestManPagesDocumentExitCodesAndEnvironment(t *testing.T) {
	dir := genDocs(t)
	for _, page := range []string{"imgpar.1", "imgpar-process.1"} {
		b, err := os.ReadFile(filepath.Join(dir, "man", page))
		if err != nil {
			t.Fatal(err)
		}
		man := string(b)
		for _, want := range []string{
			"Exit codes:",
			"0    every input processed",
			"1    at least one input failed",
			"2    usage or setup error",
			"130  interrupted",
			"Environment:",
			"IMGPAR_",
			"JOB_COMPLETION_INDEX",
			"SLURM_ARRAY_TASK_ID",
			"NO_COLOR",
		} {
			if !strings.Contains(man, want) {
				t.Errorf("man page %s does not contain %q", page, want)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "man", "imgpar-process.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"IMGPAR_QUALITY", "IMGPAR_PROCS", "IMGPAR_SHARD", "IMGPAR_PROGRESS"} {
		if !strings.Contains(string(b), v) {
			t.Errorf("imgpar-process.1 does not list %s", v)
		}
	}
}

// TestCompletionsGenerated: gen-docs writes a completion script per shell,
// each naming the imgpar command.
func TestCompletionsGenerated(t *testing.T) {
	dir := filepath.Join(genDocs(t), "completions")
	for _, name := range []string{"imgpar.bash", "_imgpar", "imgpar.fish", "imgpar.ps1"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Contains(b, []byte("imgpar")) || len(b) < 1000 {
			t.Errorf("completions/%s looks wrong (%d bytes)", name, len(b))
		}
	}
}

// TestCaskInstallsEveryManPage: the Homebrew cask in .goreleaser.yaml lists
// its man pages one by one; the list must be the pages gen-docs writes, or a
// new command's page ships in the archives but not with brew.
func TestCaskInstallsEveryManPage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "- man/"); ok && strings.HasSuffix(p, ".1") {
			listed = append(listed, p)
		}
	}
	slices.Sort(listed)
	pages, err := filepath.Glob(filepath.Join(genDocs(t), "man", "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range pages {
		want = append(want, filepath.Base(p))
	}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf(".goreleaser.yaml homebrew_casks manpages lists\n  %v\nbut gen-docs writes\n  %v\nlist every man/<page>.1 under manpages:", listed, want)
	}
}
