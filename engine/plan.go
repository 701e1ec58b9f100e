package engine

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
)

// PlanOptions say how inputs become jobs.
type PlanOptions struct {
	OutDir string
	// Image is the template for image jobs, from NewImageSpec; an empty
	// Format is the input's own (--format same), and then the output
	// keeps the input's extension as spelled (lzw.tif stays .tif).
	Image   ImageSpec
	Numbers NumbersSpec
	// Name is the output path template under OutDir, with {dir}, {name},
	// {ext}, {format}, {width} and {height}; default "{dir}/{name}{suffix}.{ext}",
	// or DefaultSetName for a set.
	Name   string
	Suffix string
	// OnConflict is "error" (default) or "suffix" for two inputs that
	// would write one output.
	OnConflict string
	// InPlace allows an output to replace its input.
	InPlace bool
	// Manifest, if set, drops jobs whose outputs are up to date.
	Manifest *Manifest
	// Shard keeps this run's share of the inputs. Outputs are named and
	// checked for conflicts over all inputs first, so that shards agree.
	Shard Shard
	// SplitParts spreads a large heavy text-number file over this many
	// part jobs (the worker count); below 2 nothing is split.
	SplitParts int
	// Owner is the pid of the process that will assemble split files: their
	// part files carry it in their temp names (after TempPrefix), so that a
	// sweep of stale temp files leaves a running batch's parts alone.
	Owner int
}

// DefaultName is the default output name template.
const DefaultName = "{dir}/{name}.{ext}"

// Plan is the list of jobs for a run and what was decided without running
// anything.
type Plan struct {
	Jobs     []Job
	Sizes    []int64  // input size per job
	Dims     [][2]int // planned output width and height per job (images)
	Failures []Failure
	Skipped  []Skip
	// SkippedDirs are directories a walk did not enter (the output
	// directory, earlier outputs).
	SkippedDirs []Skip
	Groups      []Group // number files split into parts
	UpToDate    int     // inputs skipped because their outputs are current
	// Sets are the inputs of a set spec (this shard's), with every
	// rendition named, made now or up to date; RenditionsUpToDate counts
	// the latter, those of inputs with a job too.
	Sets               []SetPlan
	RenditionsUpToDate int
	// Found counts the inputs of every shard that are jobs, up to date or
	// failures: 0 means the paths held nothing to work on.
	Found int
}

// classification of one input
type class struct {
	kind   Kind
	format imgfmt.Format // for images: the content's format
	named  bool          // named like a supported input
	err    string        // named like an input but is not one
	header imgfmt.Header
}

