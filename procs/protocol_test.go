package procs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/imgpar/imgpar/engine"
)

func TestDecoderLongLines(t *testing.T) {
	long := strings.Repeat("x", 2<<20) // a 2 MiB input name: a line far over 1 MiB
	msgs := []*Message{
		{Type: TypeHello, Version: ProtocolVersion, PID: 42},
		{Type: TypeJob, ID: 1, Job: &engine.Job{Kind: engine.KindImage, Input: long, Output: "out/" + long[:100]}},
		{Type: TypeJob, ID: 2, Job: &engine.Job{Kind: engine.KindNumbers, Input: "small"}},
		{Type: TypeResult, ID: 1, Result: &engine.Result{OK: true, BytesIn: 7}},
	}
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for _, m := range msgs {
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != len(msgs) {
		t.Fatalf("encoded %d messages as %d lines", len(msgs), n)
	}
	wire := buf.Bytes()
	readers := []struct {
		name string
		r    func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(wire) }},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(wire)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(wire)) }},
		{"pipe", func() io.Reader {
			pr, pw := io.Pipe()
			go func() {
				// Write in odd-sized pieces so that lines span many reads.
				for b := wire; len(b) > 0; {
					n := min(len(b), 12345)
					if _, err := pw.Write(b[:n]); err != nil {
						return
					}
					b = b[n:]
				}
				pw.Close()
			}()
			return pr
		}},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			dec := NewDecoder(rd.r())
			for i, want := range msgs {
				got, err := dec.Decode()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if got.Type != want.Type || got.ID != want.ID || got.Version != want.Version || got.PID != want.PID {
					t.Fatalf("message %d: got %+v, want %+v", i, got, want)
				}
				if want.Job != nil && (got.Job == nil || !reflect.DeepEqual(*got.Job, *want.Job)) {
					t.Fatalf("message %d: job did not round-trip (input %d bytes)", i, len(want.Job.Input))
				}
				if want.Result != nil && (got.Result == nil || !reflect.DeepEqual(*got.Result, *want.Result)) {
					t.Fatalf("message %d: result %+v, want %+v", i, got.Result, want.Result)
				}
			}
			if _, err := dec.Decode(); err != io.EOF {
				t.Fatalf("after the last message: %v, want io.EOF", err)
			}
		})
	}
}

func TestDecoder(t *testing.T) {
	const hello = `{"type":"hello","version":1}`
	tests := []struct {
		name    string
		in      string
		types   []string // messages expected before the final error
		wantErr error    // io.EOF or ErrProtocol
	}{
		{"empty stream", "", nil, io.EOF},
		{"only blank lines", "\n\n  \n\t\n", nil, io.EOF},
		{"trailing blanks without newline", hello + "\n  ", []string{"hello"}, io.EOF},
		{"blank lines between messages", "\n" + hello + "\n\n \r\n" + `{"type":"job","id":1,"job":{"kind":"image","input":"a","output":"b"}}` + "\r\n\n", []string{"hello", "job"}, io.EOF},
		{"garbage line", "stray output from a library\n", nil, ErrProtocol},
		{"garbage after a message", hello + "\nPASS\n", []string{"hello"}, ErrProtocol},
		{"json that is not an object", "[1,2,3]\n", nil, ErrProtocol},
		{"object without a type", `{"id":3}` + "\n", nil, ErrProtocol},
		{"wrong field type", `{"type":"job","id":"one"}` + "\n", nil, ErrProtocol},
		{"EOF in the middle of a message", hello + "\n" + `{"type":"result","id":1,"res`, []string{"hello"}, ErrProtocol},
		{"last message without its newline", hello, nil, ErrProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(strings.NewReader(tc.in))
			for i, typ := range tc.types {
				m, err := dec.Decode()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if m.Type != typ {
					t.Fatalf("message %d: type %q, want %q", i, m.Type, typ)
				}
			}
			_, err := dec.Decode()
			if tc.wantErr == io.EOF {
				if err != io.EOF {
					t.Fatalf("got %v, want io.EOF exactly", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("boom")
	dec := NewDecoder(io.MultiReader(strings.NewReader(`{"type":"hel`), iotest.ErrReader(boom)))
	if _, err := dec.Decode(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the reader's error", err)
	}
}

func TestDecoderClipsGarbageInError(t *testing.T) {
	dec := NewDecoder(strings.NewReader(strings.Repeat("garbage ", 1<<18) + "\n"))
	_, err := dec.Decode()
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("got %v, want ErrProtocol", err)
	}
	if len(err.Error()) > 1000 {
		t.Errorf("error quotes %d bytes of the bad line; want it clipped", len(err.Error()))
	}
}

// chunkWriter passes each Write on in small pieces, yielding between them,
// as a writer that does not serialise whole writes could (a socket, a
// wrapper). Only the Encoder's own lock keeps lines whole on it.
type chunkWriter struct{ w io.Writer }

func (c chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 4096)
		m, err := c.w.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
		runtime.Gosched()
	}
	return n, nil
}

// TestEncoderConcurrent writes from many goroutines, with messages bigger
// than a pipe's buffer: every line must still decode, none lost, none
// doubled, none mixed with another.
func TestEncoderConcurrent(t *testing.T) {
	sinks := []struct {
		name string
		wrap func(io.Writer) io.Writer
	}{
		{"os pipe", func(w io.Writer) io.Writer { return w }},
		{"chunked writes", func(w io.Writer) io.Writer { return chunkWriter{w} }},
	}
	for _, sink := range sinks {
		t.Run(sink.name, func(t *testing.T) { testEncoderConcurrent(t, sink.wrap) })
	}
}

func testEncoderConcurrent(t *testing.T, wrap func(io.Writer) io.Writer) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	const writers, each = 8, 20
	enc := NewEncoder(wrap(pw))
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				size := 10 + (g*each+i)%4*30000 // up to 90 KB, over the 64 KiB pipe buffer
				in := fmt.Sprintf("%d/%d/%s", g, i, strings.Repeat(string(rune('a'+g)), size))
				if err := enc.Encode(&Message{Type: TypeJob, ID: uint64(g*each + i + 1), Job: &engine.Job{Input: in}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); pw.Close(); close(errs) }()

	seen := map[uint64]bool{}
	dec := NewDecoder(pr)
	for {
		m, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", len(seen), err)
		}
		var g, i int
		if _, err := fmt.Sscanf(m.Job.Input, "%d/%d/", &g, &i); err != nil {
			t.Fatalf("message %d: bad input prefix: %v", m.ID, err)
		}
		body := m.Job.Input[strings.LastIndexByte(m.Job.Input, '/')+1:]
		if strings.Trim(body, string(rune('a'+g))) != "" || uint64(g*each+i+1) != m.ID {
			t.Fatalf("message %d: mixed content from another writer", m.ID)
		}
		if seen[m.ID] {
			t.Fatalf("message %d decoded twice", m.ID)
		}
		seen[m.ID] = true
	}
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Fatalf("decoded %d messages, want %d", len(seen), writers*each)
	}
}
