package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	_ "golang.org/x/image/webp"

	"github.com/imgpar/imgpar/procs"
)

// TestMain lets the test binary act as the imgpar command in scripts, and as
// a worker when the primary re-executes it (os.Executable() is this binary).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == procs.WorkerCommand {
		os.Exit(Main())
	}
	testscript.Main(m, map[string]func(){
		"imgpar": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real command, with real worker processes.
func TestScripts(t *testing.T) {
	t.Parallel()
	photos, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", photos)
			env.Setenv("CI", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":   cmdExitCode,
			"waitfiles":  cmdWaitFiles,
			"killworker": cmdKillWorker,
			"noworkers":  cmdNoWorkers,
			"copyn":      cmdCopyN,
			"countfiles": cmdCountFiles,
			"jsonfield":  cmdJSONField,
			"imgsize":    cmdImgSize,
		},
	})
}

// exitcode N prog args...: run prog and check its exit status is N; its
// stdout and stderr become the script's.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog args...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%v", err)
		}
		got = ee.ExitCode()
	}
	if (got == want) == neg {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// scriptWaitLimit bounds the waits of waitfiles and killworker: far above
// what a run needs even on a busy machine, so that only a hang reaches it.
const scriptWaitLimit = 3 * time.Minute

// waitfiles DIR N: wait until DIR holds at least N files.
func cmdWaitFiles(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	deadline := time.Now().Add(scriptWaitLimit)
	for time.Now().Before(deadline) {
		if countFiles(dir) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s holds %d files after %v, want %d", dir, countFiles(dir), scriptWaitLimit, n)
}

func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	return n
}

// countfiles DIR N: DIR holds exactly N files (dot files ignored).
func cmdCountFiles(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got := countFiles(ts.MkAbs(args[0])); (got == n) == neg {
		ts.Fatalf("%s holds %d files, want %d", args[0], got, n)
	}
}

// workersOf lists the pids of worker processes whose primary's command line
// mentions marker.
func workersOf(marker string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		args := procArgs(pid)
		if len(args) < 2 || args[1] != procs.WorkerCommand {
			continue
		}
		if strings.Contains(strings.Join(procArgs(parentOf(pid)), " "), marker) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func procArgs(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// killworker MARKER PIDFILE: SIGKILL one worker of the primary whose command
// line contains MARKER, after waiting for it to have workers; every worker pid
// seen is appended to PIDFILE for noworkers.
func cmdKillWorker(ts *testscript.TestScript, neg bool, args []string) {
	if runtime.GOOS != "linux" {
		ts.Fatalf("killworker reads /proc: guard the script with [linux]")
	}
	marker := ts.MkAbs(args[0])
	deadline := time.Now().Add(scriptWaitLimit)
	for time.Now().Before(deadline) {
		pids := workersOf(marker)
		if len(pids) > 0 {
			recordPIDs(ts, args[1], pids)
			ts.Check(syscall.Kill(pids[0], syscall.SIGKILL))
			ts.Logf("killed worker %d", pids[0])
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("no worker process of %s found", marker)
}

func recordPIDs(ts *testscript.TestScript, file string, pids []int) {
	f, err := os.OpenFile(ts.MkAbs(file), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	ts.Check(err)
	defer f.Close()
	for _, p := range pids {
		fmt.Fprintln(f, p)
	}
}

// noworkers PIDFILE: every pid recorded in PIDFILE is gone (waits up to 5s).
func cmdNoWorkers(ts *testscript.TestScript, neg bool, args []string) {
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	deadline := time.Now().Add(5 * time.Second)
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		for processAlive(pid) {
			if time.Now().After(deadline) {
				ts.Fatalf("worker %d is still running", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" // a zombie is dead, not yet reaped
}

// copyn SRCDIR DSTDIR N: copy every file of SRCDIR into DSTDIR N times
// (name_k.ext), to make a larger real input set.
func cmdCopyN(ts *testscript.TestScript, neg bool, args []string) {
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	ents, err := os.ReadDir(src)
	ts.Check(err)
	ts.Check(os.MkdirAll(dst, 0o755))
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		ts.Check(err)
		ext := filepath.Ext(e.Name())
		base := strings.TrimSuffix(e.Name(), ext)
		for k := 0; k < n; k++ {
			ts.Check(os.WriteFile(filepath.Join(dst, fmt.Sprintf("%s_%03d%s", base, k, ext)), data, 0o644))
		}
	}
}

// jsonfield FILE KEY OP VALUE: a top-level number field of the JSON object in
// FILE compared with VALUE (OP is ==, >=, <=).
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: jsonfield FILE KEY OP VALUE")
	}
	data := ts.ReadFile(args[0])
	got, ok := jsonNumber([]byte(data), args[1])
	if !ok {
		ts.Fatalf("no number field %q in %s", args[1], args[0])
	}
	want, err := strconv.ParseFloat(args[3], 64)
	ts.Check(err)
	var res bool
	switch args[2] {
	case "==":
		res = got == want
	case ">=":
		res = got >= want
	case "<=":
		res = got <= want
	default:
		ts.Fatalf("unknown op %s", args[2])
	}
	if res == neg {
		ts.Fatalf("%s: %s = %v, want %s %s", args[0], args[1], got, args[2], args[3])
	}
}

func jsonNumber(data []byte, key string) (float64, bool) {
	// The report is a flat object at the top level; find the last line that
	// is a JSON object (events may precede it).
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	var m map[string]any
	if err := json.Unmarshal(lines[len(lines)-1], &m); err != nil {
		return 0, false
	}
	v, ok := m[key].(float64)
	return v, ok
}

// imgsize FILE W H: FILE is an image of W x H pixels, as the standard
// library's decoders (and x/image's for WebP) read its header.
func cmdImgSize(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: imgsize FILE W H")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	c, _, err := image.DecodeConfig(f)
	ts.Check(err)
	got := fmt.Sprintf("%dx%d", c.Width, c.Height)
	if want := args[1] + "x" + args[2]; (got == want) == neg {
		ts.Fatalf("%s is %s, want %s", args[0], got, want)
	}
}
