package procs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/imgpar/imgpar/engine"
)

// Temp files carry their writer's pid after engine.TempPrefix
// (".imgpar-tmp-<pid>-..."): a worker's atomic writes and the primary's
// part files. Whether that process still runs is a process matter, so the
// sweeps live here.

// RemoveTemps removes the temp files that the process pid left in dir and
// returns how many it removed.
func RemoveTemps(dir string, pid int) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	prefix := engine.TempPrefix + strconv.Itoa(pid) + "-"
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
		rest, ok := strings.CutPrefix(e.Name(), engine.TempPrefix)
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