// BuildPlan classifies every input (by name and by content), probes image
// headers (rejecting decompression bombs before any decoding), names the
// outputs and checks that no two inputs write the same output. The error is
// a usage error (exit 2): conflicting outputs, or an output that would
// overwrite its input.
func BuildPlan(c *Collected, o PlanOptions) (*Plan, error) {
	if o.Name == "" && o.Image.IsSet() {
		o.Name = DefaultSetName
	}
	name, err := NameTemplate(o.Name, o.Suffix)
	if err != nil {
		return nil, err
	}
	o.Name = name
	p := &Plan{}
	for _, f := range c.Failures {
		if o.Shard.Has(f.Path) {
			p.Failures = append(p.Failures, f)
		}
	}
	for _, s := range c.Skipped {
		if o.Shard.Has(s.Path) {
			p.Skipped = append(p.Skipped, s)
		}
	}
	for _, s := range c.SkippedDirs {
		if o.Shard.Has(s.Path) {
			p.SkippedDirs = append(p.SkippedDirs, s)
		}
	}
	p.Found = len(c.Failures)

	classes := make([]class, len(c.Inputs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range c.Inputs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			classes[i] = classify(c.Inputs[i].Path, o.Image.MaxPixels)
		}(i)
	}
	wg.Wait()

	outAbs, err := filepath.Abs(o.OutDir)
	if err != nil {
		return nil, fmt.Errorf("%w: output directory %s: %v", ErrUsage, o.OutDir, err)
	}
	guard := newRootGuard(outAbs)
	owners := map[string]string{}
	for i, in := range c.Inputs {
		cl := classes[i]
		mine := o.Shard.Has(in.Rel)
		switch {
		case cl.err != "":
			p.Found++
			if mine {
				p.Failures = append(p.Failures, Failure{Path: in.Path, Error: in.Path + ": " + cl.err})
			}
			continue
		case cl.kind == "":
			if mine {
				p.Skipped = append(p.Skipped, Skip{Path: in.Path, Reason: ReasonUnsupported})
			}
			continue
		}
		p.Found++
		if cl.kind == KindImage && o.Image.IsSet() {
			if err := p.addSet(&o, in, cl, mine, outAbs, guard, owners); err != nil {
				return nil, err
			}
			continue
		}
		job := Job{Kind: cl.kind, Input: in.Path}
		var ext string
		var w, h int
		switch cl.kind {
		case KindImage:
			spec := o.Image.ForInput(cl.format)
			est, ow, oh, err := EstimateImage(spec, cl.header, in.Size)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUsage, err)
			}
			w, h = ow, oh
			job.Image = &spec
			job.EstBytes = est
			ext = spec.Format.Ext()
			if o.Image.Format == "" {
				ext = imgfmt.ExtFor(spec.Format, in.Path)
			}
		case KindNumbers:
			spec := o.Numbers
			job.Numbers = &spec
			ext = numbersOutExt(in.Path)
			job.EstBytes = 64 << 20
		}
		var format string
		if job.Image != nil {
			format = string(job.Image.Format)
		}
		rel := expandName(o.Name, in.Rel, ext, format, w, h)
		out, err := safeJoin(outAbs, rel)
		if err != nil {
			p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: %v", in.Path, err)})
			continue
		}
		if !guard.inside(outAbs, out) {
			p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: output %s: a symlink in the output directory leads outside it", in.Path, out)})
			continue
		}
		if prev, ok := owners[out]; ok {
			if o.OnConflict != "suffix" {
				return nil, &ConflictError{Inputs: [2]string{prev, in.Path}, Output: out}
			}
			out = uniqueName(out, owners)
		}
		if sameFile(out, in.Path) && !o.InPlace {
			return nil, &OverwriteError{Output: out}
		}
		owners[out] = in.Path
		if !mine {
			continue // another shard's input: named above only so that all shards agree
		}
		job.Output = out
		if o.Manifest != nil && o.Manifest.UpToDate(&job, o.OutDir) {
			p.UpToDate++
			continue
		}
		if job.Kind == KindNumbers && splitNumbers(p, job, in.Size, o.SplitParts, o.Owner) {
			continue
		}
		p.Jobs = append(p.Jobs, job)
		p.Sizes = append(p.Sizes, in.Size)
		p.Dims = append(p.Dims, [2]int{w, h})
	}
	// Every message is one line, even for a file name with a line break.
	for i := range p.Failures {
		p.Failures[i].Error = OneLine(p.Failures[i].Error)
	}
	return p, nil
}

// ConflictError: two inputs would write one output (a usage error).
type ConflictError struct {
	Inputs [2]string
	Output string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s and %s would both write %s", e.Inputs[0], e.Inputs[1], e.Output)
}

// Unwrap makes it a usage error.
func (e *ConflictError) Unwrap() error { return ErrUsage }

// OverwriteError: an output would replace its own input, which was not
// allowed (a usage error).
type OverwriteError struct{ Output string }

func (e *OverwriteError) Error() string {
	return fmt.Sprintf("output %s would overwrite its input", e.Output)
}

// Unwrap makes it a usage error.
func (e *OverwriteError) Unwrap() error { return ErrUsage }

// sameFormat is the output format for --format same: the input's own,
// except formats imgpar reads but does not write (HEIC becomes JPEG).
func sameFormat(f imgfmt.Format) imgfmt.Format { return imgfmt.SameOutput(f) }

func classify(p string, maxPixels int64) class {
	if isNumbersName(p) {
		return class{kind: KindNumbers, named: true}
	}
	named, isNamed := imgfmt.FormatFromExt(p)
	f, err := os.Open(p)
	if err != nil {
		return class{err: "cannot read: " + describeErr(err), named: isNamed}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return class{err: "cannot read: " + describeErr(err), named: isNamed}
	}
	head := make([]byte, imgfmt.SniffLen)
	n, _ := f.ReadAt(head, 0)
	sniffed, isImage := imgfmt.Sniff(head[:n])
	if !isImage {
		if !isNamed {
			return class{} // neither named nor shaped like an input: skipped
		}
		if st.Size() == 0 {
			return class{err: fmt.Sprintf("not a valid %s: the file is empty", upper(named)), named: true}
		}
		return class{err: fmt.Sprintf("not a valid %s: its content is not an image", upper(named)), named: true}
	}
	hdr, err := imgfmt.Probe(f, st.Size())
	if err != nil {
		return class{err: fmt.Sprintf("not a valid %s: %v", upper(sniffed), err), named: true}
	}
	if err := hdr.CheckPixels(maxPixels); err != nil {
		return class{err: err.Error(), named: true}
	}
	if !sniffed.CanDecode() {
		return class{err: fmt.Sprintf("%s input is not supported", upper(sniffed)), named: true}
	}
	return class{kind: KindImage, format: sniffed, named: isNamed, header: hdr}
}

func upper(f imgfmt.Format) string { return strings.ToUpper(string(f)) }

