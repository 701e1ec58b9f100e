//go:build !unix

package procs

import "os"

// protocolStdout keeps the original stdout for protocol traffic and points
// os.Stdout at stderr so that stray prints from Go code go there.
func protocolStdout() (*os.File, error) {
	out := os.Stdout
	os.Stdout = os.Stderr
	return out, nil
}
