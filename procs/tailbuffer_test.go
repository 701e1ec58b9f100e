package procs

import (
	"bytes"
	"strings"
	"testing"
)

func TestTailBuffer(t *testing.T) {
	tb := newTailBuffer(3)
	for _, s := range []string{"one\ntwo\n", "thr", "ee\nfour\n", "partial"} {
		if n, err := tb.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	tb.Note("imgpar: note")
	if got := strings.Join(tb.Lines(), ","); got != "three,four,imgpar: note" {
		t.Errorf("lines = %q", got)
	}
	if got := tb.String(); got != "three | four | imgpar: note | partial" {
		t.Errorf("String = %q", got)
	}
	long := newTailBuffer(2)
	long.Write(bytes.Repeat([]byte("x"), 10000))
	if len(long.String()) > 4096 {
		t.Errorf("a line without newline grew to %d bytes", len(long.String()))
	}
}
