// Package procs is the primary side of imgpar: it starts worker processes
// (re-executions of the running binary), speaks the newline-delimited JSON
// protocol with them, hands out jobs with bounded credit, notices workers
// that die, restarts them, retries or fails their jobs, and aggregates the
// results into a run report. The worker side of the protocol lives here too
// (WorkerLoop), so the contract is in one place; docs/protocol.md describes it.
package procs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/imgpar/imgpar/engine"
)

// ProtocolVersion is sent in the first message each way; a mismatch ends the
// handshake with an error instead of undefined behaviour.
const ProtocolVersion = 1

// WorkerCommand is the hidden subcommand that runs a worker.
const WorkerCommand = "__worker"

// CookieEnv and CookieValue mark a process started by an imgpar primary. A
// person who runs the hidden subcommand by hand gets a clear message instead
// of a process waiting on its stdin (hashicorp/go-plugin does the same).
const (
	CookieEnv   = "IMGPAR_WORKER_COOKIE"
	CookieValue = "9f1c2a7e-imgpar-worker-v1"
)

// Message types.
const (
	TypeHello  = "hello"
	TypeJob    = "job"
	TypeStart  = "start" // worker -> primary: a job left the queue and began running
	TypeResult = "result"
	// TypeCancel (primary -> worker) asks the worker to cancel the context
	// of a job it holds; the job is still answered once (usually as
	// canceled). Sent only to workers whose hello lists FeatureCancel.
	TypeCancel = "cancel"
)

// FeatureCancel in a worker's hello says it understands TypeCancel. Features
// are additions within a protocol version: a peer ignores those it does not
// know, and nobody sends a message its peer did not announce.
const FeatureCancel = "cancel"

// Message is one line of the protocol in either direction.
type Message struct {
	Type    string `json:"type"`
	Version int    `json:"version,omitempty"`
	// hello (worker -> primary)
	PID      int      `json:"pid,omitempty"`
	Features []string `json:"features,omitempty"`
	// hello (primary -> worker)
	Threads int `json:"threads,omitempty"`
	// job, start, result and cancel
	ID     uint64         `json:"id,omitempty"`
	Job    *engine.Job    `json:"job,omitempty"`
	Result *engine.Result `json:"result,omitempty"`
}

// ErrProtocol wraps every framing or decoding error: the peer is faulty.
var ErrProtocol = errors.New("protocol error")

// Decoder reads newline-delimited JSON messages of any length (no 64 KiB
// bufio.Scanner limit).
type Decoder struct {
	r    *bufio.Reader
	line []byte
}

// NewDecoder reads messages from r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: bufio.NewReaderSize(r, 64<<10)} }

// Decode reads the next message. It returns io.EOF at a clean end of stream,
// and an error wrapping ErrProtocol for a line that is not a message
// (including a final line cut off before its newline).
func (d *Decoder) Decode() (*Message, error) {
	for {
		d.line = d.line[:0]
		for {
			chunk, err := d.r.ReadSlice('\n')
			d.line = append(d.line, chunk...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if len(bytes.TrimSpace(d.line)) == 0 {
					return nil, io.EOF
				}
				return nil, fmt.Errorf("%w: stream ended in the middle of a message (%d bytes)", ErrProtocol, len(d.line))
			}
			return nil, err
		}
		line := bytes.TrimSpace(d.line)
		if len(line) == 0 {
			continue // blank lines are allowed between messages
		}
		var m Message
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("%w: unparseable line %q: %v", ErrProtocol, clip(line, 80), err)
		}
		if m.Type == "" {
			return nil, fmt.Errorf("%w: message without a type: %q", ErrProtocol, clip(line, 80))
		}
		return &m, nil
	}
}

// Encoder writes one message per line; safe for concurrent use.
type Encoder struct {
	mu sync.Mutex
	w  io.Writer
}

// NewEncoder writes messages to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes m as one line in a single Write call.
func (e *Encoder) Encode(m *Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(b)
	return err
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
