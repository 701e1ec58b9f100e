package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
)

// logf writes a line about the request being answered on w to the
// server's stderr, under its request ID.
func (s *server) logf(w http.ResponseWriter, format string, args ...any) {
	fmt.Fprintf(s.opts.Stderr, "imgpar: request %s: %s\n", w.Header().Get("X-Request-ID"), engine.OneLine(fmt.Sprintf(format, args...)))
}

var workerPID = regexp.MustCompile(`\bworker \d+`)

// public makes a message fit for a client: no temporary paths, no pids.
func (s *server) public(msg string) string {
	if strings.Contains(msg, s.tmp) {
		msg = regexp.MustCompile(regexp.QuoteMeta(s.tmp)+`\S*`).ReplaceAllString(msg, "upload")
	}
	return workerPID.ReplaceAllString(msg, "a worker")
}

// admitImage decides, from the upload's header alone and before any job
// is queued, whether the server can convert it: the pixel limit, then the
// job's memory estimate (engine.EstimateImage, the planner's) against the
// whole budget. It returns the estimate for the job, or answers and
// returns ok false.
func (s *server) admitImage(w http.ResponseWriter, in string, size int64, spec engine.ImageSpec) (est int64, status int, ok bool) {
	f, err := os.Open(in)
	if err != nil {
		s.logf(w, "reading the upload: %v", err)
		return 0, writeError(w, http.StatusInternalServerError, "reading the upload back failed; the server log has the details"), false
	}
	h, err := imgfmt.Probe(f, size)
	f.Close()
	switch {
	case errors.Is(err, imgfmt.ErrUnsupported):
		return 0, writeError(w, http.StatusUnsupportedMediaType, "upload: %v", err), false
	case err != nil:
		return 0, writeError(w, http.StatusUnprocessableEntity, "upload: %v", err), false
	}
	if err := h.CheckPixels(s.opts.MaxPixels); err != nil {
		return 0, writeError(w, http.StatusUnprocessableEntity, "upload: %v (--max-pixels)", err), false
	}
	est, ow, oh, err := engine.EstimateImage(spec, h, size)
	if err != nil {
		return 0, writeError(w, http.StatusBadRequest, "%v", err), false
	}
	if est > jobBudget(s.opts) {
		return 0, writeError(w, http.StatusUnprocessableEntity,
			"upload: converting this %dx%d %s to %dx%d %s needs an estimated %s, more than the %s the server's memory budget of %s (--mem-limit) leaves for a job; send a smaller image or ask for a smaller output",
			h.Width, h.Height, h.Format, ow, oh, spec.Format, mib(est), mib(jobBudget(s.opts)), mib(s.opts.MemBudget)), false
	}
	return est, 0, true
}

func mib(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.0f GiB", float64(n)/(1<<30))
	}
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20)
}

// maxNumberBytes bounds the bytes of one number in a /process body with
// its separator and spacing: JavaScript's longest shortest-form doubles
// take 24 characters.
const maxNumberBytes = 32

// numbersBodyLimit is the longest /process body: --max-numbers numbers,
// and a little for the keys, within --max-upload.
func (s *server) numbersBodyLimit() int64 {
	return min(s.opts.MaxUpload, int64(s.opts.MaxNumbers)*maxNumberBytes+4<<10)
}

// numbersJobBytes estimates a worker's memory for an inline numbers job of
// n values: the job's JSON line and its decoded values, the results and
// their JSON.
func numbersJobBytes(n int) int64 { return int64(n)*64 + 8<<20 }

// heavyTooMuch refuses a heavy job whose worst case would pin a worker
// thread: more exact rounds (numbers.HeavyWorstRounds) than --max-work.
func (s *server) heavyTooMuch(w http.ResponseWriter, spec engine.NumbersSpec, xs []float64) (int, bool) {
	if spec.Op != string(numbers.OpHeavy) || s.opts.MaxWork < 0 {
		return 0, false
	}
	work := numbers.HeavyWorstRounds(xs, spec.Rounds)
	if work <= s.opts.MaxWork {
		return 0, false
	}
	rounds := spec.Rounds
	if rounds == 0 {
		rounds = numbers.DefaultRounds
	}
	return writeError(w, http.StatusUnprocessableEntity,
		"heavy: %d negative fractional numbers x %d rounds = %.3g rounds of exact iteration, over the limit of %.3g per request (--max-work); send fewer numbers or rounds",
		int(work/float64(rounds)), rounds, work, s.opts.MaxWork), true
}
