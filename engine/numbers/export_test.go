package numbers

import (
	"bytes"
	"fmt"
	"io"
)

func (f Format) String() string {
	switch f {
	case JSONArray:
		return "json"
	case NDJSON:
		return "ndjson"
	case Text:
		return "text"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseText reads all the numbers of a text-format input (see FormatOf).
// Errors are *ParseError with the line and column of the bad token.
func ParseText(r io.Reader) ([]float64, error) {
	return readAllText(newTextParser(newSrc(r, 0, -1), atLineStart, true))
}

func readAllText(p *textParser) ([]float64, error) {
	var all []float64
	buf := make([]float64, 0, chunkLen)
	for {
		var err error
		buf, err = p.next(buf[:0])
		all = append(all, buf...)
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return nil, resolveInMemory(err, "")
		}
	}
}

// MarshalJSON prints the statistics as a JSON object with the keys count,
// sum, min, max, mean, stddev, p50, p90 and p99, numbers as AppendJS prints
// them.
func (s Stats) MarshalJSON() ([]byte, error) {
	return s.appendJSON(nil), nil
}

// ParseJSON returns the numbers of a JSON input: an array of numbers, or an
// object with a "numbers" or "payload" array. Errors are *ParseError with
// the line and column where the input goes wrong.
func ParseJSON(data []byte) ([]float64, error) {
	c := &collectSink{xs: []float64{}}
	p := newJSONParser(newSrc(bytes.NewReader(data), 0, -1), false, c)
	if err := p.document(); err != nil {
		return nil, resolveInMemory(err, "")
	}
	return c.xs, nil
}
