package engine

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TempPrefix starts the name of every temporary file imgpar writes next to an
// output. The worker's pid follows it, so that the primary can remove what a
// killed worker left behind.
const TempPrefix = ".imgpar-tmp-"

// TempPattern is the os.CreateTemp pattern for a temp file of this process.
func TempPattern() string { return TempPrefix + strconv.Itoa(os.Getpid()) + "-*" }

// WriteAtomic writes path by way of a temp file in the same directory that is
// renamed into place only once it is complete: path is either absent (or
// left as it was) or complete, never half-written. It returns the bytes
// written.
func WriteAtomic(path string, write func(w io.Writer) error) (int64, error) {
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
	bw := bufio.NewWriterSize(cw, 256<<10)
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

// RemoveTemps removes the temp files that the process pid left in dir and
// returns how many it removed.
func RemoveTemps(dir string, pid int) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	prefix := TempPrefix + strconv.Itoa(pid) + "-"
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// ioError turns an OS error into a one-line message naming the file.
func ioError(op, path string, err error) Result {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Fail(CodeIO, "%s: %s: %v", path, op, err)
}
