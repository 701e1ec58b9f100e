//go:build !unix

package procs

import "os"

// exitPeakRSS: Windows reports no peak at exit through os.ProcessState;
// the sampled peak stands.
func exitPeakRSS(*os.ProcessState) int64 { return 0 }
