package numbers

import (
	"fmt"
	"io"
	"strconv"
)

const (
	srcBufSize = 256 << 10
	// maxToken bounds a number token; a longer run of non-separators is
	// reported as not a number (no JavaScript number needs 64 KiB of digits).
	maxToken = 64 << 10
	// chunkLen is how many numbers are parsed before they are mapped and
	// written, which bounds memory for files of any size.
	chunkLen = 1 << 16
)

// src is a buffered reader for the parsers: they scan buf[pos:end] directly
// and call fill to get more, keeping the bytes of a token in progress.
type src struct {
	r      io.Reader
	buf    []byte
	pos    int   // next unread byte
	end    int   // end of the valid bytes
	base   int64 // input offset of buf[0]
	remain int64 // bytes still to be read before the range ends; < 0: no limit
	size   int64 // bytes in the input if known, else -1
	err    error // read error other than io.EOF
	eof    bool
}

func newSrc(r io.Reader, base, limit int64) *src {
	return newSrcSized(r, base, limit, -1)
}

// newSrcSized is newSrc for an input known to hold size bytes (-1: unknown):
// a small input gets buffers to its measure, so that thousands of tiny
// files do not each allocate megabytes (and keep the collector busy).
func newSrcSized(r io.Reader, base, limit, size int64) *src {
	n := srcBufSize
	if size >= 0 && size < srcBufSize {
		n = max(int(size)+1, 512)
	}
	return &src{r: r, buf: make([]byte, n), base: base, remain: limit, size: size}
}

// chunkCap is the capacity of the number chunks parsed from this input: a
// text of size bytes holds at most size/2+1 numbers.
func (s *src) chunkCap() int {
	if s.size >= 0 {
		return int(min(int64(chunkLen), s.size/2+1))
	}
	return chunkLen
}

// writeBufSize sizes an output buffer for an input of size bytes.
func writeBufSize(size int64) int {
	if size >= 0 && size < 64<<10 {
		return 4 << 10
	}
	return 256 << 10
}

// offset returns the input offset of buf[i].
func (s *src) offset(i int) int64 { return s.base + int64(i) }

// fill drops the bytes before buf[keep] (keep <= pos) and reads more. It
// returns false if there is nothing more to read; s.err tells a read error
// from the end of the input.
func (s *src) fill(keep int) bool {
	if s.eof {
		return false
	}
	if keep > 0 {
		copy(s.buf, s.buf[keep:s.end])
		s.end -= keep
		s.pos -= keep
		s.base += int64(keep)
	}
	for {
		want := len(s.buf) - s.end
		if s.remain >= 0 && int64(want) > s.remain {
			want = int(s.remain)
		}
		if want == 0 {
			s.eof = true
			return false
		}
		n, err := s.r.Read(s.buf[s.end : s.end+want])
		s.end += n
		if s.remain >= 0 {
			s.remain -= int64(n)
		}
		if err != nil {
			if err != io.EOF {
				s.err = &readError{err}
			}
			s.eof = true
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// ParseError is a bad number file: a token that is not a number, or
// malformed JSON. Error() gives "PATH:LINE:COL: MSG", the parts that are
// known (Line and Col are 1-based and count bytes; 0 when unknown).
type ParseError struct {
	Path      string
	Line, Col int64
	Msg       string
}

func (e *ParseError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		if loc != "" {
			loc += ":"
		}
		loc += strconv.FormatInt(e.Line, 10) + ":" + strconv.FormatInt(e.Col, 10)
	}
	if loc == "" {
		return e.Msg
	}
	return loc + ": " + e.Msg
}

// posError is a parse error at an input offset, with the line as counted
// by the parser since it started; lineStart < 0 means the line started
// before the parser did (a range that starts mid-line).
type posError struct {
	off, line, lineStart int64
	msg                  string
}

func (e *posError) Error() string {
	return fmt.Sprintf("offset %d: %s", e.off, e.msg)
}

// notNumberMsg is the message for a token that is not a number.
func notNumberMsg(tok []byte) string {
	const show = 64
	if len(tok) > show {
		return fmt.Sprintf("not a number: %q...", tok[:show])
	}
	return fmt.Sprintf("not a number: %q", tok)
}

// readError is a failure to read the input (as opposed to bad content).
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }
