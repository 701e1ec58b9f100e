package engine

import (
	"fmt"
	"hash/maphash"
	"io/fs"
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
//
// An input the manifest knows, unchanged by its stamp, is planned from
// what the manifest recorded, without opening it: a re-run over a library
// costs a stat per input and one per output. Inputs are classified a
// window at a time, so that what is kept per input is its job, not its
// classification.
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

	outAbs, err := filepath.Abs(o.OutDir)
	if err != nil {
		return nil, fmt.Errorf("%w: output directory %s: %v", ErrUsage, o.OutDir, err)
	}
	b := &planner{p: p, c: c, o: o, outAbs: outAbs, guard: newRootGuard(outAbs),
		owners: map[string]int32{}, specs: map[imgfmt.Format]*ImageSpec{}, hashes: map[imgfmt.Format]string{}, seed: maphash.MakeSeed()}
	b.cwd, _ = os.Getwd()
	// The fast path names outputs from what the manifest recorded; a name
	// made of the output's size ({width}) waits for the header.
	// Sets (renditions planned from the header) are classified always.
	fast := o.Manifest != nil && !o.Image.IsSet() && !strings.Contains(o.Name, "{width}") && !strings.Contains(o.Name, "{height}")
	const window = 256
	ins := make([]Input, window)
	classes := make([]class, window)
	known := make([]*ManifestEntry, window)
	for start := 0; start < c.Len(); start += window {
		n := min(window, c.Len()-start)
		var todo []int
		for k := range n {
			ins[k], known[k], classes[k] = c.Input(start+k), nil, class{}
			if fast && !isNumbersName(ins[k].Path) {
				if e, ok := o.Manifest.Known(ins[k].Path, ins[k].Stamp); ok && e.Format != "" && e.Spec == b.specHash(e.Format) {
					known[k] = &e
					continue
				}
			}
			todo = append(todo, k)
		}
		classifyAll(ins, classes, todo, o.Image.MaxPixels)
		for k := range n {
			if err := b.add(start+k, ins[k], classes[k], known[k]); err != nil {
				return nil, err
			}
		}
	}
	// Every message is one line, even for a file name with a line break.
	for i := range p.Failures {
		p.Failures[i].Error = OneLine(p.Failures[i].Error)
	}
	return p, nil
}

// classifyAll classifies ins[k] for every k in todo, 8 at a time (the files
// are opened and their headers read: on a network file system, latency).
func classifyAll(ins []Input, classes []class, todo []int, maxPixels int64) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(8, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				classes[k] = classify(ins[k].Path, maxPixels)
			}
		}()
	}
	for _, k := range todo {
		next <- k
	}
	close(next)
	wg.Wait()
}

// planner is BuildPlan's state.
type planner struct {
	p      *Plan
	c      *Collected
	o      PlanOptions
	outAbs string
	cwd    string
	guard  *rootGuard
	// owners: the outputs of this shard's inputs (every input when not
	// sharded) -> input index; others: the outputs of other shards' inputs,
	// by a 64-bit hash (a compact structure: a shard keeps little for the
	// inputs it does not run; two names sharing a hash, about n²/2⁶⁵,
	// would be taken for a conflict, never missed).
	owners map[string]int32
	others map[uint64]int32
	seed   maphash.Seed
	// specs: one ImageSpec per output format, shared by every job of it.
	specs   map[imgfmt.Format]*ImageSpec
	hashes  map[imgfmt.Format]string
	numbers *NumbersSpec
}

// owner returns the input that writes out already, if any.
func (b *planner) owner(out string) (int32, bool) {
	if i, ok := b.owners[out]; ok {
		return i, true
	}
	if b.others != nil {
		i, ok := b.others[maphash.String(b.seed, out)]
		return i, ok
	}
	return 0, false
}

// specHash is the manifest's hash of the image settings for an input
// whose output had format recorded (with --format same, the output format
// follows the input's, which is unchanged).
func (b *planner) specHash(recorded string) string {
	f := imgfmt.Format(recorded)
	if b.o.Image.Format != "" {
		f = b.o.Image.Format
	}
	if h, ok := b.hashes[f]; ok {
		return h
	}
	h := specHash(&Job{Kind: KindImage, Image: b.imageSpec(f)})
	b.hashes[f] = h
	return h
}

// own notes out as written by input i (of this shard when mine).
func (b *planner) own(out string, i int, mine bool) {
	if mine {
		b.owners[out] = int32(i)
		return
	}
	if b.others == nil {
		b.others = map[uint64]int32{}
	}
	b.others[maphash.String(b.seed, out)] = int32(i)
}

func (b *planner) imageSpec(f imgfmt.Format) *ImageSpec {
	if s, ok := b.specs[f]; ok {
		return s
	}
	s := b.o.Image
	s.Format = f
	b.specs[f] = &s
	return &s
}

