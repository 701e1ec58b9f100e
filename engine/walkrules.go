package engine

import (
	"path/filepath"
	"strings"
)

// What a directory walk takes (docs/guide.md, "What imgpar takes from a
// folder"): images, and number files only when the user asked for number
// work. A file named explicitly is taken by its kind, whatever its name,
// except imgpar's own files. Everything left alone is a Skip with one of
// these reasons; they are few and fixed so that the report can count skips
// by reason.
const (
	ReasonOwnFile     = "imgpar's own file"
	ReasonOwnOutput   = "an output of an earlier run"
	ReasonSystemFile  = "system file"
	ReasonSidecar     = "sidecar"
	ReasonNotImage    = "not an image (a folder walk takes number files only with --op)"
	ReasonUnsupported = "not a supported input"
	ReasonNotRegular  = "not a regular file"
	ReasonSymlinkDir  = "symlinked directory not followed"
	ReasonOutputDir   = "the output directory"
	ReasonEarlierRun  = "an earlier imgpar output (holds " + ManifestName + "); name it to process it"
)

// OwnPrefix starts the name of every file imgpar writes besides outputs:
// manifests, journals, temporary files.
const OwnPrefix = ".imgpar-"

// isOwnFile reports a file imgpar wrote for itself, never an input.
func isOwnFile(name string) bool { return strings.HasPrefix(name, OwnPrefix) }

// isEarlierOutput reports a directory entry that marks its directory as an
// imgpar output: a manifest or a journal (a run that was killed).
func isEarlierOutput(name string) bool {
	return strings.HasPrefix(name, ".imgpar-manifest") &&
		(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".journal"))
}

// walkSkip says why a directory walk leaves the file name alone, or ""
// when it takes it (to be classified by content). numbers: the user asked
// for number work.
func walkSkip(name string, numbers bool) string {
	if isOwnFile(name) {
		return ReasonOwnFile
	}
	if isSystemFile(name) {
		return ReasonSystemFile
	}
	lower := strings.ToLower(name)
	ext := filepath.Ext(lower)
	if isSidecar(lower, ext) {
		return ReasonSidecar
	}
	if isNumbersName(name) && !numbers {
		return ReasonNotImage
	}
	return ""
}

// isSystemFile: files that operating systems and file managers leave in
// folders (Finder's .DS_Store and AppleDouble ._ files, Windows' thumbnail
// caches and folder settings, Picasa's folder settings).
func isSystemFile(name string) bool {
	if strings.HasPrefix(name, "._") {
		return true
	}
	switch strings.ToLower(name) {
	case ".ds_store", "thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", ".picasa.ini", "picasa.ini", ".localized":
		return true
	}
	return false
}

// isSidecar: metadata files kept beside photos by cameras, phones and
// editors (XMP, Apple's .AAE edit files, THM thumbnails, RawTherapee and
// DxO settings), and JSON named after a photo as Google Takeout writes it
// (IMG_0001.jpg.json, IMG_0001.HEIC.supplemental-metadata.json).
func isSidecar(lower, ext string) bool {
	switch ext {
	case ".xmp", ".aae", ".thm", ".pp3", ".dop":
		return true
	case ".json":
		parts := strings.Split(strings.TrimSuffix(lower, ext), ".")
		for _, p := range parts[1:] {
			if mediaExts[p] {
				return true
			}
		}
	}
	return false
}

// mediaExts are the photo and video extensions a Takeout sidecar is named
// after.
var mediaExts = map[string]bool{
	"jpg": true, "jpeg": true, "jpe": true, "png": true, "gif": true, "bmp": true,
	"tif": true, "tiff": true, "webp": true, "avif": true, "heic": true, "heif": true,
	"dng": true, "cr2": true, "cr3": true, "nef": true, "arw": true, "raf": true,
	"orf": true, "rw2": true, "mp4": true, "mov": true, "m4v": true, "3gp": true,
}
