package engine

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWalkSkip(t *testing.T) {
	tests := []struct {
		name    string
		numbers bool
		want    string
	}{
		{"IMG_0001.jpg", false, ""},
		{"IMG_0001.HEIC", false, ""},
		{"no-extension", false, ""}, // classified by content
		{"IMG_0001.jpg.json", false, ReasonSidecar},
		{"IMG_0001.jpg.json", true, ReasonSidecar}, // Takeout's, even with --op
		{"IMG_0001.HEIC.supplemental-metadata.json", true, ReasonSidecar},
		{"IMG_0001.xmp", false, ReasonSidecar},
		{"IMG_0001.AAE", false, ReasonSidecar},
		{"IMG_0001.aae", true, ReasonSidecar},
		{"data.json", false, ReasonNotImage},
		{"data.json", true, ""},
		{"metadata.json", false, ReasonNotImage},
		{"notes.txt", false, ReasonNotImage},
		{"table.CSV", false, ReasonNotImage},
		{"table.csv", true, ""},
		{"tasks.ndjson", false, ReasonNotImage},
		{".DS_Store", true, ReasonSystemFile},
		{"Thumbs.db", false, ReasonSystemFile},
		{"thumbs.db", false, ReasonSystemFile},
		{"desktop.ini", false, ReasonSystemFile},
		{"._IMG_0001.jpg", false, ReasonSystemFile},
		{".imgpar-manifest.json", true, ReasonOwnFile},
		{".imgpar-tmp-123-abc", false, ReasonOwnFile},
	}
	for _, tc := range tests {
		if got := walkSkip(tc.name, tc.numbers); got != tc.want {
			t.Errorf("walkSkip(%q, numbers=%v) = %q, want %q", tc.name, tc.numbers, got, tc.want)
		}
	}
}

// photoFolder builds a folder as users have them: photos in dated
// subfolders with sidecars and system files, and an earlier output.
func photoFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	jpeg, err := os.ReadFile("../testdata/photos/cups-portrait-420.jpg")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"2024-06-01/IMG_0001.jpg":      jpeg,
		"2024-06-01/IMG_0001.jpg.json": []byte(`{"title":"IMG_0001.jpg"}`),
		"2024-06-01/IMG_0001.xmp":      []byte("<x:xmpmeta/>"),
		"2024-06-01/IMG_0001.AAE":      []byte("<plist/>"),
		"2024-06-01/._IMG_0001.jpg":    []byte("\x00\x05\x16\x07"),
		"2024-07-15/IMG_0002.jpg":      jpeg,
		"2024-07-15/Thumbs.db":         []byte("db"),
		"notes.txt":                    []byte("hello\n"),
		"numbers.csv":                  []byte("a,b\n1,2\n"),
		".DS_Store":                    []byte("\x00\x00\x00\x01Bud1"),
		"desktop.ini":                  []byte("[.ShellClassInfo]"),
		"old/IMG_0001.jpg":             jpeg,
		"old/" + ManifestName:          []byte(`{"version":1,"entries":[]}`),
		"out/IMG_0001.jpg":             jpeg,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func rels(c *Collected) []string {
	var r []string
	for _, in := range c.Inputs() {
		r = append(r, in.Rel)
	}
	return r
}

func skipsByPath(root string, s []Skip) map[string]string {
	m := map[string]string{}
	for _, k := range s {
		rel, _ := filepath.Rel(root, k.Path)
		m[filepath.ToSlash(rel)] = k.Reason
	}
	return m
}

