package imgfmt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Format names an image file format. Its values are the lower-case names
// used on the command line and in reports.
type Format string

// The formats imgpar knows.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
	WebP Format = "webp"
	AVIF Format = "avif"
	// HEIC is HEIF with HEVC-coded images (iPhone photos): read, not
	// written; with --format same it is written as JPEG (SameOutput).
	HEIC Format = "heic"
)

// Formats lists every known format, in a stable order. Treat it as
// read-only.
var Formats = []Format{JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC}

// SniffLen is the number of leading bytes Sniff needs to recognise every
// format. Fewer bytes work for most formats.
const SniffLen = 32

// Sniff recognises a format from the first bytes of a file (at most
// SniffLen are looked at). It reports false for anything else, including a
// head too short to tell.
func Sniff(head []byte) (Format, bool) {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return JPEG, true
	case bytes.HasPrefix(head, pngSignature):
		return PNG, true
	case bytes.HasPrefix(head, []byte("GIF87a")) || bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, true
	case bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*")),
		bytes.HasPrefix(head, []byte("II+\x00")) || bytes.HasPrefix(head, []byte("MM\x00+")): // BigTIFF
		return TIFF, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, true
	case isBMPHead(head):
		return BMP, true
	case isAVIFHead(head):
		return AVIF, true
	case isHEICHead(head):
		return HEIC, true
	}
	return "", false
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// isBMPHead checks "BM" and a known DIB header size, since "BM" alone is too
// weak a signature (plenty of text starts with it).
func isBMPHead(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	switch le32(head[14:]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isAVIFHead checks for an ISO-BMFF "ftyp" box whose major brand, or one of
// the compatible brands within the head, is "avif" or "avis".
func isAVIFHead(head []byte) bool { return ftypHasBrand(head, "avif", "avis") }

// ftypHasBrand reports an ISO-BMFF "ftyp" box at the start of head whose
// major brand, or one of the compatible brands within head, is in brands.
func ftypHasBrand(head []byte, brands ...string) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	boxLen := int(be32(head))
	if boxLen < 16 {
		return false
	}
	end := min(boxLen, len(head))
	for i := 8; i+4 <= end; i += 4 {
		if i == 12 { // minor version, not a brand
			continue
		}
		if slices.Contains(brands, string(head[i:i+4])) {
			return true
		}
	}
	return false
}

// formatNames is the one table of format names, as users type them and as
// file names end: every path that turns a name into a Format (flags, query
// parameters, input extensions, output names) goes through it, lower-cased.
// A format that CanEncode reports false for is a name for input only.
var formatNames = map[string]Format{
	"jpg": JPEG, "jpeg": JPEG, "jpe": JPEG,
	"png": PNG,
	"gif": GIF,
	"bmp": BMP,
	"tif": TIFF, "tiff": TIFF,
	"webp": WebP,
	"avif": AVIF,
	"heic": HEIC, "heif": HEIC, "hif": HEIC,
}

// LookupFormat maps a format name or extension (without the dot),
// case-insensitively, to its format: "jpg", "JPEG", "jpe", "tif", ...
func LookupFormat(name string) (Format, bool) {
	f, ok := formatNames[strings.ToLower(strings.TrimSpace(name))]
	return f, ok
}

// FormatFromExt maps a file name's extension, case-insensitively, to a
// format: .jpg .jpeg .jpe .png .gif .bmp .tif .tiff .webp .avif .heic
// .heif .hif.
func FormatFromExt(path string) (Format, bool) {
	ext := filepath.Ext(path)
	if ext == "" {
		return "", false
	}
	return LookupFormat(ext[1:])
}

// ParseFormat parses an output format name as a user types it ("jpg",
// "JPEG", "tif", ...). A format imgpar reads but cannot write is refused.
func ParseFormat(s string) (Format, error) {
	f, ok := LookupFormat(s)
	switch {
	case !ok:
		return "", fmt.Errorf("unknown image format %q (want %s)", s, outputFormatList())
	case !f.CanEncode():
		return "", fmt.Errorf("%s is read but not written (want %s)", strings.ToUpper(string(f)), outputFormatList())
	}
	return f, nil
}

// outputFormatList names the formats Encode writes, for messages.
func outputFormatList() string {
	var names []string
	for _, f := range Formats {
		if f.CanEncode() {
			names = append(names, string(f))
		}
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ExtFor returns the extension (without the dot) for an output of format f
// made from the input at path: the input's own spelling when it names that
// format ("lzw.tif" stays ".tif", "x.JPEG" stays ".JPEG"), else f.Ext().
func ExtFor(f Format, path string) string {
	if named, ok := FormatFromExt(path); ok && named == f {
		return filepath.Ext(path)[1:]
	}
	return f.Ext()
}

// String returns the format's name.
func (f Format) String() string { return string(f) }

// Ext returns the usual file extension for the format, without the dot:
// "jpg", "png", "gif", "bmp", "tiff", "webp", "avif", "heic". It returns ""
// for an unknown format.
func (f Format) Ext() string {
	switch f {
	case JPEG:
		return "jpg"
	case PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC:
		return string(f)
	}
	return ""
}

// Valid reports whether f is one of the known formats.
func (f Format) Valid() bool { return f.Ext() != "" }

// HasAlpha reports whether the format can carry transparency as written by
// Encode. JPEG and BMP cannot (alpha is flattened over a background); GIF
// keeps 1-bit transparency.
func (f Format) HasAlpha() bool {
	switch f {
	case PNG, GIF, TIFF, WebP, AVIF:
		return true
	}
	return false
}

// CanDecode reports whether DecodeMax reads the format: all of them.
func (f Format) CanDecode() bool { return f.Valid() }

// CanEncode reports whether Encode writes the format: all but HEIC.
func (f Format) CanEncode() bool { return f.Valid() && f != HEIC }

// SameOutput is the format "--format same" writes for an input of format
// f: f itself, except HEIC, which imgpar reads but does not write (HEVC
// encoding is patent-encumbered and no encoder is at hand): HEIC photos
// become JPEG, as iPhones themselves export them. AVIF stays AVIF.
func SameOutput(f Format) Format {
	if f == HEIC {
		return JPEG
	}
	return f
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func be16(b []byte) uint16 { return uint16(b[1]) | uint16(b[0])<<8 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func be32(b []byte) uint32 {
	return uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
}
func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }
