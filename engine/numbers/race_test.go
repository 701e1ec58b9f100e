//go:build race

package numbers

const raceEnabled = true
