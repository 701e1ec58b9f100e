package cmd

import (
	"errors"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// A closed stdout or stderr (`imgpar process … | head -1`) must not kill
// the run half-way: Go programs die of SIGPIPE when a write to fd 1 or 2
// finds its pipe closed, which left the manifest journal behind and the
// workers unreaped. With SIGPIPE notified, such a write returns EPIPE
// instead, and pipeWriter turns that into "stop writing there": the run
// goes on, writes its outputs and manifest, stops its workers and exits
// with the code of its work (docs/guide.md, "In scripts and CI").
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// pipeWriter writes to f until a write finds the reader gone (EPIPE);
// from then on it drops what it is given.
type pipeWriter struct {
	f      *os.File
	closed atomic.Bool
}

func newPipeWriter(f *os.File) *pipeWriter { return &pipeWriter{f: f} }

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return len(b), nil
	}
	n, err := p.f.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		p.closed.Store(true)
		return len(b), nil
	}
	return n, err
}

// Fd lets the progress display ask whether the stream is a terminal.
func (p *pipeWriter) Fd() uintptr { return p.f.Fd() }
