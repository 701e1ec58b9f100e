package numbers

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON inputs: a JSON array of numbers, or an object with a "numbers" array
// (the seed's request body) or a "payload" array (the seed's cluster
// message); other keys are ignored. NDJSON has one such value per line.
//
// The parser streams: numbers go to the sink in chunks as they are read, so
// a huge array needs no more memory than a chunk. It accepts exactly JSON
// (RFC 8259), plus a leading UTF-8 byte order mark; an object with both keys
// or the same key twice is an error rather than a silent choice.

// maxDepth bounds the nesting of the values that are skipped.
const maxDepth = 10000

// sink receives the numbers of each task (array) of an input.
type sink interface {
	begin() error
	add(xs []float64) error // xs is only valid during the call
	end() error
}

type jsonParser struct {
	s         *src
	ndjson    bool
	sink      sink
	chunk     []float64
	line      int64
	lineStart int64
	str       []byte // decoded string scratch
}

func newJSONParser(s *src, ndjson bool, sk sink) *jsonParser {
	p := &jsonParser{s: s, ndjson: ndjson, sink: sk, line: 1, chunk: make([]float64, 0, s.chunkCap())}
	for s.end-s.pos < len(utf8BOM) && s.fill(s.pos) {
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], utf8BOM) {
		s.pos += len(utf8BOM)
		p.lineStart = int64(len(utf8BOM))
	}
	return p
}

