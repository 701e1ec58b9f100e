package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/raster"
)

// Responsive image sets: a spec with a list of sizes and formats
// (ImageSpec.Sizes, Formats) makes one job per input that decodes it once,
// shrunk on load as far as its largest rendition allows, and writes every
// rendition from the decoded planes: each size resampled once (from the
// decode, or from a size of the set at least twice as large: cascade),
// then encoded in each format. Sizes that would enlarge the input are skipped
// (unless enlarging is allowed); when all of them would, the input's own
// size is the one size kept, so that every input has a rendition.

// DefaultSetName is the output name template of a set.
const DefaultSetName = "{dir}/{name}-{width}.{ext}"

// Rendition is one output of a set job.
type Rendition struct {
	Output   string          `json:"output"`
	Geometry imgfmt.Geometry `json:"geometry"`
	Format   imgfmt.Format   `json:"format"`
	// Width and Height are the planned output size.
	Width  int `json:"width"`
	Height int `json:"height"`
}

// RenditionResult is the answer for one rendition of a set job.
type RenditionResult struct {
	Output string        `json:"output"`
	Format imgfmt.Format `json:"format"`
	Width  int           `json:"width,omitempty"`
	Height int           `json:"height,omitempty"`
	Bytes  int64         `json:"bytes,omitempty"`
	Error  *JobError     `json:"error,omitempty"`
}

// SetPlan is what the plan decided for one input of a set: every
// rendition it names (up to date or to be made, in job order) and the
// sizes it skipped.
type SetPlan struct {
	Input      string
	Renditions []Rendition
	// Skipped describes the sizes left out ("1280w, 1920w: larger than
	// the 1000x750 source"); "" when none were.
	Skipped string
}

// Outputs are the files a job writes: its Output, or its renditions'.
func (j *Job) Outputs() []string {
	if len(j.Renditions) == 0 {
		return []string{j.Output}
	}
	out := make([]string, len(j.Renditions))
	for i, r := range j.Renditions {
		out[i] = r.Output
	}
	return out
}

// RenditionJob is rendition i of a set job as a job of its own (the input,
// the output, the rendition's plain spec): what the manifest records and
// checks for each output.
func (j *Job) RenditionJob(i int) Job {
	r := j.Renditions[i]
	spec := j.Image.Rendition(r.Geometry, r.Format)
	return Job{Kind: j.Kind, Input: j.Input, Output: r.Output, Image: &spec}
}

// setSize is one size of a set as planned for one input.
type setSize struct {
	g    imgfmt.Geometry
	w, h int
}

// planSizes gives the sizes of set spec that an input with header h gets,
// and describes those it does not: sizes that would enlarge it (unless the
// geometry allows enlarging) and sizes that come out as another's.
func planSizes(spec *ImageSpec, h imgfmt.Header) (keep []setSize, skipped string) {
	dw, dh := h.DisplaySize()
	if spec.NoRotate {
		dw, dh = h.Width, h.Height
	}
	var larger, same []string
	for _, g := range spec.Sizes {
		_, _, w, ht := g.Plan(dw, dh)
		ge := g
		ge.Enlarge = true
		if _, _, ew, eh := ge.Plan(dw, dh); !g.Enlarge && (ew != w || eh != ht) {
			larger = append(larger, sizeName(g))
			continue
		}
		if slices.ContainsFunc(keep, func(s setSize) bool { return s.w == w && s.h == ht }) {
			same = append(same, sizeName(g))
			continue
		}
		keep = append(keep, setSize{g, w, ht})
	}
	var why []string
	if len(larger) > 0 {
		why = append(why, fmt.Sprintf("%s larger than the %dx%d source (--enlarge makes them)", strings.Join(larger, ", "), dw, dh))
	}
	if len(keep) == 0 {
		// Every size would enlarge: the source's own size stands in.
		keep = append(keep, setSize{imgfmt.Geometry{}, dw, dh})
		why = append(why, fmt.Sprintf("made at the source's own size, %dx%d, instead", dw, dh))
	}
	if len(same) > 0 {
		why = append(why, fmt.Sprintf("%s the same size as another", strings.Join(same, ", ")))
	}
	return keep, strings.Join(why, "; ")
}

