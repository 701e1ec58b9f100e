//go:build race

package raster

// raceEnabled trims the photo-heavy tests: the race detector makes pixel loops
// and the float reference many times slower, and these tests have no goroutines
// of their own to check.
const raceEnabled = true
