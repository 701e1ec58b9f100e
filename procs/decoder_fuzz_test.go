package procs

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzDecoder feeds the protocol decoder arbitrary bytes, as a faulty or
// hostile worker could write them on its stdout: it must never panic or
// loop, every message it returns has a type, every error is io.EOF or a
// protocol error, and what it decodes survives a round trip through the
// Encoder unchanged.
func FuzzDecoder(f *testing.F) {
	seeds := []string{
		`{"type":"hello","version":1,"pid":42}` + "\n",
		`{"type":"hello","version":1,"threads":2}` + "\n",
		`{"type":"start","id":7}` + "\n",
		`{"type":"job","id":1,"job":{"kind":"image","input":"a.jpg","output":"out/a.jpg","est_bytes":1000,"image":{"width":800,"format":"jpeg","quality":80}}}` + "\n",
		`{"type":"job","id":2,"job":{"kind":"numbers","input":"n.json","output":"out/n.json","numbers":{"op":"heavy","rounds":1000000,"part":true,"start":10,"end":20}}}` + "\n",
		`{"type":"result","id":1,"result":{"ok":true,"bytes_in":10,"bytes_out":5,"width":800,"height":600,"ms":12,"sha256":"ab"}}` + "\n",
		`{"type":"result","id":3,"result":{"ok":false,"error":{"code":"decode","message":"a.jpg: not a valid JPEG"},"ms":1}}` + "\n",
		"\n\n" + `{"type":"start","id":1}` + "\r\n",
		`{"type":"start","id":1}`,                    // cut before its newline
		`{"type":"start","id":1}{"type":"x"}` + "\n", // two objects on a line
		`{"type":""}` + "\n",
		"not json\n",
		`{"type":"result","id":-1}` + "\n",
		`{"type":"result","id":1e999}` + "\n",
		`{"type":"hello","version":1,"pid":1,"type":"job"}` + "\n",
		"\x00\xff\xfe{\n",
		`"just a string"` + "\n",
		`[1,2,3]` + "\n",
		`{"type":"job","job":{"kind":"image","image":{"width":"800"}}}` + "\n",
		strings.Repeat(" ", 70000) + `{"type":"start","id":9}` + "\n", // longer than the read buffer
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewDecoder(bytes.NewReader(data))
		for n := 0; ; n++ {
			if n > len(data) {
				t.Fatalf("decoded %d messages from %d bytes: a loop", n, len(data))
			}
			m, err := dec.Decode()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrProtocol) {
					t.Fatalf("error %v is neither io.EOF nor a protocol error", err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error %q", err)
				}
				return
			}
			if m == nil || m.Type == "" {
				t.Fatalf("message %+v without a type and no error", m)
			}
			// Round trip: encode what was decoded, decode it again, encode
			// again: the two encodings are the same bytes.
			var b1 bytes.Buffer
			if err := NewEncoder(&b1).Encode(m); err != nil {
				t.Fatalf("encode %+v: %v", m, err)
			}
			if bytes.Count(b1.Bytes(), []byte("\n")) != 1 {
				t.Fatalf("encoded message is not one line: %q", b1.Bytes())
			}
			m2, err := NewDecoder(bytes.NewReader(b1.Bytes())).Decode()
			if err != nil {
				t.Fatalf("decode of an encoded message %q: %v", b1.Bytes(), err)
			}
			var b2 bytes.Buffer
			if err := NewEncoder(&b2).Encode(m2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
				t.Fatalf("round trip changed the message:\n%s%s", b1.Bytes(), b2.Bytes())
			}
		}
	})
}
