package numbers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/imgpar/imgpar/engine/internal/atomicfile"
)

// Format is the layout of a number file, known from its extension.
type Format int

const (
	JSONArray Format = iota // .json: an array of numbers, or an object with a "numbers" or "payload" array
	NDJSON                  // .ndjson, .jsonl: one such value per line, each its own task
	Text                    // .csv, .tsv, .txt: numbers separated by commas, tabs, spaces or newlines
)

// FormatOf returns the format of a number file by its extension
// (case-insensitive), and false if path is not named as a number file.
func FormatOf(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return JSONArray, true
	case ".ndjson", ".jsonl":
		return NDJSON, true
	case ".csv", ".tsv", ".txt":
		return Text, true
	}
	return 0, false
}

// OutputExt is the extension of the output for an input of format f:
// ".ndjson" for NDJSON (one result object per line), ".json" otherwise.
func OutputExt(f Format) string {
	if f == NDJSON {
		return ".ndjson"
	}
	return ".json"
}

// Range is a byte range [Start, End) of a text file; End == 0 means to the
// end of the file.
type Range struct{ Start, End int64 }

// FileResult is what processing a file (or a range of one) did.
type FileResult struct {
	Count    int64 // numbers processed
	BytesIn  int64 // input bytes
	BytesOut int64 // output bytes written
}

func normThreads(threads int) int {
	if threads <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return threads
}

// ProcessFile runs o on the number file in and writes the result to out:
// {"result":[...]} for a map operation or {"stats":{...}} for stats, one
// such object per line for NDJSON, each followed by a newline. The input is
// streamed in chunks, so memory stays bounded for map operations on files
// of any size (stats keeps the numbers, 8 bytes each, for the percentiles).
// out is written atomically: to a temporary file (".imgpar-tmp-*") in its
// directory, renamed into place; on any error there is no output. A bad
// number or malformed JSON gives a *ParseError: "PATH:LINE:COL: MSG".
func ProcessFile(ctx context.Context, in, out string, o Options, threads int) (FileResult, error) {
	var res FileResult
	o, err := o.normalize()
	if err != nil {
		return res, err
	}
	format, ok := FormatOf(in)
	if !ok {
		return res, fmt.Errorf("%s: not a number file (want .json, .ndjson, .jsonl, .csv, .tsv or .txt)", in)
	}
	f, size, err := openInput(in)
	if err != nil {
		return res, err
	}
	defer f.Close()
	res.BytesIn = size
	threads = normThreads(threads)
	var sk countingSink
	n, err := writeAtomic(out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, writeBufSize(size))
		inner, err := newSink(ctx, bw, o, threads, true)
		if err != nil {
			return err
		}
		s := newSrcSized(f, 0, -1, size)
		as := newAsyncSink(inner, s.chunkCap())
		sk = as
		switch format {
		case JSONArray:
			err = newJSONParser(s, false, as).document()
		case NDJSON:
			err = newJSONParser(s, true, as).lines()
		default:
			if err = as.begin(); err == nil {
				if err = runText(newTextParser(s, atLineStart, true), as); err == nil {
					err = as.end()
				}
			}
		}
		if cerr := as.close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return res, inputError(err, in, f, 0)
	}
	res.BytesOut = n
	res.Count = sk.count()
	return res, nil
}

