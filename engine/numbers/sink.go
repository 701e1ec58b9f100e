package numbers

import (
	"bufio"
	"context"
	"sync/atomic"
)

// countingSink is a sink that counts the numbers it was given.
type countingSink interface {
	sink
	count() int64
}

func newSink(ctx context.Context, w *bufio.Writer, o Options, threads int, wrap bool) (countingSink, error) {
	if o.Op == OpStats {
		return &statsSink{ctx: ctx, w: w}, nil
	}
	m, err := NewMapper(o)
	if err != nil {
		return nil, err
	}
	return &mapSink{ctx: ctx, w: w, m: m, threads: threads, wrap: wrap, first: true}, nil
}

// mapSink maps each chunk in place, formats it on the worker's threads and
// writes it: {"result":[...]} per task with wrap, the bare comma-separated
// values without (ranges).
type mapSink struct {
	ctx     context.Context
	w       *bufio.Writer
	m       *Mapper
	threads int
	wrap    bool
	first   bool // nothing written yet in this task
	n       int64
	bufs    [][]byte
}

func (s *mapSink) count() int64 { return s.n }

func (s *mapSink) begin() error {
	s.first = true
	if s.wrap {
		_, err := s.w.WriteString(`{"result":[`)
		return err
	}
	return nil
}

func (s *mapSink) add(xs []float64) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	s.n += int64(len(xs))
	if err := s.m.ApplyContext(s.ctx, xs, s.threads); err != nil {
		return err
	}
	parts := min(s.threads, max(1, len(xs)/4096))
	for len(s.bufs) < parts {
		s.bufs = append(s.bufs, nil)
	}
	bufs := s.bufs[:parts]
	parallelFor(len(xs), parts, 1, func(p, lo, hi int) {
		bufs[p] = appendValues(bufs[p][:0], xs[lo:hi])
	})
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if !s.first {
			if err := s.w.WriteByte(','); err != nil {
				return err
			}
		}
		s.first = false
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *mapSink) end() error {
	if s.wrap {
		_, err := s.w.WriteString("]}\n")
		return err
	}
	return nil
}

// statsSink keeps the numbers of each task and writes {"stats":{...}} for it.
type statsSink struct {
	ctx context.Context
	w   *bufio.Writer
	all []float64
	n   int64
	out []byte
}

func (s *statsSink) count() int64 { return s.n }

func (s *statsSink) begin() error {
	s.all = s.all[:0]
	return nil
}

func (s *statsSink) add(xs []float64) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	s.n += int64(len(xs))
	s.all = append(s.all, xs...)
	return nil
}

func (s *statsSink) end() error {
	st := computeStatsInPlace(s.all)
	s.out = append(st.appendJSON(append(s.out[:0], `{"stats":`...)), '}', '\n')
	_, err := s.w.Write(s.out)
	return err
}

// asyncSink passes the chunks of a parser to another sink on its own
// goroutine, so that parsing the next chunk overlaps mapping, formatting
// and writing this one. It holds at most three chunks.
type asyncSink struct {
	inner  countingSink
	ch     chan asyncMsg
	free   chan []float64
	done   chan struct{}
	failed atomic.Bool
	err    error // written by the consumer before failed is set
}

type asyncKind uint8

const (
	asyncBegin asyncKind = iota
	asyncAdd
	asyncEnd
)

type asyncMsg struct {
	kind asyncKind
	xs   []float64
}

func newAsyncSink(inner countingSink, chunkCap int) *asyncSink {
	s := &asyncSink{
		inner: inner,
		ch:    make(chan asyncMsg, 2),
		free:  make(chan []float64, 3),
		done:  make(chan struct{}),
	}
	for range 3 {
		s.free <- make([]float64, 0, chunkCap)
	}
	go s.consume()
	return s
}

func (s *asyncSink) consume() {
	defer close(s.done)
	for m := range s.ch {
		if !s.failed.Load() {
			var err error
			switch m.kind {
			case asyncBegin:
				err = s.inner.begin()
			case asyncAdd:
				err = s.inner.add(m.xs)
			case asyncEnd:
				err = s.inner.end()
			}
			if err != nil {
				s.err = err
				s.failed.Store(true)
			}
		}
		if m.xs != nil {
			s.free <- m.xs[:0]
		}
	}
}

func (s *asyncSink) send(m asyncMsg) error {
	if s.failed.Load() {
		return s.err
	}
	s.ch <- m
	return nil
}

func (s *asyncSink) begin() error { return s.send(asyncMsg{kind: asyncBegin}) }
func (s *asyncSink) end() error   { return s.send(asyncMsg{kind: asyncEnd}) }

func (s *asyncSink) add(xs []float64) error {
	if s.failed.Load() {
		return s.err
	}
	buf := append(<-s.free, xs...)
	return s.send(asyncMsg{kind: asyncAdd, xs: buf})
}

// close waits for the consumer and returns its first error. The sink must
// not be used afterwards; count is valid after close.
func (s *asyncSink) close() error {
	close(s.ch)
	<-s.done
	return s.err
}

func (s *asyncSink) count() int64 { return s.inner.count() }
