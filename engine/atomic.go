package engine

import (
	"errors"
	"io"
	"os"

	"github.com/imgpar/imgpar/engine/internal/atomicfile"
)

// TempPrefix starts the name of every temporary file imgpar writes next to an
// output. The writer's pid follows it, so that the primary can remove what a
// killed worker left behind (procs.RemoveStaleTemps).
const TempPrefix = atomicfile.TempPrefix

// WriteAtomic writes path by way of a temp file in the same directory that is
// renamed into place only once it is complete: path is either absent (or
// left as it was) or complete, never half-written. It returns the bytes
// written.
func WriteAtomic(path string, write func(w io.Writer) error) (int64, error) {
	return atomicfile.Write(path, write)
}

// ioError turns an OS error into a one-line message naming the file.
func ioError(op, path string, err error) Result {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return FailFile(CodeIO, path, "%s: %v", op, err)
}
