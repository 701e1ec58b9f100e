//go:build unix

package procs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// protocolStdout keeps the real fd 1 for protocol traffic and points fd 1
// (and os.Stdout) at stderr, so that a stray print anywhere in the worker,
// even from code that writes to fd 1 directly, cannot corrupt the channel.
func protocolStdout() (*os.File, error) {
	fd, err := unix.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("dup stdout: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.Dup2(2, 1); err != nil {
		return nil, fmt.Errorf("redirect stdout: %w", err)
	}
	os.Stdout = os.Stderr
	return os.NewFile(uintptr(fd), "protocol"), nil
}