// sizeName names a size for messages: 1280w, 600h, 800x600^, 50%.
func sizeName(g imgfmt.Geometry) string {
	switch {
	case g.Percent > 0:
		return strconv.FormatFloat(g.Percent, 'f', -1, 64) + "%"
	case g.Height == 0:
		return strconv.Itoa(g.Width) + "w"
	case g.Width == 0:
		return strconv.Itoa(g.Height) + "h"
	}
	return fmt.Sprintf("%dx%d", g.Width, g.Height)
}

// estimateSet is the memory estimate of a set job: the input decoded for
// its largest size, and the largest rendition with the hungriest of the
// set's encoders (renditions are made one after another).
func estimateSet(spec ImageSpec, h imgfmt.Header, fileSize int64) (est int64, w, ht int) {
	keep, _ := planSizes(&spec, h)
	for _, s := range keep {
		if s.w*s.h > w*ht {
			w, ht = s.w, s.h
		}
	}
	var enc int64
	for _, f := range spec.Formats {
		enc = max(enc, encoderBytes(f, spec.Trellis, w, ht))
	}
	return estimateImageBytes(h, fileSize, w, ht) + enc, w, ht
}

// addSet plans one input of a set spec: names every rendition (checked
// like any output: inside the output directory, no conflicts, not over its
// input), and makes a job of those the manifest does not have.
func (b *planner) addSet(i int, in Input, cl class, mine bool) error {
	p, o, outAbs, guard := b.p, &b.o, b.outAbs, b.guard
	spec := o.Image.ForInput(cl.format)
	est, w, h := estimateSet(spec, cl.header, in.Size)
	keep, skipped := planSizes(&spec, cl.header)
	job := Job{Kind: KindImage, Input: in.Path, Image: &spec, EstBytes: est}
	var all []Rendition
	for _, s := range keep {
		for k, f := range spec.Formats {
			ext := f.Ext()
			if o.Image.Formats[k] == "" {
				ext = imgfmt.ExtFor(f, in.Path)
			}
			out, err := safeJoin(outAbs, expandName(o.Name, in.Rel, ext, string(f), s.w, s.h))
			if err != nil {
				p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: %v", in.Path, err)})
				return nil
			}
			if !guard.inside(outAbs, out) {
				p.fail(mine, Failure{Path: in.Path, Error: fmt.Sprintf("%s: output %s: a symlink in the output directory leads outside it", in.Path, out)})
				return nil
			}
			if prev, ok := b.owner(out); ok {
				if o.OnConflict != "suffix" || int(prev) == i {
					return &ConflictError{Inputs: [2]string{b.c.Input(int(prev)).Path, in.Path}, Output: out}
				}
				out = uniqueName(out, func(c string) bool { _, ok := b.owner(c); return ok })
			}
			ost, ostErr := os.Stat(out)
			if b.sameFile(out, ost, ostErr, in) && !o.InPlace {
				return &OverwriteError{Output: out}
			}
			b.own(out, i, mine)
			all = append(all, Rendition{Output: out, Geometry: s.g, Format: f, Width: s.w, Height: s.h})
		}
	}
	if !mine {
		return nil
	}
	p.Sets = append(p.Sets, SetPlan{Input: in.Path, Renditions: all, Skipped: skipped})
	job.Renditions = all
	if o.Manifest != nil {
		var todo []Rendition
		for k := range all {
			rj := job.RenditionJob(k)
			if !o.Manifest.UpToDateStamp(&rj, o.OutDir, in.Stamp, nil) {
				todo = append(todo, all[k])
			}
		}
		p.RenditionsUpToDate += len(all) - len(todo)
		job.Renditions = todo
	}
	if len(job.Renditions) == 0 {
		p.UpToDate++
		return nil
	}
	p.Jobs = append(p.Jobs, job)
	p.Sizes = append(p.Sizes, in.Size)
	p.Dims = append(p.Dims, [2]int{w, h})
	return nil
}