// add plans input i: cl is its classification, or known what the manifest
// recorded for it (then cl is empty).
func (b *planner) add(i int, in Input, cl class, known *ManifestEntry) error {
	p, o := b.p, b.o
	mine := o.Shard.Has(in.Rel)
	if known == nil {
		switch {
		case cl.err != "":
			p.Found++
			if mine {
				p.Failures = append(p.Failures, Failure{Path: in.Path, Error: in.Path + ": " + cl.err})
			}
			return nil
		case cl.kind == "":
			if mine {
				p.Skipped = append(p.Skipped, Skip{Path: in.Path, Reason: ReasonUnsupported})
			}
			return nil
		}
	}
	p.Found++
	if known == nil && cl.kind == KindImage && o.Image.IsSet() {
		return b.addSet(i, in, cl, mine)
	}
	job := Job{Kind: cl.kind, Input: in.Path}
	var ext string
	var w, h int
	switch {
	case known != nil:
		job.Kind = KindImage
		f := imgfmt.Format(known.Format)
		if o.Image.Format != "" {
			f = o.Image.Format
		}
		job.Image = b.imageSpec(f)
		ext = f.Ext()
		if o.Image.Format == "" {
			ext = imgfmt.ExtFor(f, in.Path)
		}
		w, h = known.Width, known.Height
	case cl.kind == KindImage:
		spec := b.imageSpec(o.Image.ForInput(cl.format).Format)
		est, ow, oh, err := EstimateImage(*spec, cl.header, in.Size)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		w, h = ow, oh
		job.Image = spec
		job.EstBytes = est
		ext = spec.Format.Ext()
		if o.Image.Format == "" {
			ext = imgfmt.ExtFor(spec.Format, in.Path)
		}
	case cl.kind == KindNumbers:
		if b.numbers == nil {
			spec := o.Numbers
			b.numbers = &spec
		}
		job.Numbers = b.numbers
		ext = numbersOutExt(in.Path)
		job.EstBytes = 64 << 20
	}
	var format string
	if job.Image != nil {
		format = string(job.Image.Format)
	}
	rel := expandName(o.Name, in.Rel, ext, format, w, h)
	out, err := safeJoin(b.outAbs, rel)
	if err != nil {
		p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: %v", in.Path, err)})
		return nil
	}
	if !b.guard.inside(b.outAbs, out) {
		p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: output %s: a symlink in the output directory leads outside it", in.Path, out)})
		return nil
	}
	if prev, ok := b.owner(out); ok {
		if o.OnConflict != "suffix" {
			return &ConflictError{Inputs: [2]string{b.c.Input(int(prev)).Path, in.Path}, Output: out}
		}
		out = uniqueName(out, func(c string) bool { _, ok := b.owner(c); return ok })
	}
	ost, ostErr := os.Stat(out) // one stat of the output: is it the input, is it current
	if b.sameFile(out, ost, ostErr, in) && !o.InPlace {
		return &OverwriteError{Output: out}
	}
	b.own(out, i, mine)
	if !mine {
		return nil // another shard's input: named above only so that all shards agree
	}
	job.Output = out
	if o.Manifest != nil {
		var fi fs.FileInfo
		if ostErr == nil {
			fi = ost
		}
		if ostErr == nil && o.Manifest.UpToDateStamp(&job, o.OutDir, in.Stamp, fi) {
			p.UpToDate++
			return nil
		}
	}
	if known != nil {
		// The manifest knew the input, but its output is gone or stale, or
		// the input changed: plan it afresh, classified like any other.
		delete(b.owners, out)
		p.Found--
		return b.add(i, in, classify(in.Path, o.Image.MaxPixels), nil)
	}
	if job.Kind == KindNumbers && splitNumbers(p, job, in.Size, o.SplitParts, o.Owner) {
		return nil
	}
	p.Jobs = append(p.Jobs, job)
	p.Sizes = append(p.Sizes, in.Size)
	p.Dims = append(p.Dims, [2]int{w, h})
	return nil
}

// sameFile reports whether out (ost, err: its stat) is the input in.
func (b *planner) sameFile(out string, ost fs.FileInfo, err error, in Input) bool {
	if err != nil {
		return out == absFrom(b.cwd, in.Path)
	}
	if same, known := sameFileStamp(ost, in.Stamp); known {
		return same
	}
	ist, err := os.Stat(in.Path)
	return err == nil && os.SameFile(ost, ist)
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
	f, err := openInput(p)
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
	// By hand rather than with a strings.Replacer: a plan names every
	// input of a library, and a Replacer costs kilobytes to build.
	var b strings.Builder
	b.Grow(len(t) + len(rel) + len(ext) + 1)
	b.WriteByte('/')
	for rest := t; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, "{dir}"):
			b.WriteString(strings.TrimSuffix(dir, "/"))
		case strings.HasPrefix(rest, "{name}"):
			b.WriteString(name)
		case strings.HasPrefix(rest, "{ext}"):
			b.WriteString(ext)
		case strings.HasPrefix(rest, "{format}"):
			b.WriteString(format)
		case strings.HasPrefix(rest, "{width}"):
			b.WriteString(strconv.Itoa(w))
		case strings.HasPrefix(rest, "{height}"):
			b.WriteString(strconv.Itoa(h))
		default:
			b.WriteByte('{')
			rest = rest[1:]
			continue
		}
		rest = rest[strings.IndexByte(rest, '}')+1:]
	}
	return strings.TrimPrefix(path.Clean(b.String()), "/")
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

func uniqueName(out string, taken func(string) bool) string {
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	for i := 1; ; i++ {
		c := fmt.Sprintf("%s_%d%s", base, i, ext)
		if !taken(c) {
			return c
		}
	}
}

// fail records a failure of this shard's input.
func (p *Plan) fail(mine bool, f Failure) {
	if mine {
		p.Failures = append(p.Failures, f)
	}
}
