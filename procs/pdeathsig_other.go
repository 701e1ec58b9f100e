//go:build !linux

package procs

import "os/exec"

// setPdeathsig: only Linux has PR_SET_PDEATHSIG; elsewhere workers rely on
// reading EOF from stdin when the primary dies.
func setPdeathsig(cmd *exec.Cmd) {}