// runSet makes a set job's renditions from one decode. Each is written
// atomically (temp file and rename), so a worker killed mid-set leaves
// whole renditions and no partial one; the job's answer, which records
// them, comes only once all are written, and a requeued job makes them
// all again.
func runSet(ctx context.Context, job Job) Result {
	spec := job.Image
	data, err := os.ReadFile(job.Input)
	if err != nil {
		return ioError("read", job.Input, err)
	}
	var all []imgfmt.Geometry
	d, err := decodeImage(ctx, data, spec, func(h imgfmt.Header) []imgfmt.Geometry {
		// The sizes of the whole set, not only those still to make, so
		// that a rendition's pixels do not depend on which others a run
		// makes with it.
		keep, _ := planSizes(spec, h)
		all = make([]imgfmt.Geometry, len(keep))
		for i, s := range keep {
			all[i] = s.g
		}
		return all
	})
	if err != nil {
		return imageError(job.Input, err)
	}
	if all == nil { // not a JPEG: decodeImage asked for no sizes
		keep, _ := planSizes(spec, d.hdr)
		for _, s := range keep {
			all = append(all, s.g)
		}
	}
	sizes := newCascade(d, all, job.Renditions, spec.Filter)
	res := Result{OK: true, BytesIn: int64(len(data)), SHA256: DataSHA256(data), Renditions: make([]RenditionResult, len(job.Renditions))}
	var px sizePixels
	prev := -1
	for _, i := range largestFirst(job.Renditions) {
		r := job.Renditions[i]
		rr := RenditionResult{Output: r.Output, Format: r.Format}
		if err := ctx.Err(); err != nil {
			rr.Error = FailFile(CodeCanceled, job.Input, "%s: canceled", r.Name()).Error
		} else {
			if prev < 0 || r.Geometry != job.Renditions[prev].Geometry {
				px = sizePixels{img: sizes.pixels(r.Geometry)}
			}
			prev = i
			rr.Width, rr.Height, rr.Bytes, rr.Error = writeRendition(d, &px, job.Input, r, spec)
		}
		res.BytesOut += rr.Bytes
		res.Renditions[i] = rr
	}
	var failed []*JobError
	for _, rr := range res.Renditions {
		if rr.Error != nil {
			failed = append(failed, rr.Error)
		}
	}
	if len(failed) > 0 {
		res.OK, res.Error = false, setError(job.Input, failed, len(job.Renditions))
	}
	res.Width, res.Height = res.Renditions[0].Width, res.Renditions[0].Height
	return res
}

// A set resamples each size from the smallest larger size of the set that
// is at least twice its size across and down (before orientation and
// cropping), else from the decoded pixels: 320 px from the 640 px pixels,
// 640 from the 1280, instead of each from the decode (on photos decoded at
// 2560 px for the 1280 rendition, a 49-tap filter over every source row for
// 320 px). At a reduction of 2x or more the larger size's filter has only
// softened frequencies the smaller size's filter removes anyway, so the
// renditions stay within the fidelity bounds of a resample from the decode
// (TestSetCascadeFidelity). Which size is a size's source depends only on
// the sizes of the whole set, not on those a run makes, so a rendition's
// pixels are the same whichever others are up to date; like the decode
// scale, they do depend on the set's other sizes: a set of 320 and 1280
// makes a 320 px rendition that differs (slightly) from that of a set of
// 320, 640 and 1280.
type cascade struct {
	d      *decodedImage
	filter raster.Filter
	sizes  []cascadeSize
	// fromDecode counts the sizes still to be resampled from d.img, which
	// is let go when none remains.
	fromDecode int
}