func TestCollectPhotoFolder(t *testing.T) {
	dir := photoFolder(t)
	c, err := CollectInputs([]string{dir}, nil, CollectOptions{OutDir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2024-06-01/IMG_0001.jpg", "2024-07-15/IMG_0002.jpg"}; !slices.Equal(rels(c), want) {
		t.Errorf("inputs %q, want %q", rels(c), want)
	}
	wantSkips := map[string]string{
		"2024-06-01/IMG_0001.jpg.json": ReasonSidecar,
		"2024-06-01/IMG_0001.xmp":      ReasonSidecar,
		"2024-06-01/IMG_0001.AAE":      ReasonSidecar,
		"2024-06-01/._IMG_0001.jpg":    ReasonSystemFile,
		"2024-07-15/Thumbs.db":         ReasonSystemFile,
		"notes.txt":                    ReasonNotImage,
		"numbers.csv":                  ReasonNotImage,
		".DS_Store":                    ReasonSystemFile,
		"desktop.ini":                  ReasonSystemFile,
	}
	if got := skipsByPath(dir, c.Skipped); !mapsEqual(got, wantSkips) {
		t.Errorf("skipped %v\nwant %v", got, wantSkips)
	}
	wantDirs := map[string]string{"old": ReasonEarlierRun, "out": ReasonOutputDir}
	if got := skipsByPath(dir, c.SkippedDirs); !mapsEqual(got, wantDirs) {
		t.Errorf("skipped directories %v, want %v", got, wantDirs)
	}
	if len(c.Failures) != 0 {
		t.Errorf("failures: %v", c.Failures)
	}

	// With number work asked for, the walk takes number files too (not
	// Takeout's sidecars).
	c, err = CollectInputs([]string{dir}, nil, CollectOptions{OutDir: filepath.Join(dir, "out"), Numbers: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2024-06-01/IMG_0001.jpg", "2024-07-15/IMG_0002.jpg", "notes.txt", "numbers.csv"}; !slices.Equal(rels(c), want) {
		t.Errorf("with numbers: inputs %q, want %q", rels(c), want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Named explicitly, a file is taken by its kind and an earlier output is
// walked; imgpar's own files never are taken.
func TestCollectNamedExplicitly(t *testing.T) {
	dir := photoFolder(t)
	old := filepath.Join(dir, "old")
	side := filepath.Join(dir, "2024-06-01", "IMG_0001.jpg.json")
	notes := filepath.Join(dir, "notes.txt")
	c, err := CollectInputs([]string{old, side, notes, filepath.Join(old, ManifestName)}, nil, CollectOptions{OutDir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"IMG_0001.jpg", "IMG_0001.jpg.json", "notes.txt"}; !slices.Equal(rels(c), want) {
		t.Errorf("inputs %q, want %q", rels(c), want)
	}
	want := map[string]string{"old/" + ManifestName: ReasonOwnFile}
	if got := skipsByPath(dir, c.Skipped); !mapsEqual(got, want) {
		t.Errorf("skipped %v, want %v (the manifest once: walked and named)", got, want)
	}
	if len(c.SkippedDirs) != 0 {
		t.Errorf("skipped directories %v: a directory named explicitly is walked", c.SkippedDirs)
	}
}

// The output directory is recognised under another name (a symlink) once
// it exists.
func TestCollectOutputDirByIdentity(t *testing.T) {
	dir := photoFolder(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(dir, "out"), link); err != nil {
		t.Skip("no symlinks:", err)
	}
	c, err := CollectInputs([]string{dir}, nil, CollectOptions{OutDir: link})
	if err != nil {
		t.Fatal(err)
	}
	if got := skipsByPath(dir, c.SkippedDirs); got["out"] != ReasonOutputDir {
		t.Errorf("skipped directories %v: out (the output, through a symlink) not among them", got)
	}
}

func TestCollectStdinLists(t *testing.T) {
	dir := photoFolder(t)
	odd := filepath.Join(dir, "line\nbreak.jpg")
	jpeg, _ := os.ReadFile(filepath.Join(dir, "2024-07-15", "IMG_0002.jpg"))
	if err := os.WriteFile(odd, jpeg, 0o644); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "2024-07-15", "IMG_0002.jpg")
	list := a + "\x00" + odd + "\x00"
	c, err := CollectInputs([]string{"-"}, strings.NewReader(list), CollectOptions{NullSep: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 || c.Input(1).Path != odd || len(c.Failures) != 0 {
		t.Errorf("NUL-separated list: inputs %+v failures %v", c.Inputs(), c.Failures)
	}
	// The same list read as lines is refused with a hint, not taken as one
	// path.
	_, err = CollectInputs([]string{"-"}, strings.NewReader(list), CollectOptions{})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "-0") {
		t.Errorf("NUL-separated list read as lines: err %v, want a usage error naming -0", err)
	}
	// Lines, with a CRLF and a blank line.
	c, err = CollectInputs([]string{"-"}, strings.NewReader(a+"\r\n\n"+filepath.Join(dir, "notes.txt")+"\n"), CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Errorf("line list: inputs %+v", c.Inputs())
	}
}

// collectedOf builds what CollectInputs would have found for ins (each the
// only file of its directory; Rel's base name is Path's): Size and Stamp
// are stat'ed.
func collectedOf(t testing.TB, ins ...Input) *Collected {
	t.Helper()
	c := &Collected{}
	for _, in := range ins {
		st, err := StatStamp(in.Path)
		if err != nil {
			t.Fatal(err)
		}
		if path.Base(in.Rel) != filepath.Base(in.Path) {
			t.Fatalf("collectedOf: %s and %s differ in base name", in.Path, in.Rel)
		}
		abs, _ := filepath.Abs(filepath.Dir(in.Path))
		c.dirs = append(c.dirs, inputDir{path: filepath.Dir(in.Path), abs: abs, rel: path.Dir(in.Rel)})
		c.files = append(c.files, inputFile{name: filepath.Base(in.Path), dir: int32(len(c.dirs) - 1), st: st})
	}
	return c
}

// A file reached twice (a folder named twice, a file and its folder, a
// subfolder and its parent) is one input, taken where it was met first;
// inputs spell out with the path as opened, the relative path and the stat.
func TestCollectTakesEachFileOnce(t *testing.T) {
	dir := photoFolder(t)
	one := filepath.Join(dir, "2024-06-01", "IMG_0001.jpg")
	sub := filepath.Join(dir, "2024-07-15")
	c, err := CollectInputs([]string{one, sub, dir, dir}, nil, CollectOptions{OutDir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"IMG_0001.jpg", "IMG_0002.jpg"}; !slices.Equal(rels(c), want) {
		t.Errorf("inputs %q, want %q", rels(c), want)
	}
	in := c.Input(1)
	st, err := os.Stat(in.Path)
	if err != nil || in.Path != filepath.Join(sub, "IMG_0002.jpg") || in.Size != st.Size() || in.Stamp != StampOf(st) {
		t.Errorf("input %+v: path, size or stamp differ from the file's (%v)", in, err)
	}
}
