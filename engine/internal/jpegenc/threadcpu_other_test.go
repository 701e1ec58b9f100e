//go:build !linux

package jpegenc

import "time"

var start = time.Now()

// threadCPU is wall time where the thread's CPU time is not at hand
// (TestRDMeasure's CPU figures are Linux's).
func threadCPU() time.Duration { return time.Since(start) }
