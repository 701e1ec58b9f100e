// Package atomicfile writes a file by way of a temporary file in the same
// directory, renamed into place once complete, so that the file is either
// absent (or as it was) or complete, never half-written. The temporary
// file's name carries the writer's pid, so that the process that started
// the writer can remove what a killed writer left behind.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// TempPrefix starts the name of every temporary file; the writer's pid and
// a dash follow it.
const TempPrefix = ".imgpar-tmp-"

// TempPattern is the os.CreateTemp pattern for a temporary file of this
// process.
func TempPattern() string { return TempPrefix + strconv.Itoa(os.Getpid()) + "-*" }

// Write creates path's directory if needed, streams write's output through
// a buffer into a temporary file there, and renames it to path. It returns
// the bytes written. On any error the temporary file is removed and path is
// left as it was.
func Write(path string, write func(w io.Writer) error) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(dir, TempPattern())
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	cw := &countWriter{w: f}
	bw := bufio.NewWriterSize(cw, 64<<10)
	if err := write(bw); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := f.Chmod(0o644); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	ok = true
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
