package cmd

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// progress shows files done/total on stderr: a bar on a terminal, a status
// line every few seconds in CI logs, or nothing.
type progress struct {
	mu      sync.Mutex
	mode    string
	quiet   bool
	w       io.Writer
	bar     *progressbar.ProgressBar
	total   int
	n       int
	failed  int
	start   time.Time
	lastOut time.Time
	rates   bool // the bar shows files/s and the time left
}

// rateAfter is how long the bar counts before it shows a rate: a first
// file done a few milliseconds after the start is not a rate (it showed
// as "135612 files/s").
const rateAfter = time.Second

func progressMode(mode string, quiet bool, w io.Writer) string {
	if quiet {
		return "none"
	}
	if mode != "auto" {
		return mode
	}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		return "bar"
	}
	if os.Getenv("CI") != "" {
		return "plain"
	}
	return "none"
}

func newProgress(mode string, quiet bool, w io.Writer, total int) *progress {
	p := &progress{mode: progressMode(mode, quiet, w), quiet: quiet, w: w, total: total, start: time.Now(), lastOut: time.Now()}
	if p.mode == "bar" {
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("processing"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("files"),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		}
		if os.Getenv("NO_COLOR") == "" {
			opts = append(opts, progressbar.OptionEnableColorCodes(true))
		}
		p.bar = progressbar.NewOptions(total, opts...)
		p.bar.StartWithoutRender() // its clock starts with the run, not at the first file
	}
	return p
}

// event follows the dispatcher: a job done (parts of split files count
// as jobs), a worker died.
func (p *progress) event(e procs.Event) {
	switch e.Kind {
	case procs.EventJobDone:
		p.done(e)
	case procs.EventWorkerDied:
		p.warn(fmt.Sprintf("imgpar: %s; restarting it", e.Detail))
	}
}

func (p *progress) done(e procs.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if !e.Result.OK && (e.Result.Error == nil || e.Result.Error.Code != engine.CodeNotStarted) {
		p.failed++
	}
	switch p.mode {
	case "bar":
		if !p.rates && time.Since(p.start) >= rateAfter {
			// Options are plain setters; every use of the bar holds p.mu.
			progressbar.OptionShowIts()(p.bar)
			progressbar.OptionSetPredictTime(true)(p.bar)
			p.rates = true
		}
		_ = p.bar.Add(1)
	case "plain":
		if time.Since(p.lastOut) >= 3*time.Second || p.n == p.total {
			p.lastOut = time.Now()
			el := time.Since(p.start).Seconds()
			fmt.Fprintf(p.w, "imgpar: %d/%d files (%d failed), %.1f files/s, %.0fs elapsed\n", p.n, p.total, p.failed, float64(p.n)/max(el, 0.001), el)
		}
	}
}

// warn prints a line without breaking the bar.
func (p *progress) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, msg)
}

// interrupted says that the first SIGINT/SIGTERM arrived, on a line of its
// own, even under --quiet (it explains the exit code); the hint about a
// second Ctrl-C only for a Ctrl-C someone is there to repeat.
func (p *progress) interrupted(sig os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	msg := "imgpar: interrupted: finishing jobs in flight"
	if sig == os.Interrupt && !p.quiet {
		msg += " (press Ctrl-C again to abort)"
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