// isNumbersName reports whether p is named as a number file (numbers.FormatOf).
func isNumbersName(p string) bool {
	_, ok := numbers.FormatOf(p)
	return ok
}

// numbersOutExt is the output extension (without the dot) for number file p.
func numbersOutExt(p string) string {
	f, _ := numbers.FormatOf(p)
	return strings.TrimPrefix(numbers.OutputExt(f), ".")
}

// NameTemplate checks an output name template (empty for the default) with
// a suffix applied, and returns the template to use. The command line
// calls it before it creates anything. Errors are *OptionError.
func NameTemplate(name, suffix string) (string, error) {
	if name == "" {
		name = DefaultName
	}
	if suffix != "" {
		if !strings.Contains(name, "{name}") {
			return "", optErr("suffix", suffix, "needs {name} in the name template")
		}
		name = strings.Replace(name, "{name}", "{name}"+suffix, 1)
	}
	return name, checkTemplate(name)
}

func checkTemplate(t string) error {
	rest := t
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return optErr("name", t, "unclosed {")
		}
		switch rest[i : i+j+1] {
		case "{dir}", "{name}", "{ext}", "{format}", "{width}", "{height}":
		default:
			return optErr("name", t, fmt.Sprintf("unknown placeholder %s (use {dir} {name} {ext} {format} {width} {height})", rest[i:i+j+1]))
		}
		rest = rest[i+j+1:]
	}
	if !strings.Contains(t, "{name}") {
		return optErr("name", t, "must contain {name}")
	}
	// The template is a path under --out: it may not climb out of it or
	// name an absolute path (both used to be folded silently into --out).
	if strings.HasPrefix(t, "/") || strings.HasPrefix(t, `\`) || filepath.VolumeName(t) != "" {
		return optErr("name", t, "the template is a path under the output directory and cannot be absolute")
	}
	for _, elem := range strings.FieldsFunc(t, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == ".." {
			return optErr("name", t, "the template is a path under the output directory and cannot contain \"..\"")
		}
	}
	return nil
}

// expandName fills the template for an input at rel (slash-separated).
func expandName(t, rel, ext, format string, w, h int) string {
	dir, file := path.Split(rel)
	name := strings.TrimSuffix(file, path.Ext(file))
	if name == "" {
		name = file
	}
	r := strings.NewReplacer("{dir}", strings.TrimSuffix(dir, "/"), "{name}", name, "{ext}", ext, "{format}", format,
		"{width}", strconv.Itoa(w), "{height}", strconv.Itoa(h))
	return strings.TrimPrefix(path.Clean("/"+r.Replace(t)), "/")
}

// safeJoin joins rel under root and refuses anything that would land
// outside it.
func safeJoin(root, rel string) (string, error) {
	if rel == "" || rel == "." {
		return "", fmt.Errorf("empty output name")
	}
	out := filepath.Join(root, filepath.FromSlash(rel))
	r, err := filepath.Rel(root, out)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("output name %q leaves the output directory", rel)
	}
	return out, nil
}

// rootGuard checks that outputs stay inside the output directory once
// symlinks are resolved: the directory itself may be a symlink (that is
// followed: it is what the user named), but a symlink inside it must not
// lead the writes elsewhere.
type rootGuard struct {
	root  string          // the output directory, symlinks resolved
	dirs  map[string]bool // verdict per output directory
	known bool            // root resolved (false in a dry run before it exists)
}

func newRootGuard(outAbs string) *rootGuard {
	g := &rootGuard{root: outAbs, dirs: map[string]bool{}}
	if r, err := filepath.EvalSymlinks(outAbs); err == nil {
		g.root, g.known = r, true
	}
	return g
}

// inside reports whether the directory that will hold out, resolved as far
// as it exists (the rest is created as plain directories), is inside the
// root. out is already known to be lexically inside it.
func (g *rootGuard) inside(outAbs, out string) bool {
	if !g.known {
		return true
	}
	dir := filepath.Dir(out)
	if v, ok := g.dirs[dir]; ok {
		return v
	}
	existing, rest := dir, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing || existing == outAbs {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	ok := false
	if res, err := filepath.EvalSymlinks(existing); err == nil {
		r, err := filepath.Rel(g.root, filepath.Join(res, rest))
		ok = err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
	}
	g.dirs[dir] = ok
	return ok
}

func uniqueName(out string, taken map[string]string) string {
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	for i := 1; ; i++ {
		c := fmt.Sprintf("%s_%d%s", base, i, ext)
		if _, ok := taken[c]; !ok {
			return c
		}
	}
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		aa, _ := filepath.Abs(a)
		bb, _ := filepath.Abs(b)
		return aa == bb
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// fail records a failure of this shard's input.
func (p *Plan) fail(mine bool, f Failure) {
	if mine {
		p.Failures = append(p.Failures, f)
	}
}
