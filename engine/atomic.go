package engine

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/imgpar/imgpar/engine/internal/atomicfile"
)

// TempPrefix starts the name of every temporary file imgpar writes next to an
// output. The worker's pid follows it, so that the primary can remove what a
// killed worker left behind.
const TempPrefix = atomicfile.TempPrefix

// TempPattern is the os.CreateTemp pattern for a temp file of this process.
func TempPattern() string { return atomicfile.TempPattern() }

// WriteAtomic writes path by way of a temp file in the same directory that is
// renamed into place only once it is complete: path is either absent (or
// left as it was) or complete, never half-written. It returns the bytes
// written.
func WriteAtomic(path string, write func(w io.Writer) error) (int64, error) {
	return atomicfile.Write(path, write)
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

// RemoveStaleTemps removes the temp files in dir whose writer is no longer
// running (a worker killed together with its primary leaves one) and returns
// how many it removed. Temp files of live processes, such as another imgpar
// writing to the same directory, are left alone.
func RemoveStaleTemps(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), TempPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processRunning(pid) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// processRunning reports whether pid may still be running (when in doubt,
// yes: then its files are kept).
func processRunning(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	// Linux: a zombie (dead, its parent not told yet) is not running.
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X') {
			return false
		}
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false // Windows: no such process
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM) || runtime.GOOS == "windows"
}

// ioError turns an OS error into a one-line message naming the file.
func ioError(op, path string, err error) Result {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Fail(CodeIO, "%s: %s: %v", path, op, err)
}
