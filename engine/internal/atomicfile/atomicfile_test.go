package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "a.txt")
	var seen string
	n, err := Write(out, func(w io.Writer) error {
		ents, _ := os.ReadDir(filepath.Dir(out))
		if len(ents) != 1 {
			t.Fatalf("want one temp file while writing, got %d", len(ents))
		}
		seen = ents[0].Name()
		_, err := io.WriteString(w, "hello")
		return err
	})
	if err != nil || n != 5 {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if want := TempPrefix + strconv.Itoa(os.Getpid()) + "-"; !strings.HasPrefix(seen, want) {
		t.Errorf("temp file %q does not start with %q", seen, want)
	}
	if b, _ := os.ReadFile(out); string(b) != "hello" {
		t.Errorf("content %q", b)
	}

	// A failing writer leaves the old file as it was and no temp file.
	boom := errors.New("boom")
	if _, err := Write(out, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "hello" {
		t.Errorf("old content changed to %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Errorf("%d files left, want only a.txt", len(ents))
	}
}
