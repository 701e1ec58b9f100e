package procs

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// WorkerMain runs this process as a worker: it checks that a primary started
// it, protects the protocol channel from stray writes and serves jobs until
// stdin reaches EOF. It returns the process exit code.
func WorkerMain(ctx context.Context, exec ExecFunc) int {
	if os.Getenv(CookieEnv) != CookieValue {
		fmt.Fprintf(os.Stderr, "imgpar: %s is internal: imgpar starts it itself as a worker process; run \"imgpar process --help\" instead\n", WorkerCommand)
		return 2
	}
	// The primary decides when a worker stops: a Ctrl-C on a terminal (or a
	// service manager's SIGTERM to the whole group) reaches the workers too,
	// and must not kill the jobs the primary lets finish within --grace. The
	// primary closes stdin, kills, or dies (stdin EOF, PR_SET_PDEATHSIG).
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	out, err := protocolStdout()
	if err != nil {
		fmt.Fprintf(os.Stderr, "imgpar worker: %v\n", err)
		return 2
	}
	gcTune.enable()
	if err := WorkerLoop(ctx, os.Stdin, out, exec); err != nil {
		fmt.Fprintf(os.Stderr, "imgpar worker %d: %v\n", os.Getpid(), err)
		return 2
	}
	return 0
}
