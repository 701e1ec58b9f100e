package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/imgpar/imgpar/engine/numbers"
)

// runNumbers runs the number op over a whole file, or over one byte range
// of a large text file (a part that the primary assembles).
func runNumbers(ctx context.Context, job Job, threads int) Result {
	spec := job.Numbers
	op, err := numbers.ParseOp(spec.Op)
	if err != nil {
		return FailFile(CodeInternal, job.Input, "%v", err)
	}
	o := numbers.Options{Op: op, Rounds: spec.Rounds}
	var fr numbers.FileResult
	if spec.Part {
		fr, err = numbers.ProcessRange(ctx, job.Input, numbers.Range{Start: spec.Start, End: spec.End}, job.Output, o, threads)
	} else {
		fr, err = numbers.ProcessFile(ctx, job.Input, job.Output, o, threads)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return FailFile(CodeCanceled, job.Input, "canceled")
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			if pe.Path != job.Input { // the output (or its temp file)
				return FailFile(CodeIO, job.Input, "write %s: %v", job.Output, pe.Err)
			}
			return ioError("read", job.Input, err)
		}
		msg := err.Error()
		if detail, ok := strings.CutPrefix(msg, job.Input+": "); ok {
			return FailFile(CodeBadInput, job.Input, "%s", detail)
		}
		if !strings.HasPrefix(msg, job.Input) {
			return FailFile(CodeBadInput, job.Input, "%s", msg)
		}
		return Fail(CodeBadInput, "%s", msg) // "path:line: ..."
	}
	res := Result{OK: true, BytesIn: fr.BytesIn, BytesOut: fr.BytesOut, Count: fr.Count}
	if !spec.Part {
		// The manifest wants the input's hash; the worker has the file in
		// the page cache now, and hashing here keeps it off the primary.
		if h, err := FileSHA256(job.Input); err == nil {
			res.SHA256 = h
		}
	}
	return res
}

// Group is a number file split into parts that run as separate jobs; the
// primary assembles the parts into Output once they are all done.
type Group struct {
	Output string
	Input  string
	Size   int64
	Jobs   []int // indexes into Plan.Jobs, in file order
}

// splitNumbers turns one heavy text-number job into part jobs when the file
// is large enough to be worth spreading over workers.
func splitNumbers(p *Plan, job Job, size int64, parts, owner int) bool {
	if parts < 2 || size < splitThreshold || job.Numbers.Op != string(numbers.OpHeavy) {
		return false
	}
	if f, ok := numbers.FormatOf(job.Input); !ok || f != numbers.Text {
		return false
	}
	ranges, err := numbers.Split(job.Input, parts)
	if err != nil || len(ranges) < 2 {
		return false
	}
	g := Group{Output: job.Output, Input: job.Input, Size: size}
	dir, base := filepath.Split(job.Output)
	for k, r := range ranges {
		pj := job
		spec := *job.Numbers
		spec.Part, spec.Start, spec.End = true, r.Start, r.End
		pj.Numbers = &spec
		pj.Output = filepath.Join(dir, fmt.Sprintf("%s%d-part%03d-%s", TempPrefix, owner, k, base))
		g.Jobs = append(g.Jobs, len(p.Jobs))
		p.Jobs = append(p.Jobs, pj)
		p.Sizes = append(p.Sizes, r.End-r.Start)
		p.Dims = append(p.Dims, [2]int{})
	}
	p.Groups = append(p.Groups, g)
	return true
}

// splitThreshold is the size above which a heavy text-number file is split
// across workers.
const splitThreshold = 1 << 20

// IsPart reports whether j is one part of a split number file (a Group):
// its output is a temp file, not one the user sees.
func (j *Job) IsPart() bool { return j.Numbers != nil && j.Numbers.Part }

// Assemble joins the parts of split file g once all of them are answered
// (result gives the answer of the job at an index of p.Jobs) and returns
// the job and result as the user sees them: one for the input file. The
// parts are removed either way.
func (p *Plan) Assemble(g Group, result func(job int) Result) (Job, Result) {
	job := p.Jobs[g.Jobs[0]]
	job.Output = g.Output
	spec := *job.Numbers
	spec.Part, spec.Start, spec.End = false, 0, 0
	job.Numbers = &spec
	res := Result{OK: true, BytesIn: g.Size}
	var parts []string
	for _, ji := range g.Jobs {
		r := result(ji)
		parts = append(parts, p.Jobs[ji].Output)
		res.Count += r.Count
		res.Millis += r.Millis
		if !r.OK && res.OK {
			res = r
		}
	}
	if res.OK {
		n, err := numbers.Assemble(g.Output, parts)
		if err != nil {
			res = FailFile(CodeIO, g.Input, "assemble %s: %v", g.Output, err)
		}
		res.BytesOut = n
	}
	if !res.OK {
		for _, part := range parts {
			os.Remove(part)
		}
	}
	return job, res
}
