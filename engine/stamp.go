package engine

import (
	"io/fs"
	"os"
)

// Stamp is what one stat says about a file: enough to decide, without
// opening it, that an input is the one a manifest entry was made from.
// Dev, Ino and CtimeNs are zero where the OS does not report them
// (Windows); then size and mtime decide alone.
type Stamp struct {
	Size    int64
	MtimeNs int64
	Dev     uint64
	Ino     uint64
	CtimeNs int64
}

// StampOf reads a stamp from a FileInfo (os.Stat, os.Lstat, DirEntry.Info).
func StampOf(fi fs.FileInfo) Stamp {
	s := Stamp{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano()}
	fillStamp(&s, fi.Sys())
	return s
}

// StatStamp stats path (following symlinks).
func StatStamp(path string) (Stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Stamp{}, err
	}
	return StampOf(fi), nil
}

// sameFileStamp reports whether fi and s are one file, when s knows its
// identity (known false otherwise).
func sameFileStamp(fi fs.FileInfo, s Stamp) (same, known bool) {
	if s.Ino == 0 {
		return false, false
	}
	o := StampOf(fi)
	return o.Dev == s.Dev && o.Ino == s.Ino, true
}