func (p *jsonParser) errAt(off int64, format string, args ...any) error {
	return &posError{off: off, line: p.line, lineStart: p.lineStart, msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) here() int64 { return p.s.offset(p.s.pos) }

// mark is a position to report an error at after the parser has moved on
// (perhaps past newlines).
type mark struct{ off, line, lineStart int64 }

func (p *jsonParser) mark() mark { return mark{p.here(), p.line, p.lineStart} }

func (p *jsonParser) errAtMark(m mark, format string, args ...any) error {
	return &posError{off: m.off, line: m.line, lineStart: m.lineStart, msg: fmt.Sprintf(format, args...)}
}

// ws skips whitespace (not newlines in NDJSON) and peeks at the next byte.
func (p *jsonParser) ws() (byte, bool) {
	s := p.s
	for {
		if s.pos == s.end && !s.fill(s.pos) {
			return 0, false
		}
		switch c := s.buf[s.pos]; c {
		case ' ', '\t', '\r':
			s.pos++
		case '\n':
			if p.ndjson {
				return c, true
			}
			s.pos++
			p.line++
			p.lineStart = p.here()
		default:
			return c, true
		}
	}
}

// unexpected is the error for byte c (ok false: the end) where something
// else was wanted.
func (p *jsonParser) unexpected(c byte, ok bool) error {
	if p.s.err != nil {
		return p.s.err
	}
	switch {
	case !ok:
		return p.errAt(p.here(), "invalid JSON: unexpected end of input")
	case c == '\n' && p.ndjson:
		return p.errAt(p.here(), "invalid JSON: unexpected end of line (NDJSON wants one value per line)")
	case c >= 0x20 && c < 0x7f:
		return p.errAt(p.here(), "invalid JSON: unexpected character %q", rune(c))
	default:
		return p.errAt(p.here(), "invalid JSON: unexpected byte 0x%02x", c)
	}
}

// expect consumes byte want after optional whitespace.
func (p *jsonParser) expect(want byte) error {
	c, ok := p.ws()
	if !ok || c != want {
		return p.unexpected(c, ok)
	}
	p.s.pos++
	return nil
}

// document parses a .json input: one task, then only whitespace.
func (p *jsonParser) document() error {
	c, ok := p.ws()
	if err := p.task(c, ok); err != nil {
		return err
	}
	if c, ok := p.ws(); ok {
		return p.errAt(p.here(), "invalid JSON: unexpected %s after the end of the value", describeByte(c))
	}
	return p.s.err
}

// lines parses an NDJSON input: one task per non-blank line.
func (p *jsonParser) lines() error {
	s := p.s
	for {
		// Skip blank lines.
		c, ok := p.ws()
		for ok && c == '\n' {
			s.pos++
			p.line++
			p.lineStart = p.here()
			c, ok = p.ws()
		}
		if !ok {
			return s.err
		}
		if err := p.task(c, ok); err != nil {
			return err
		}
		c, ok = p.ws()
		if ok && c != '\n' {
			return p.errAt(p.here(), "invalid JSON: unexpected %s after the end of the value (NDJSON wants one value per line)", describeByte(c))
		}
	}
}

// task parses an array of numbers or an object holding one; c is the peeked
// first byte.
func (p *jsonParser) task(c byte, ok bool) error {
	switch {
	case ok && c == '[':
		return p.numberArray()
	case ok && c == '{':
		return p.object()
	case !ok && p.s.err == nil && !p.ndjson:
		return p.errAt(p.here(), `invalid JSON: empty input (want an array of numbers or an object with a "numbers" or "payload" array)`)
	case !ok || c == '\n':
		return p.unexpected(c, ok)
	}
	at := p.mark()
	what, err := p.describeValue(c)
	if err != nil {
		return err
	}
	return p.errAtMark(at, `want an array of numbers or an object with a "numbers" or "payload" array, found %s`, what)
}

// numberArray parses [n, n, ...] into the sink; it starts at '['.
func (p *jsonParser) numberArray() error {
	p.s.pos++ // '['
	if err := p.sink.begin(); err != nil {
		return err
	}
	p.chunk = p.chunk[:0]
	c, ok := p.ws()
	if ok && c == ']' {
		p.s.pos++
		return p.sink.end()
	}
	for {
		c, ok = p.ws()
		if !ok || !(c == '-' || isDigit(c)) {
			if !ok || c == '\n' || c == ']' || c == ',' || c == '}' || c == ':' {
				return p.unexpected(c, ok)
			}
			at := p.mark()
			what, err := p.describeValue(c)
			if err != nil {
				return err
			}
			return p.errAtMark(at, "not a number: %s", what)
		}
		v, err := p.number()
		if err != nil {
			return err
		}
		p.chunk = append(p.chunk, v)
		if len(p.chunk) == cap(p.chunk) {
			if err := p.sink.add(p.chunk); err != nil {
				return err
			}
			p.chunk = p.chunk[:0]
		}
		c, ok = p.ws()
		if ok && c == ',' {
			p.s.pos++
			continue
		}
		if ok && c == ']' {
			p.s.pos++
			break
		}
		return p.unexpected(c, ok)
	}
	if len(p.chunk) > 0 {
		if err := p.sink.add(p.chunk); err != nil {
			return err
		}
	}
	return p.sink.end()
}

// object parses {...} with a "numbers" or "payload" array; it starts at '{'.
func (p *jsonParser) object() error {
	start := p.mark()
	p.s.pos++ // '{'
	var found string
	c, ok := p.ws()
	if ok && c == '}' {
		p.s.pos++
	} else {
		for {
			c, ok = p.ws()
			if !ok || c != '"' {
				return p.unexpected(c, ok)
			}
			keyAt := p.mark()
			if err := p.string(true); err != nil {
				return err
			}
			key := string(p.str)
			if err := p.expect(':'); err != nil {
				return err
			}
			c, ok = p.ws()
			if key == "numbers" || key == "payload" {
				if found != "" {
					if found == key {
						return p.errAtMark(keyAt, "duplicate key %q", key)
					}
					return p.errAtMark(keyAt, `both "numbers" and "payload" given; want one`)
				}
				found = key
				if !ok || c != '[' {
					if !ok || c == '\n' || c == ',' || c == '}' || c == ']' || c == ':' {
						return p.unexpected(c, ok)
					}
					valAt := p.mark()
					what, err := p.describeValue(c)
					if err != nil {
						return err
					}
					return p.errAtMark(valAt, "%q must be an array of numbers, not %s", key, what)
				}
				if err := p.numberArray(); err != nil {
					return err
				}
			} else if err := p.skipValue(0); err != nil {
				return err
			}
			c, ok = p.ws()
			if ok && c == ',' {
				p.s.pos++
				continue
			}
			if ok && c == '}' {
				p.s.pos++
				break
			}
			return p.unexpected(c, ok)
		}
	}
	if found == "" {
		return p.errAtMark(start, `object has no "numbers" or "payload" array`)
	}
	return nil
}

// number reads a JSON number token and converts it.
func (p *jsonParser) number() (float64, error) {
	s := p.s
	start := s.pos
	i := start
	for {
		for i < s.end && isNumberByte(s.buf[i]) {
			i++
		}
		if i < s.end || i-start > maxToken {
			break
		}
		off := i - start
		more := s.fill(start)
		start = s.pos
		i = start + off
		if !more {
			break
		}
	}
	tok := s.buf[start:i]
	v, ok := parseJSONNumber(tok)
	if !ok || len(tok) > maxToken {
		return 0, p.errAt(s.offset(start), "invalid JSON: bad number %q", truncate(tok))
	}
	s.pos = i
	return v, nil
}

func isNumberByte(c byte) bool {
	return isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// string reads a JSON string starting at '"'. With keep, the decoded text
// goes to p.str (at most 64 bytes of it; the rest is validated only).
func (p *jsonParser) string(keep bool) error {
	s := p.s
	s.pos++ // '"'
	p.str = p.str[:0]
	put := func(b ...byte) {
		if keep && len(p.str) < 64 {
			p.str = append(p.str, b...)
		}
	}
	for {
		if s.pos == s.end && !s.fill(s.pos) {
			return p.unexpected(0, false)
		}
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c < 0x20:
			return p.errAt(p.here(), "invalid JSON: control character 0x%02x in string", c)
		case c != '\\':
			put(c)
			s.pos++
			continue
		}
		// An escape: make sure it is all in the buffer.
		for s.end-s.pos < 6 && s.fill(s.pos) {
		}
		at := p.here()
		if s.end-s.pos < 2 {
			return p.unexpected(0, false)
		}
		e := s.buf[s.pos+1]
		switch e {
		case '"', '\\', '/':
			put(e)
		case 'b':
			put('\b')
		case 'f':
			put('\f')
		case 'n':
			put('\n')
		case 'r':
			put('\r')
		case 't':
			put('\t')
		case 'u':
			r, ok := hex4(s.buf[s.pos+2 : s.end])
			if !ok {
				return p.errAt(at, "invalid JSON: bad \\u escape in string")
			}
			s.pos += 6
			if utf16.IsSurrogate(r) {
				// Combine with a following \uDC00-\uDFFF if there is one.
				for s.end-s.pos < 6 && s.fill(s.pos) {
				}
				if s.end-s.pos >= 6 && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
					if r2, ok := hex4(s.buf[s.pos+2 : s.end]); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							s.pos += 6
							r = d
						}
					}
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			put(utf8.AppendRune(nil, r)...)
			continue
		default:
			return p.errAt(at, "invalid JSON: bad escape \\%c in string", rune(e))
		}
		s.pos += 2
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// literal consumes true, false or null.
func (p *jsonParser) literal(word string) error {
	s := p.s
	for s.end-s.pos < len(word) && s.fill(s.pos) {
	}
	for i := 0; i < len(word); i++ {
		if s.pos+i >= s.end {
			s.pos += i
			return p.unexpected(0, false)
		}
		if c := s.buf[s.pos+i]; c != word[i] {
			s.pos += i
			return p.unexpected(c, true)
		}
	}
	s.pos += len(word)
	return nil
}

// skipValue consumes any JSON value, validating it.
func (p *jsonParser) skipValue(depth int) error {
	if depth > maxDepth {
		return p.errAt(p.here(), "invalid JSON: nested too deeply")
	}
	c, ok := p.ws()
	if !ok {
		return p.unexpected(c, ok)
	}
	switch {
	case c == '"':
		return p.string(false)
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || isDigit(c):
		_, err := p.number()
		return err
	case c == '[':
		p.s.pos++
		if c, ok := p.ws(); ok && c == ']' {
			p.s.pos++
			return nil
		}
		for {
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			c, ok := p.ws()
			if ok && c == ',' {
				p.s.pos++
				continue
			}
			if ok && c == ']' {
				p.s.pos++
				return nil
			}
			return p.unexpected(c, ok)
		}
	case c == '{':
		p.s.pos++
		if c, ok := p.ws(); ok && c == '}' {
			p.s.pos++
			return nil
		}
		for {
			c, ok := p.ws()
			if !ok || c != '"' {
				return p.unexpected(c, ok)
			}
			if err := p.string(false); err != nil {
				return err
			}
			if err := p.expect(':'); err != nil {
				return err
			}
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			c, ok = p.ws()
			if ok && c == ',' {
				p.s.pos++
				continue
			}
			if ok && c == '}' {
				p.s.pos++
				return nil
			}
			return p.unexpected(c, ok)
		}
	}
	return p.unexpected(c, ok)
}

// describeValue names the (valid) JSON value starting with c for an error
// message, consuming it; strings are quoted, at most 64 bytes of them.
func (p *jsonParser) describeValue(c byte) (string, error) {
	switch c {
	case '"':
		if err := p.string(true); err != nil {
			return "", err
		}
		return fmt.Sprintf("%q", p.str), nil
	case 't', 'f', 'n':
		word := map[byte]string{'t': "true", 'f': "false", 'n': "null"}[c]
		if err := p.literal(word); err != nil {
			return "", err
		}
		return word, nil
	case '[':
		return "an array", p.skipValue(0)
	case '{':
		return "an object", p.skipValue(0)
	}
	if c == '-' || isDigit(c) {
		if _, err := p.number(); err != nil {
			return "", err
		}
		return "a number", nil
	}
	return "", p.unexpected(c, true)
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", rune(c))
	}
	if c == '\n' {
		return "newline"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// collectSink gathers the numbers of one task in memory.
type collectSink struct {
	xs    []float64
	tasks int
}

func (c *collectSink) begin() error { c.tasks++; return nil }
func (c *collectSink) add(xs []float64) error {
	c.xs = append(c.xs, xs...)
	return nil
}
func (c *collectSink) end() error { return nil }

// ErrTooMany ends ParseJSONLimit at an input with more numbers than its
// limit.
var ErrTooMany = errors.New("too many numbers")

// limitSink collects numbers up to a limit.
type limitSink struct {
	collectSink
	limit int
}

func (c *limitSink) add(xs []float64) error {
	if len(c.xs)+len(xs) > c.limit {
		return fmt.Errorf("%w: more than %d", ErrTooMany, c.limit)
	}
	return c.collectSink.add(xs)
}

// ParseJSONLimit is ParseJSON for inputs of at most limit numbers: past
// the limit it stops parsing (within a chunk of it) and returns an error
// wrapping ErrTooMany, having held no more than that many numbers.
func ParseJSONLimit(data []byte, limit int) ([]float64, error) {
	c := &limitSink{collectSink: collectSink{xs: []float64{}}, limit: limit}
	p := newJSONParser(newSrc(bytes.NewReader(data), 0, -1), false, c)
	if err := p.document(); err != nil {
		return nil, resolveInMemory(err, "")
	}
	return c.xs, nil
}
