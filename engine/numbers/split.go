package numbers

import (
	"bytes"
	"fmt"
	"io"
)

// Split divides a text number file into at most parts byte ranges of about
// equal size, for ProcessRange on several workers. Each boundary is placed
// just after a separator and just before a number or a comment, never
// inside a token or a comment, so the ranges parse to exactly the numbers of
// the whole file. A small file may give fewer ranges; JSON and NDJSON files,
// and parts <= 1, give the single range {0, 0} (the whole file). The last
// range always ends at 0 (the end of the file).
//
// Split does not judge whether splitting pays: for heavy on fractional
// values even a file of a few kilobytes is worth splitting.
func Split(path string, parts int) ([]Range, error) {
	format, ok := FormatOf(path)
	if !ok {
		return nil, fmt.Errorf("%s: not a number file (want .json, .ndjson, .jsonl, .csv, .tsv or .txt)", path)
	}
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	whole := []Range{{0, 0}}
	if format != Text || parts <= 1 || size == 0 {
		return whole, nil
	}
	bf := &blockReader{f: f, size: size}
	if bf.hasBOM, err = bf.startsWithBOM(); err != nil {
		return nil, fmt.Errorf("split %s: %w", path, err)
	}
	parts = int(min(int64(parts), size))
	var ranges []Range
	prev := int64(0)
	for i := 1; i < parts; i++ {
		target := size * int64(i) / int64(parts)
		if target <= prev {
			continue
		}
		b, err := bf.boundaryFrom(target)
		if err != nil {
			return nil, fmt.Errorf("split %s: %w", path, err)
		}
		if b >= size {
			break
		}
		ranges = append(ranges, Range{prev, b})
		prev = b
	}
	return append(ranges, Range{prev, 0}), nil
}

// blockReader reads a file in blocks for Split.
type blockReader struct {
	f      io.ReaderAt
	size   int64
	hasBOM bool
	buf    [64 << 10]byte
}

func (r *blockReader) startsWithBOM() (bool, error) {
	var b [3]byte
	n, err := r.f.ReadAt(b[:], 0)
	if n < 3 {
		if err == io.EOF {
			err = nil
		}
		return false, err
	}
	return bytes.Equal(b[:], utf8BOM), nil
}

// read returns the bytes [off, min(off+len(buf), size)).
func (r *blockReader) read(off int64) ([]byte, error) {
	n := int(min(int64(len(r.buf)), r.size-off))
	m, err := r.f.ReadAt(r.buf[:n], off)
	if m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return r.buf[:n], nil
}

// tokenStart reports whether a token starting at off (preceded by prev)
// starts at a token boundary: at the start of the file (after a byte order
// mark) or after a separator.
func (r *blockReader) tokenStart(off int64, prev byte) bool {
	return off == 0 || (r.hasBOM && off == 3) || sepClass[prev]
}

// boundaryFrom returns the first offset p >= from with a separator before it
// and a token or comment start at it that is not inside a comment; size if
// there is none.
func (r *blockReader) boundaryFrom(from int64) (int64, error) {
	p := max(from, 1)
	for p < r.size {
		// Scan forward from p-1 for separator followed by non-separator.
		blk, err := r.read(p - 1)
		if err != nil {
			return 0, err
		}
		found := int64(-1)
		for i := 1; i < len(blk); i++ {
			if sepClass[blk[i-1]] && !sepClass[blk[i]] {
				found = p - 1 + int64(i)
				break
			}
		}
		if found < 0 {
			p += int64(len(blk)) - 1
			if len(blk) <= 1 {
				return r.size, nil
			}
			continue
		}
		in, err := r.inComment(found)
		if err != nil {
			return 0, err
		}
		if !in {
			return found, nil
		}
		// Skip to the end of the comment's line.
		eol, err := r.indexNewline(found)
		if err != nil {
			return 0, err
		}
		p = eol + 1
	}
	return r.size, nil
}

// inComment reports whether offset p lies in a comment that started earlier
// on its line (a '#' at a token start).
func (r *blockReader) inComment(p int64) (bool, error) {
	end := p
	for end > 0 {
		start := max(0, end-int64(len(r.buf)))
		blk, err := r.read(start)
		if err != nil {
			return false, err
		}
		blk = blk[:end-start]
		lineStart := bytes.LastIndexByte(blk, '\n') + 1 // 0 if none
		seg := blk[lineStart:]
		for i := bytes.IndexByte(seg, '#'); i >= 0; {
			off := start + int64(lineStart+i)
			var prev byte
			if lineStart+i > 0 {
				prev = blk[lineStart+i-1]
			} else if off > 0 {
				var b [1]byte
				if _, err := r.f.ReadAt(b[:], off-1); err != nil {
					return false, err
				}
				prev = b[0]
			}
			if r.tokenStart(off, prev) {
				// This comment may itself start inside an earlier one,
				// but either way p is in a comment.
				return true, nil
			}
			j := bytes.IndexByte(seg[i+1:], '#')
			if j < 0 {
				break
			}
			i += 1 + j
		}
		if lineStart > 0 || start == 0 {
			return false, nil
		}
		end = start
	}
	return false, nil
}

// indexNewline returns the offset of the first newline at or after p, or
// size.
func (r *blockReader) indexNewline(p int64) (int64, error) {
	for p < r.size {
		blk, err := r.read(p)
		if err != nil {
			return 0, err
		}
		if i := bytes.IndexByte(blk, '\n'); i >= 0 {
			return p + int64(i), nil
		}
		p += int64(len(blk))
	}
	return r.size, nil
}
