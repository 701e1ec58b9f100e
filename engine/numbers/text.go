package numbers

import (
	"bytes"
	"fmt"
	"io"
)

// Text files: numbers separated by commas, tabs, spaces and newlines.
//
// Spaces, tabs and carriage returns separate numbers; newlines end lines;
// a comma ends a field, and every comma-separated field of a line must hold
// at least one number, so "1,,2", a line starting with a comma and a comma
// at the end of a line are errors (an empty field is reported as
// `not a number: ""`). A '#' at the start of a token starts a comment that
// runs to the end of the line. Blank lines are skipped, and a UTF-8 byte
// order mark at the start of the file is ignored.

// textState is where the text parser is within a line.
type textState uint8

const (
	atLineStart textState = iota // nothing but blanks since the line began
	inField                      // the current field has a number
	afterComma                   // a comma, then blanks: the field is empty so far
)

// sepClass marks the bytes that separate tokens.
var sepClass = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, ',': true}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

type textParser struct {
	s     *src
	state textState
	// final is set when the input ends at the end of the file (not at the
	// end of a range in the middle), where a trailing comma is an error.
	final     bool
	line      int64 // line number counted from where the parser started
	lineStart int64 // input offset of the current line; -1 if unknown
	done      bool
}

// newTextParser parses s, which starts at input offset s.base in the given
// state. A parser starting at offset 0 skips a byte order mark.
func newTextParser(s *src, state textState, final bool) *textParser {
	p := &textParser{s: s, state: state, final: final, line: 1, lineStart: -1}
	if s.base == 0 {
		p.lineStart = 0
		for s.end-s.pos < len(utf8BOM) && s.fill(s.pos) {
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], utf8BOM) {
			s.pos += len(utf8BOM)
			p.lineStart = int64(len(utf8BOM))
		}
	}
	return p
}

func (p *textParser) errAt(off int64, msg string) error {
	return &posError{off: off, line: p.line, lineStart: p.lineStart, msg: msg}
}

// next appends numbers to dst until it is full (len == cap) or the input
// ends; at the end it returns io.EOF (with the last numbers, if any).
func (p *textParser) next(dst []float64) ([]float64, error) {
	if p.done {
		return dst, io.EOF
	}
	s := p.s
	for len(dst) < cap(dst) {
		if s.pos == s.end {
			if !s.fill(s.pos) {
				if s.err != nil {
					return dst, s.err
				}
				if p.final && p.state == afterComma {
					return dst, p.errAt(s.offset(s.pos), notNumberMsg(nil))
				}
				p.done = true
				return dst, io.EOF
			}
			continue
		}
		c := s.buf[s.pos]
		switch c {
		case ' ', '\t', '\r':
			s.pos++
		case '\n':
			if p.state == afterComma {
				return dst, p.errAt(s.offset(s.pos), notNumberMsg(nil))
			}
			s.pos++
			p.line++
			p.lineStart = s.offset(s.pos)
			p.state = atLineStart
		case ',':
			if p.state != inField {
				return dst, p.errAt(s.offset(s.pos), notNumberMsg(nil))
			}
			s.pos++
			p.state = afterComma
		case '#':
			if p.state == afterComma {
				return dst, p.errAt(s.offset(s.pos), notNumberMsg(nil))
			}
			// A comment: skip to the newline, which ends the line as usual.
			for {
				if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
					s.pos += i
					break
				}
				s.pos = s.end
				if !s.fill(s.pos) {
					break
				}
			}
		default:
			start := s.pos
			i := s.pos + 1
			for {
				for i < s.end && !sepClass[s.buf[i]] {
					i++
				}
				if i < s.end || i-start > maxToken {
					break
				}
				// The token may go on in the next read.
				off := i - start
				more := s.fill(start)
				start = s.pos
				i = start + off
				if !more {
					break
				}
			}
			tok := s.buf[start:i]
			if len(tok) > maxToken {
				return dst, p.errAt(s.offset(start), notNumberMsg(tok))
			}
			v, ok := parseDecimal(tok)
			if !ok {
				return dst, p.errAt(s.offset(start), notNumberMsg(tok))
			}
			dst = append(dst, v)
			s.pos = i
			p.state = inField
		}
	}
	return dst, nil
}

// resolveInMemory turns a posError from a parser that started at offset 0
// into a *ParseError.
func resolveInMemory(err error, path string) error {
	pe, ok := err.(*posError)
	if !ok {
		if path != "" {
			return fmt.Errorf("read %s: %w", path, err)
		}
		return err
	}
	return &ParseError{Path: path, Line: pe.line, Col: pe.off - pe.lineStart + 1, Msg: pe.msg}
}
