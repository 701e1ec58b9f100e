package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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
	Inputs      []Input
	Failures    []Failure // unreadable entries, missing paths named on stdin
	Skipped     []Skip    // files left alone on purpose (see walkSkip)
	SkippedDirs []Skip    // directories not walked: the output, earlier outputs
}

// CollectOptions say what CollectInputs takes.
type CollectOptions struct {
	// OutDir is the run's output directory: a walk that meets it inside
	// one of its paths does not enter it.
	OutDir string
	// Numbers: the user asked for number work, so a walk takes number
	// files (.json, .csv, .txt …) too; without it a walk takes images only.
	Numbers bool
	// NullSep: paths on stdin are separated by NUL bytes (find -print0),
	// not by lines.
	NullSep bool
	// Own, if set, reports the absolute path of an output of an earlier
	// run (Manifest.Wrote): a walk leaves those alone.
	Own func(abs string) bool
}

// CollectInputs expands PATH arguments: files as they are, directories walked
// recursively in lexical order (symlinked directories are not followed), and
// "-" as a list of paths on stdin, one per line (or NUL-separated). A PATH on
// the command line that does not exist is a usage error. A walk takes only
// what walkSkip allows and never enters the output directory or an earlier
// output (a directory holding an imgpar manifest) unless it was named
// itself; a file named explicitly is taken whatever its name, except
// imgpar's own files (.imgpar-*).
func CollectInputs(paths []string, stdin io.Reader, o CollectOptions) (*Collected, error) {
	c := &Collected{}
	w := &walker{c: c, o: o, seen: map[string]bool{}}
	if o.OutDir != "" {
		w.outAbs, _ = filepath.Abs(o.OutDir)
		if st, err := os.Stat(o.OutDir); err == nil && st.IsDir() {
			w.outInfo = st
		}
	}
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				return nil, fmt.Errorf("%w: \"-\" given but there is no standard input", ErrUsage)
			}
			if err := w.readList(stdin); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := os.Lstat(p); err != nil {
			return nil, fmt.Errorf("%w: %s: no such file or directory", ErrUsage, p)
		}
		w.named(p, filepath.Base(p))
	}
	return c, nil
}

// walker collects the inputs of one run.
type walker struct {
	c       *Collected
	o       CollectOptions
	seen    map[string]bool // absolute paths taken, so that no input is taken twice
	outAbs  string
	outInfo os.FileInfo // the output directory, if it exists
}

// readList takes the paths listed on stdin.
func (w *walker) readList(r io.Reader) error {
	sep := byte('\n')
	if w.o.NullSep {
		sep = 0
	}
	br := bufio.NewReader(r)
	for {
		item, err := br.ReadString(sep)
		item = strings.TrimSuffix(item, string(sep))
		if !w.o.NullSep {
			item = strings.TrimSuffix(item, "\r")
			if strings.IndexByte(item, 0) >= 0 {
				return fmt.Errorf("%w: the paths on standard input are separated by NUL bytes: pass -0 (--null), as for find -print0", ErrUsage)
			}
		}
		if item != "" {
			w.named(item, stdinRel(item))
		}
		if err != nil {
			return nil
		}
	}
}

// named takes a path the user named: a file by its kind, a directory walked
// (even when it is an earlier output or the output directory itself: the
// user named it).
func (w *walker) named(p, rel string) {
	st, err := os.Stat(p) // follows a symlink named explicitly
	if err != nil {
		w.fail(p, err)
		return
	}
	if !st.IsDir() {
		switch {
		case isOwnFile(filepath.Base(p)):
			w.skip(p, ReasonOwnFile)
		case !st.Mode().IsRegular():
			w.skip(p, ReasonNotRegular)
		default:
			w.take(p, "", rel, st.Size())
		}
		return
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	w.walk(p, abs, "")
}

// walk takes the files under dir (absolute path abs, rel relative to the
// PATH the walk started from), in lexical order.
func (w *walker) walk(dir, abs, rel string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		w.fail(dir, err)
		return
	}
	if rel != "" {
		for _, e := range ents {
			if isEarlierOutput(e.Name()) {
				w.c.SkippedDirs = append(w.c.SkippedDirs, Skip{Path: dir, Reason: ReasonEarlierRun})
				return
			}
		}
	}
	for _, e := range ents {
		name := e.Name()
		p, pabs, prel := filepath.Join(dir, name), filepath.Join(abs, name), path.Join(rel, name)
		typ := e.Type()
		var info fs.FileInfo // of the symlink's target
		if typ&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			switch {
			case err != nil:
				w.fail(p, err)
				continue
			case st.IsDir():
				w.skip(p, ReasonSymlinkDir)
				continue
			}
			info, typ = st, st.Mode().Type()
		}
		if typ.IsDir() {
			if w.isOutDir(p, pabs) {
				w.c.SkippedDirs = append(w.c.SkippedDirs, Skip{Path: p, Reason: ReasonOutputDir})
				continue
			}
			w.walk(p, pabs, prel)
			continue
		}
		if !typ.IsRegular() {
			w.skip(p, ReasonNotRegular)
			continue
		}
		if why := walkSkip(name, w.o.Numbers); why != "" {
			w.skip(p, why)
			continue
		}
		if w.o.Own != nil && w.o.Own(pabs) {
			w.skip(p, ReasonOwnOutput)
			continue
		}
		if info == nil {
			var err error
			if info, err = e.Info(); err != nil {
				w.fail(p, err)
				continue
			}
		}
		w.take(p, pabs, prel, info.Size())
	}
}

// isOutDir reports whether the directory p (absolute path abs) is the
// output directory, by name or, when it exists, by identity (a symlink or a
// bind mount naming it differently).
func (w *walker) isOutDir(p, abs string) bool {
	if w.outAbs == "" {
		return false
	}
	if abs == w.outAbs {
		return true
	}
	if w.outInfo == nil {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && os.SameFile(st, w.outInfo)
}

func (w *walker) take(p, abs, rel string, size int64) {
	if abs == "" {
		if a, err := filepath.Abs(p); err == nil {
			abs = a
		} else {
			abs = p
		}
	}
	if w.seen[abs] {
		return
	}
	w.seen[abs] = true
	w.c.Inputs = append(w.c.Inputs, Input{Path: p, Rel: filepath.ToSlash(rel), Size: size})
}

func (w *walker) skip(p, why string) { w.c.Skipped = append(w.c.Skipped, Skip{Path: p, Reason: why}) }

func (w *walker) fail(p string, err error) {
	w.c.Failures = append(w.c.Failures, Failure{Path: p, Error: fmt.Sprintf("%s: %s", p, describeErr(err))})
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