type cascadeSize struct {
	g      imgfmt.Geometry
	sw, sh int // the size resized to, before orientation and cropping
	from   int // the size resampled from, -1 for the decoded pixels
	// img holds the resized pixels from when they are made until their
	// last user (its renditions, the sizes resampled from it) is done.
	img   image.Image
	users int
}

// cascadeFactor is the least reduction (on both axes) at which a size is
// resampled from a larger one rather than from the decoded pixels; one
// pixel of rounding is allowed, so that 853 rows go to 427.
const cascadeFactor = 2

// newCascade plans the sizes of a set: all are the geometries of the whole
// set, made those of the renditions a run makes.
func newCascade(d *decodedImage, all []imgfmt.Geometry, made []Rendition, filter raster.Filter) *cascade {
	c := &cascade{d: d, filter: filter}
	add := func(g imgfmt.Geometry) {
		if !slices.ContainsFunc(c.sizes, func(s cascadeSize) bool { return s.g == g }) {
			_, _, sw, sh := d.plan(g)
			c.sizes = append(c.sizes, cascadeSize{g: g, sw: sw, sh: sh, from: -1})
		}
	}
	for _, g := range all {
		add(g)
	}
	for _, r := range made {
		add(r.Geometry) // in all unless the file changed since the plan
	}
	// Sources only pass opaque pixels on: resampling premultiplies by
	// alpha, and 8-bit pixels once unpremultiplied would come back with
	// rounding error where they are transparent.
	opaque := false
	switch m := d.img.(type) {
	case *image.YCbCr, *image.Gray:
		opaque = true
	case interface{ Opaque() bool }:
		opaque = m.Opaque()
	}
	for i := range c.sizes {
		s := &c.sizes[i]
		for j, t := range c.sizes {
			if opaque && t.sw*t.sh > s.sw*s.sh && cascadeFactor*s.sw <= t.sw+1 && cascadeFactor*s.sh <= t.sh+1 &&
				(s.from < 0 || t.sw*t.sh < c.sizes[s.from].sw*c.sizes[s.from].sh) {
				s.from = j
			}
		}
	}
	// Count the users of each size's pixels: its own renditions, and the
	// sizes resampled from it along the chains of the sizes made.
	needed := func(i int) bool {
		return slices.ContainsFunc(made, func(r Rendition) bool { return r.Geometry == c.sizes[i].g })
	}
	var use func(i int)
	use = func(i int) {
		s := &c.sizes[i]
		if s.users++; s.users > 1 {
			return
		}
		if s.from < 0 {
			c.fromDecode++
		} else {
			use(s.from)
		}
	}
	for i := range c.sizes {
		if needed(i) {
			use(i)
		}
	}
	return c
}

// pixels returns the output pixels of the size with geometry g (one of the
// renditions made): resized from its source, oriented and cropped. Each
// size is asked for once.
func (c *cascade) pixels(g imgfmt.Geometry) image.Image {
	i := slices.IndexFunc(c.sizes, func(s cascadeSize) bool { return s.g == g })
	img := c.resized(i)
	c.release(i)
	return c.d.orientCrop(img, g)
}

// resized returns size i's resized pixels, made from its source (itself
// made first if need be) on first use, and kept until its last user
// releases it.
func (c *cascade) resized(i int) image.Image {
	s := &c.sizes[i]
	if s.img != nil {
		return s.img
	}
	if s.users <= 0 {
		// Asked for more often than planned: its sources may be gone.
		panic(fmt.Sprintf("set: size %s made again", sizeName(s.g)))
	}
	if s.from < 0 {
		s.img = c.d.resized(c.d.img, c.d.denom, s.g, c.filter)
		if c.fromDecode--; c.fromDecode == 0 {
			c.d.img = nil // the decoded planes are the job's largest buffers
		}
	} else {
		s.img = c.d.resized(c.resized(s.from), 1, s.g, c.filter)
		c.release(s.from)
	}
	return s.img
}