// ProcessRange runs the map operation o.Op on the numbers of range r of the
// text file in (r from Split) and writes their results to partOut,
// comma-separated, without brackets, atomically; Assemble joins the parts.
// Line numbers in errors are those of the whole file. A JSON file can only
// be processed as the whole-file range Split gives it; NDJSON files and the
// stats operation need ProcessFile.
func ProcessRange(ctx context.Context, in string, r Range, partOut string, o Options, threads int) (FileResult, error) {
	var res FileResult
	o, err := o.normalize()
	if err != nil {
		return res, err
	}
	if !o.Op.IsMap() {
		return res, fmt.Errorf("%s: the %s operation needs the whole file; use ProcessFile", in, o.Op)
	}
	format, ok := FormatOf(in)
	if !ok {
		return res, fmt.Errorf("%s: not a number file (want .json, .ndjson, .jsonl, .csv, .tsv or .txt)", in)
	}
	if format == NDJSON {
		return res, fmt.Errorf("%s: an NDJSON file gives one result per line and cannot be processed by range; use ProcessFile", in)
	}
	f, size, err := openInput(in)
	if err != nil {
		return res, err
	}
	defer f.Close()
	start, end := r.Start, r.End
	if end == 0 {
		end = size
	}
	if start < 0 || start > end || end > size {
		return res, fmt.Errorf("%s: range [%d,%d) is outside the file (%d bytes)", in, r.Start, r.End, size)
	}
	if format == JSONArray && (start != 0 || end != size) {
		return res, fmt.Errorf("%s: a JSON file cannot be split; process the whole file", in)
	}
	state := atLineStart
	if format == Text {
		if state, err = rangeStartState(f, start); err != nil {
			return res, fmt.Errorf("%s: %w", in, err)
		}
		if end < size {
			if sep, err := byteIsSep(f, end-1); err != nil || !sep {
				return res, fmt.Errorf("%s: range [%d,%d) does not end after a separator (use Split)", in, start, end)
			}
		}
	}
	res.BytesIn = end - start
	threads = normThreads(threads)
	var sk countingSink
	n, err := writeAtomic(partOut, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, writeBufSize(end-start))
		inner, err := newSink(ctx, bw, o, threads, false)
		if err != nil {
			return err
		}
		s := newSrcSized(io.NewSectionReader(f, start, end-start), start, -1, end-start)
		as := newAsyncSink(inner, s.chunkCap())
		sk = as
		if format == JSONArray {
			err = newJSONParser(s, false, as).document()
		} else {
			err = runText(newTextParser(s, state, end == size), as)
		}
		if cerr := as.close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return res, inputError(err, in, f, start)
	}
	res.BytesOut = n
	res.Count = sk.count()
	return res, nil
}

// Assemble writes {"result":[...]} to out from the parts written by
// ProcessRange, in order, skipping empty ones, atomically; then it removes
// the parts. It returns the bytes written.
func Assemble(out string, parts []string) (int64, error) {
	n, err := writeAtomic(out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		bw.WriteString(`{"result":[`)
		first := true
		for _, part := range parts {
			f, err := os.Open(part)
			if err != nil {
				return fmt.Errorf("assemble %s: %w", out, err)
			}
			fi, err := f.Stat()
			if err == nil && fi.Size() > 0 {
				if !first {
					bw.WriteByte(',')
				}
				first = false
				_, err = io.Copy(bw, f)
			}
			f.Close()
			if err != nil {
				return fmt.Errorf("assemble %s from %s: %w", out, part, err)
			}
		}
		bw.WriteString("]}\n")
		return bw.Flush()
	})
	if err != nil {
		return 0, err
	}
	for _, part := range parts {
		if err := os.Remove(part); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, fmt.Errorf("remove part %s: %w", part, err)
		}
	}
	return n, nil
}

// ProcessValues runs o on xs (which it does not modify) and returns
// {"result":[...]} or {"stats":{...}} as JSON, without a trailing newline:
// the same numbers, printed the same way, as ProcessFile. A map operation
// stops early with ctx's error when ctx is done.
func ProcessValues(ctx context.Context, xs []float64, o Options, threads int) ([]byte, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	if o.Op == OpStats {
		st := ComputeStats(xs)
		return append(st.appendJSON([]byte(`{"stats":`)), '}'), nil
	}
	m, err := NewMapper(o)
	if err != nil {
		return nil, err
	}
	ys := slices.Clone(xs)
	if err := m.ApplyContext(ctx, ys, normThreads(threads)); err != nil {
		return nil, err
	}
	return appendResult(make([]byte, 0, 16+8*len(ys)), ys), nil
}

func openInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: is a directory", path)
	}
	return f, fi.Size(), nil
}

