package imgfmt

import (
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	bmpHead := "BM" + strings.Repeat("\x00", 12) + "\x28\x00\x00\x00" + strings.Repeat("\x00", 14)
	tests := []struct {
		head string
		want Format
		ok   bool
	}{
		{"\xFF\xD8\xFF\xE0\x00\x10JFIF", JPEG, true},
		{"\xFF\xD8\xFF", JPEG, true},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", PNG, true},
		{"GIF89a\x01\x00\x01\x00", GIF, true},
		{"GIF87a", GIF, true},
		{bmpHead, BMP, true},
		{"II*\x00\x08\x00\x00\x00", TIFF, true},
		{"MM\x00*\x00\x00\x00\x08", TIFF, true},
		{"RIFF\x24\x00\x00\x00WEBPVP8 ", WebP, true},
		{"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", AVIF, true},
		{"\x00\x00\x00\x20ftypmif1\x00\x00\x00\x00mif1avifmiaf", AVIF, true},
		{"\x00\x00\x00\x1cftypavis\x00\x00\x00\x00", AVIF, true},
		{"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", HEIC, true},
		{"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf", HEIC, true},
		{"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00mif1heix", HEIC, true},
		// Not images, or too short to tell.
		{"", "", false},
		{"\xFF\xD8", "", false},
		{"\x89PNG", "", false},
		{"GIF8", "", false},
		{"BM nope, a text file that starts with BM", "", false},
		{"BM", "", false},
		{"RIFF\x24\x00\x00\x00WAVEfmt ", "", false},
		{"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomavc1", "", false}, // MP4 video
		{"\x00\x00\x00\x08ftyp", "", false},
		{"II+\x00", "tiff", true}, // BigTIFF
		{"<!DOCTYPE html>", "", false},
		{"%PDF-1.7", "", false},
	}
	for _, tt := range tests {
		got, ok := Sniff([]byte(tt.head))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tt.head, got, ok, tt.want, tt.ok)
		}
	}
	// Longer heads are cut to SniffLen.
	long := "\x00\x00\x00\x40ftypMA1B\x00\x00\x00\x00MA1BmiafMA1Bmiafheicavif"
	if f, ok := Sniff([]byte(long)); ok {
		t.Errorf("Sniff looked past SniffLen: %q", f)
	}
}

func TestFormatFromExt(t *testing.T) {
	tests := map[string]Format{
		"a.jpg": JPEG, "a.JPG": JPEG, "dir.x/a.jpeg": JPEG, "a.Jpe": JPEG,
		"a.png": PNG, "a.gif": GIF, "a.bmp": BMP, "a.tif": TIFF, "a.TIFF": TIFF,
		"a.webp": WebP, "a.avif": AVIF, "photo.tar.png": PNG,
		"IMG_0001.HEIC": HEIC, "a.heif": HEIC, "a.hif": HEIC,
	}
	for path, want := range tests {
		if got, ok := FormatFromExt(path); !ok || got != want {
			t.Errorf("FormatFromExt(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	for _, path := range []string{"a", "a.txt", "a.jpg.bak", ".jpg/x", "a.jxl", "a.jfif2", "jpg"} {
		if got, ok := FormatFromExt(path); ok {
			t.Errorf("FormatFromExt(%q) = %q, want not ok", path, got)
		}
	}
}

func TestFormatProperties(t *testing.T) {
	exts := map[Format]string{JPEG: "jpg", PNG: "png", GIF: "gif", BMP: "bmp", TIFF: "tiff", WebP: "webp", AVIF: "avif", HEIC: "heic"}
	alpha := map[Format]bool{PNG: true, GIF: true, TIFF: true, WebP: true, AVIF: true}
	for _, f := range Formats {
		if f.Ext() != exts[f] {
			t.Errorf("%s.Ext() = %q", f, f.Ext())
		}
		if f.HasAlpha() != alpha[f] {
			t.Errorf("%s.HasAlpha() = %v", f, f.HasAlpha())
		}
		if !f.CanDecode() || !f.Valid() {
			t.Errorf("%s.CanDecode() = %v", f, f.CanDecode())
		}
		if f.CanEncode() != (f != HEIC) {
			t.Errorf("%s.CanEncode() = %v", f, f.CanEncode())
		}
		// The extension maps back to the format.
		if back, ok := FormatFromExt("x." + f.Ext()); !ok || back != f {
			t.Errorf("FormatFromExt(x.%s) = %q", f.Ext(), back)
		}
		// ParseFormat names output formats: HEIC is read, not written.
		if p, err := ParseFormat(strings.ToUpper(f.String())); (err != nil || p != f) && f.CanEncode() {
			t.Errorf("ParseFormat(%q) = %q, %v", f, p, err)
		}
	}
	if Format("jxl").Ext() != "" || Format("jxl").Valid() {
		t.Error("unknown format looks valid")
	}
	for _, s := range []string{"heic", "HEIF"} {
		if _, err := ParseFormat(s); err == nil || !strings.Contains(err.Error(), "read but not written") {
			t.Errorf("ParseFormat(%s) = %v", s, err)
		}
	}
	if f, err := ParseFormat("jpg"); err != nil || f != JPEG {
		t.Errorf("ParseFormat(jpg) = %v, %v", f, err)
	}
}

// Output names: an input whose extension names the output format keeps its
// own spelling; any other gets the format's usual extension.
func TestExtFor(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		path string
		want string
	}{
		{TIFF, "scans/lzw.tif", "tif"},
		{TIFF, "a.TIFF", "TIFF"},
		{JPEG, "x.jpeg", "jpeg"},
		{JPEG, "IMG_1.JPG", "JPG"},
		{JPEG, "old.jpe", "jpe"},
		{JPEG, "x.png", "jpg"},     // converted: the format's own name
		{PNG, "x.jpg", "png"},      // a PNG named .jpg is written as .png
		{TIFF, "noext", "tiff"},    // no extension at all
		{WebP, "dir.v2/a", "webp"}, // a dot in a directory is no extension
	} {
		if got := ExtFor(tc.f, tc.path); got != tc.want {
			t.Errorf("ExtFor(%s, %q) = %q, want %q", tc.f, tc.path, got, tc.want)
		}
	}
}

// ParseFormat refuses unknown names with the list of what it takes.
func TestParseFormatUnknown(t *testing.T) {
	for _, s := range []string{"", "same", "jpeg2000", "heic", ".jpg"} {
		if f, err := ParseFormat(s); err == nil || !strings.Contains(err.Error(), "tiff, webp or avif") {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
}