// release ends one use of size i's pixels, letting them go after the last.
func (c *cascade) release(i int) {
	s := &c.sizes[i]
	if s.users--; s.users == 0 {
		s.img = nil
	}
}

// largestFirst is the order a set job makes its renditions in: by size,
// largest first, the formats of a size together (so each size is resampled
// once), in plan order otherwise. The results keep plan order. Largest
// first because the WebAssembly encoders' linear memory only grows: made
// smallest first, an instance grows (copying its memory) for each larger
// size in turn; made largest first, once. The pixels and files are the
// same in any order.
func largestFirst(rs []Rendition) []int {
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(rs[b].Width*rs[b].Height, rs[a].Width*rs[a].Height)
	})
	return order
}

// Name names a rendition in messages: its output, size and format, so that
// a failure says which of a set's files it is even when the name template
// does not carry the size ("out/lake-640.webp (640x400 webp)").
func (r Rendition) Name() string {
	return fmt.Sprintf("%s (%dx%d %s)", r.Output, r.Width, r.Height, r.Format)
}

// setError is the answer of a set job whose renditions in failed did not
// get made: the one failure as it is, or how many of all failed and each
// one's message (the code is the first's).
func setError(input string, failed []*JobError, all int) *JobError {
	if len(failed) == 1 {
		return failed[0]
	}
	details := make([]string, len(failed))
	for i, e := range failed {
		details[i] = e.Detail
	}
	return FailFile(failed[0].Code, input, "%d of %d renditions failed: %s", len(failed), all, strings.Join(details, "; ")).Error
}

// sizePixels are one size of a set: resampled once, and converted to sRGB
// at most once for all the formats that want it.
type sizePixels struct {
	img  image.Image
	srgb image.Image // nil until a format needs it
}

// writeRendition encodes one rendition from its size's pixels and writes
// it.
func writeRendition(d *decodedImage, px *sizePixels, input string, r Rendition, set *ImageSpec) (w, h int, n int64, jerr *JobError) {
	spec := set.Rendition(r.Geometry, r.Format)
	var out image.Image
	var meta ImageMeta
	if convertsToSRGB(d.icc, &spec) {
		if px.srgb == nil {
			// On a copy: the conversion may work in place, and px.img may
			// still be encoded as it is for another format.
			px.srgb = srgbPixels(ownPixels(px.img), d.icc)
		}
		out, meta = px.srgb, ImageMeta{ICC: srgbTag(&spec), EXIF: d.exifFor(&spec)}
	} else {
		var err error
		// No conversion: finish leaves px.img as it is.
		if out, meta, err = d.finish(px.img, &spec); err != nil {
			return 0, 0, 0, FailFile(CodeInternal, input, "%s: %v", r.Name(), err).Error
		}
	}
	n, err := WriteAtomic(r.Output, func(w io.Writer) error { return encodeImage(w, out, meta, &spec) })
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return 0, 0, 0, FailFile(CodeIO, input, "write %s: %v", r.Name(), pe.Err).Error
		}
		return 0, 0, 0, FailFile(CodeIO, input, "%s: encode: %v", r.Name(), err).Error
	}
	b := out.Bounds()
	return b.Dx(), b.Dy(), n, nil
}

// ownPixels copies the pixel types a colour conversion changes in place.
func ownPixels(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.Gray:
		c := *m
		c.Pix = slices.Clone(m.Pix)
		return &c
	case *image.NRGBA:
		c := *m
		c.Pix = slices.Clone(m.Pix)
		return &c
	case *image.RGBA:
		c := *m
		c.Pix = slices.Clone(m.Pix)
		return &c
	case *image.Paletted:
		c := *m
		c.Palette = slices.Clone(m.Palette)
		return &c
	}
	return img
}
