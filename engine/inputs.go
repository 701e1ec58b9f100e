package engine

import (
	"bufio"
	"errors"
	"fmt"
	"hash/maphash"
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
	// Stamp is the stat the walk took (the symlink's target for a
	// symlink): a re-run decides from it, without opening the file,
	// whether the input changed since the manifest recorded it.
	Stamp Stamp
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

// Collected is what CollectInputs found. The inputs are kept compact (a
// library of a million files is a million of them): a base name, the
// directory it was found in (shared by every file of that directory) and
// its stamp; Input(i) spells one out.
type Collected struct {
	Failures    []Failure // unreadable entries, missing paths named on stdin
	Skipped     []Skip    // files left alone on purpose (see walkSkip)
	SkippedDirs []Skip    // directories not walked: the output, earlier outputs

	dirs  []inputDir
	files []inputFile
}

// inputDir is a directory a walk took files from.
type inputDir struct {
	path string // as opened (the PATH argument joined with rel)
	abs  string
	rel  string // relative to the PATH argument, slash-separated
}

// inputFile is one input: name in dirs[dir], or for a file named on the
// command line (dir namedArg) or stdin (dir namedStdin) the path as named.
type inputFile struct {
	name string
	dir  int32
	st   Stamp
}

const (
	namedArg   = -1
	namedStdin = -2
)

// Len is the number of inputs.
func (c *Collected) Len() int { return len(c.files) }

// Input spells out the i-th input.
func (c *Collected) Input(i int) Input {
	f := &c.files[i]
	in := Input{Size: f.st.Size, Stamp: f.st}
	switch f.dir {
	case namedArg:
		in.Path, in.Rel = f.name, filepath.ToSlash(filepath.Base(f.name))
	case namedStdin:
		in.Path, in.Rel = f.name, filepath.ToSlash(stdinRel(f.name))
	default:
		d := &c.dirs[f.dir]
		in.Path, in.Rel = filepath.Join(d.path, f.name), path.Join(d.rel, f.name)
	}
	return in
}

// abs is the absolute path of the i-th input, the key of seen.
func (c *Collected) abs(i int) string {
	f := &c.files[i]
	if f.dir >= 0 {
		return filepath.Join(c.dirs[f.dir].abs, f.name)
	}
	if a, err := filepath.Abs(f.name); err == nil {
		return a
	}
	return f.name
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
	w := &walker{c: c, o: o, seen: map[uint64]int32{}, seed: maphash.MakeSeed()}
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
		w.named(p, false)
	}
	return c, nil
}

// walker collects the inputs of one run.
type walker struct {
	c *Collected
	o CollectOptions
	// seen: the inputs taken, by a hash of their absolute paths, so that no
	// input is taken twice; a hash shared by two paths (checked against the
	// path) sends the second one to seenSlow.
	seen     map[uint64]int32
	seenSlow map[string]bool
	seed     maphash.Seed
	outAbs   string
	outInfo  os.FileInfo // the output directory, if it exists
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
			w.named(item, true)
		}
		if err != nil {
			return nil
		}
	}
}

// named takes a path the user named: a file by its kind, a directory walked
// (even when it is an earlier output or the output directory itself: the
// user named it).
func (w *walker) named(p string, stdin bool) {
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
			w.take(p, stdin, StampOf(st))
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
	di := int32(-1) // this directory in c.dirs, once it has an input
	for _, e := range ents {
		name := e.Name()
		p, pabs := filepath.Join(dir, name), filepath.Join(abs, name)
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
			w.walk(p, pabs, path.Join(rel, name))
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
		if w.taken(pabs) {
			continue
		}
		if di < 0 {
			di = int32(len(w.c.dirs))
			w.c.dirs = append(w.c.dirs, inputDir{path: dir, abs: abs, rel: filepath.ToSlash(rel)})
		}
		w.c.files = append(w.c.files, inputFile{name: name, dir: di, st: StampOf(info)})
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

// take takes the file p that the user named (on the command line, or on
// stdin when stdin is set).
func (w *walker) take(p string, stdin bool, st Stamp) {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	if w.taken(abs) {
		return
	}
	dir := int32(namedArg)
	if stdin {
		dir = namedStdin
	}
	w.c.files = append(w.c.files, inputFile{name: p, dir: dir, st: st})
}

// taken reports whether the input at abs was taken already, and if not
// notes it as the next input.
func (w *walker) taken(abs string) bool {
	h := maphash.String(w.seed, abs)
	next := int32(len(w.c.files))
	i, ok := w.seen[h]
	if !ok {
		w.seen[h] = next
		return false
	}
	if w.c.abs(int(i)) == abs {
		return true
	}
	if w.seenSlow == nil {
		w.seenSlow = map[string]bool{}
	}
	if w.seenSlow[abs] {
		return true
	}
	w.seenSlow[abs] = true
	return false
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
