//go:build unix

package procs

import (
	"os"
	"os/exec"
	"testing"
)

// TestExitPeakRSS: a reaped process that touched 64 MiB reports a peak of
// at least that, and not absurdly more (the unit is right on this OS).
func TestExitPeakRSS(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), workerEnv+"=touch-64mib")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	peak := exitPeakRSS(cmd.ProcessState)
	if peak < 64<<20 || peak > 1<<30 {
		t.Errorf("peak RSS %d bytes, want 64 MiB to 1 GiB", peak)
	}
	if exitPeakRSS(nil) != 0 {
		t.Error("no process state: want 0")
	}
}
