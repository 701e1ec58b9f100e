package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Input is one file found on the command line, on stdin or by walking a
// directory.
type Input struct {
	Path string // as opened
	Rel  string // path relative to the PATH it was found under, slash-separated
	Size int64
}

// Failure is an input that could not be processed, with a one-line reason
// that names it.
type Failure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Skip is an input left alone on purpose.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ErrUsage marks errors in what the user asked for (exit code 2).
var ErrUsage = errors.New("usage")

// Collected is what CollectInputs found.
type Collected struct {
	Inputs   []Input
	Failures []Failure // unreadable entries, missing paths named on stdin
	Skipped  []Skip    // symlinked directories, special files
}

// CollectInputs expands PATH arguments: files as they are, directories walked
// recursively in lexical order (symlinked directories are not followed), and
// "-" as a list of paths on stdin, one per line. A PATH on the command line
// that does not exist is a usage error; entries inside exclude (the output
// directory) are ignored.
func CollectInputs(paths []string, stdin io.Reader, exclude string) (*Collected, error) {
	c := &Collected{}
	seen := map[string]bool{}
	excludeAbs := ""
	if exclude != "" {
		if a, err := filepath.Abs(exclude); err == nil {
			excludeAbs = a
		}
	}
	add := func(in Input) {
		key := in.Path
		if a, err := filepath.Abs(in.Path); err == nil {
			key = a
		}
		if seen[key] {
			return
		}
		seen[key] = true
		c.Inputs = append(c.Inputs, in)
	}
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				return nil, fmt.Errorf("%w: \"-\" given but there is no standard input", ErrUsage)
			}
			sc := bufio.NewReader(stdin)
			for {
				line, err := sc.ReadString('\n')
				line = strings.TrimRight(line, "\r\n")
				if line != "" {
					c.collectOne(line, stdinRel(line), add, excludeAbs)
				}
				if err != nil {
					break
				}
			}
			continue
		}
		if _, err := os.Lstat(p); err != nil {
			return nil, fmt.Errorf("%w: %s: no such file or directory", ErrUsage, p)
		}
		c.collectOne(p, filepath.Base(p), add, excludeAbs)
	}
	return c, nil
}

// collectOne adds a file or walks a directory given as path.
func (c *Collected) collectOne(path, rel string, add func(Input), excludeAbs string) {
	st, err := os.Stat(path) // follows a symlink named explicitly
	if err != nil {
		c.Failures = append(c.Failures, Failure{Path: path, Error: fmt.Sprintf("%s: %s", path, describeErr(err))})
		return
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			c.Skipped = append(c.Skipped, Skip{Path: path, Reason: "not a regular file"})
			return
		}
		add(Input{Path: path, Rel: filepath.ToSlash(rel), Size: st.Size()})
		return
	}
	root := path
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			c.Failures = append(c.Failures, Failure{Path: p, Error: fmt.Sprintf("%s: %s", p, describeErr(err))})
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if excludeAbs != "" {
			if a, err := filepath.Abs(p); err == nil && a == excludeAbs {
				return fs.SkipDir
			}
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		relp, err := filepath.Rel(root, p)
		if err != nil {
			relp = d.Name()
		}
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			switch {
			case err != nil:
				c.Failures = append(c.Failures, Failure{Path: p, Error: fmt.Sprintf("%s: %s", p, describeErr(err))})
			case st.IsDir():
				c.Skipped = append(c.Skipped, Skip{Path: p, Reason: "symlinked directory not followed"})
			case st.Mode().IsRegular():
				add(Input{Path: p, Rel: filepath.ToSlash(relp), Size: st.Size()})
			default:
				c.Skipped = append(c.Skipped, Skip{Path: p, Reason: "not a regular file"})
			}
			return nil
		}
		if !d.Type().IsRegular() {
			c.Skipped = append(c.Skipped, Skip{Path: p, Reason: "not a regular file"})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			c.Failures = append(c.Failures, Failure{Path: p, Error: fmt.Sprintf("%s: %s", p, describeErr(err))})
			return nil
		}
		add(Input{Path: p, Rel: filepath.ToSlash(relp), Size: info.Size()})
		return nil
	})
}

// stdinRel maps a path read from stdin to its place under the output
// directory: relative paths keep their directories (with any leading "../"
// removed), absolute paths keep only their base name.
func stdinRel(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Base(p)
	}
	clean := filepath.ToSlash(filepath.Clean(p))
	for strings.HasPrefix(clean, "../") {
		clean = clean[3:]
	}
	if clean == ".." || clean == "." || clean == "" {
		return filepath.Base(p)
	}
	return clean
}

// describeErr gives the OS reason without repeating the path.
func describeErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
