// Package engine is the work itself: the job kinds imgpar runs (images and
// number arrays), how inputs are found, classified and planned into jobs
// (names, conflicts, the incremental manifest, shards), and Execute, which
// runs one job; a worker runs Execute on as many goroutines as it has
// threads. It knows nothing about processes, the wire protocol or the
// command line.
package engine

import (
	"encoding/json"
	"fmt"
)

// Kind names a job kind.
type Kind string

// Job kinds.
const (
	KindImage   Kind = "image"
	KindNumbers Kind = "numbers"
)

// Job is one unit of work: one input file (or one byte range of a large
// number file) turned into one output file. Jobs are plain data so that they
// can cross the process boundary as JSON.
type Job struct {
	Kind   Kind   `json:"kind"`
	Input  string `json:"input"`
	Output string `json:"output"`
	// EstBytes estimates the memory the job needs while it runs (decoded
	// pixels and scratch); the scheduler uses it to bound memory.
	EstBytes int64        `json:"est_bytes,omitempty"`
	Image    *ImageSpec   `json:"image,omitempty"`
	Numbers  *NumbersSpec `json:"numbers,omitempty"`
	// Values, when set, make a numbers job inline: it carries its numbers
	// instead of naming files, and its answer comes back in Result.Output
	// (values.go).
	Values *Values `json:"values,omitempty"`
	// Renditions, for an image job whose Image is a set, are the outputs
	// to write from one decode (Output is then empty): those of the set
	// that the plan kept and the manifest does not have (sets.go).
	Renditions []Rendition `json:"renditions,omitempty"`
}

// NumbersSpec says what to compute over a number file.
type NumbersSpec struct {
	Op     string `json:"op"`
	Rounds int    `json:"rounds,omitempty"`
	// Part marks a job over one byte range [Start, End) of a large text
	// number file; its output is a part file that the primary assembles.
	Part  bool  `json:"part,omitempty"`
	Start int64 `json:"start,omitempty"`
	End   int64 `json:"end,omitempty"`
}

// Result is the answer to one job: either OK with figures, or an error.
type Result struct {
	OK       bool      `json:"ok"`
	Error    *JobError `json:"error,omitempty"`
	BytesIn  int64     `json:"bytes_in,omitempty"`
	BytesOut int64     `json:"bytes_out,omitempty"`
	Width    int       `json:"width,omitempty"`
	Height   int       `json:"height,omitempty"`
	Count    int64     `json:"count,omitempty"`
	Millis   int64     `json:"ms"`
	// SHA256 is the input's content hash when the worker had it in memory
	// anyway (images), for the incremental manifest.
	SHA256 string `json:"sha256,omitempty"`
	// Output is the answer of an inline numbers job: the JSON text a
	// numbers file job would write, without the newline.
	Output string `json:"output,omitempty"`
	// Renditions answer a set job's renditions, one each, in its order;
	// OK is true when all of them are, Error names the first that failed.
	Renditions []RenditionResult `json:"renditions,omitempty"`
}

// JobError is a failed job's reason: a stable code and a one-line message
// that names the input. Input and Detail are the message's two parts
// ("Input: Detail") when it is about an input file, so that a front end
// can name the file its own way (serve: "upload", not a temp path).
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Input   string `json:"input,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Describe is the message with the input named as name instead of its
// path, when the message is about the input.
func (e *JobError) Describe(name string) string {
	if e.Detail == "" {
		return e.Message
	}
	return name + ": " + e.Detail
}

func (e *JobError) Error() string { return e.Message }

// Error codes.
const (
	CodeUnsupported = "unsupported" // not an input imgpar can read
	CodeDecode      = "decode"      // named like an input but does not decode
	CodeTooLarge    = "too_large"   // over --max-pixels
	CodeIO          = "io"          // reading the input or writing the output
	CodeBadInput    = "bad_input"   // malformed number file
	CodeInternal    = "internal"    // a bug: a recovered panic
	CodePoison      = "poison"      // the job killed workers repeatedly
	CodeTimeout     = "timeout"     // the job ran past --job-timeout
	CodeCanceled    = "canceled"    // the run stopped while the job ran
	CodeNotStarted  = "not_started" // the run stopped before the job was handed out
)

// Fail builds a failed Result.
func Fail(code, format string, args ...any) Result {
	return Result{Error: &JobError{Code: code, Message: OneLine(fmt.Sprintf(format, args...))}}
}

// FailFile builds a failed Result about the input at path: its message is
// "path: detail".
func FailFile(code, path, format string, args ...any) Result {
	detail := OneLine(fmt.Sprintf(format, args...))
	return Result{Error: &JobError{Code: code, Message: OneLine(path) + ": " + detail, Input: path, Detail: detail}}
}

// SpecKey is a stable string of what shapes a job's output, for the
// incremental manifest: the whole typed spec (every field of ImageSpec and
// NumbersSpec, so an option added later is covered without touching this)
// and OutputRevision, so that outputs an older imgpar wrote with the same
// options are redone when the pixels it writes have changed.
func (j *Job) SpecKey() string {
	b, _ := json.Marshal(struct {
		R int
		K Kind
		I *ImageSpec
		N *NumbersSpec
	}{OutputRevision, j.Kind, j.Image, j.Numbers})
	return string(b)
}

// OneLine folds line breaks into spaces: every message imgpar prints about
// a file is one line, even for a file name with a line break.
func OneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