// runText feeds the numbers of a text parser to a sink in chunks.
func runText(p *textParser, sk sink) error {
	buf := make([]float64, 0, p.s.chunkCap())
	for {
		var err error
		buf, err = p.next(buf[:0])
		if len(buf) > 0 {
			if aerr := sk.add(buf); aerr != nil {
				return aerr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// inputError gives the error for processing the input path, which f reads,
// from a parser that started at offset start: a parse error becomes a
// *ParseError with the true line and column in the file.
func inputError(err error, path string, f io.ReaderAt, start int64) error {
	var pe *posError
	var re *readError
	switch {
	case errors.As(err, &pe):
		if start == 0 && pe.lineStart >= 0 {
			return &ParseError{Path: path, Line: pe.line, Col: pe.off - pe.lineStart + 1, Msg: pe.msg}
		}
		line, col, lerr := locate(f, pe.off)
		if lerr != nil {
			return &ParseError{Path: path, Msg: fmt.Sprintf("offset %d: %s", pe.off, pe.msg)}
		}
		return &ParseError{Path: path, Line: line, Col: col, Msg: pe.msg}
	case errors.As(err, &re):
		return fmt.Errorf("read %s: %w", path, re.err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", path, err)
	}
	return err
}

// locate returns the 1-based line and byte column of offset off in f,
// reading f up to off (only on the error path). Columns on the first line
// do not count a byte order mark.
func locate(f io.ReaderAt, off int64) (line, col int64, err error) {
	buf := make([]byte, 64<<10)
	line = 1
	lineStart := int64(0)
	for pos := int64(0); pos < off; {
		n := int(min(int64(len(buf)), off-pos))
		m, err := f.ReadAt(buf[:n], pos)
		if m < n {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, err
		}
		if pos == 0 && n >= len(utf8BOM) && string(buf[:3]) == string(utf8BOM) {
			lineStart = int64(len(utf8BOM))
		}
		chunk := buf[:n]
		for {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				break
			}
			line++
			lineStart = pos + int64(n-len(chunk)+i) + 1
			chunk = chunk[i+1:]
		}
		pos += int64(n)
	}
	return line, off - lineStart + 1, nil
}

// rangeStartState is the text parser's state at offset start, from the
// bytes before it: at a line start, after a comma, or after a number.
func rangeStartState(f io.ReaderAt, start int64) (textState, error) {
	if start == 0 {
		return atLineStart, nil
	}
	if sep, err := byteIsSep(f, start-1); err != nil {
		return 0, err
	} else if !sep {
		return 0, fmt.Errorf("range start %d is not after a separator (use Split)", start)
	}
	var bom [3]byte
	hasBOM := false
	if n, _ := f.ReadAt(bom[:], 0); n == 3 && string(bom[:]) == string(utf8BOM) {
		hasBOM = true
	}
	buf := make([]byte, 4096)
	for pos := start; pos > 0; {
		n := int(min(int64(len(buf)), pos))
		pos -= int64(n)
		if m, err := f.ReadAt(buf[:n], pos); m < n {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			switch buf[i] {
			case ' ', '\t', '\r':
				continue
			case '\n':
				return atLineStart, nil
			case ',':
				return afterComma, nil
			}
			if hasBOM && pos+int64(i) < 3 {
				return atLineStart, nil
			}
			return inField, nil
		}
	}
	return atLineStart, nil
}

func byteIsSep(f io.ReaderAt, off int64) (bool, error) {
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return false, err
	}
	return sepClass[b[0]], nil
}

// writeAtomic writes out through fn by way of a temporary file (named with
// this process's pid, so that a primary can clean up after a killed worker)
// renamed into place; on error it removes the temporary file. It returns the
// bytes written; errors name out.
func writeAtomic(out string, fn func(w io.Writer) error) (int64, error) {
	n, err := atomicfile.Write(out, func(w io.Writer) error {
		return fn(&namingWriter{w: w, path: out})
	})
	if err != nil {
		var ce *writeError
		if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
			return 0, err
		}
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Op == "mkdir" {
			return 0, fmt.Errorf("create output directory: %w", err)
		}
		return 0, fmt.Errorf("write %s: %w", out, err)
	}
	return n, nil
}

// writeError is a write to the output that failed, already naming it.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// namingWriter makes write errors name the output.
type namingWriter struct {
	w    io.Writer
	path string
}

func (c *namingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		err = &writeError{fmt.Errorf("write %s: %w", c.path, err)}
	}
	return n, err
}
