package procs

import (
	"os/exec"
	"syscall"
)

// setPdeathsig asks Linux to SIGKILL the worker if the primary dies, in
// addition to the stdin EOF every worker watches for.
func setPdeathsig(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
