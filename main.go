// Command imgpar processes many files in parallel across worker processes
// and goroutines: it resizes and recompresses images and crunches arrays of
// numbers, and survives crashes of its own workers.
package main

import (
	"os"

	"github.com/imgpar/imgpar/cmd"
)

func main() { os.Exit(cmd.Main()) }
