//go:build !linux && !darwin

package engine

// fillStamp: size and mtime only on other systems.
func fillStamp(*Stamp, any) {}
