package imgfmt

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// TestSweepGoTestdata decodes the image test files every Go installation
// carries — the standard library's image/testdata and golang.org/x/image's
// testdata (made by others, for their own decoders) — and compares each
// with a reference decoder: libjpeg-turbo's djpeg -nosmooth for JPEG (no
// fancy upsampling, which image/jpeg's nearest-neighbour chroma would be
// measured against; threshold 45), Pillow's first frame for the rest
// (identical but for one level of rounding in a palette with partial
// transparency, 59.3 dB on a 16x12 file; threshold 55, which one wrong
// pixel in a small file already misses). A file imgpar refuses is
// fine when the reference refuses it too; one the reference reads is
// logged (docs/formats.md lists them). The sweep over all material on the
// machine (docs/formats.md, "Sweep") found the small-HEIC stride bug.
//
// Runs with IMGPAR_CONFORMANCE_SWEEP=1 (.ci/run sets it).
func TestSweepGoTestdata(t *testing.T) {
	if os.Getenv("IMGPAR_CONFORMANCE_SWEEP") == "" {
		t.Skip("set IMGPAR_CONFORMANCE_SWEEP=1 to sweep Go's own image test files (.ci/run does)")
	}
	py := pillowPython(t)
	dirs := []string{filepath.Join(runtime.GOROOT(), "src", "image", "testdata")}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/image").Output(); err == nil {
		dirs = append(dirs, filepath.Join(strings.TrimSpace(string(out)), "testdata"))
	}
	var files []string
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			t.Logf("%s: %v", d, err)
			continue
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".png", ".gif", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp":
				files = append(files, filepath.Join(d, e.Name()))
			}
		}
	}
	if len(files) < 50 {
		t.Fatalf("found %d test images under %v; want Go's image testdata", len(files), dirs)
	}
	sort.Strings(files)
	refDir := t.TempDir()
	// One Pillow run converts every file it can read (first frame, RGBA).
	var list bytes.Buffer
	for i, f := range files {
		fmt.Fprintf(&list, "%s\t%s\n", f, filepath.Join(refDir, fmt.Sprintf("%03d.png", i)))
	}
	listFile := writeTemp(t, "list.txt", list.Bytes())
	script := `import sys
from PIL import Image
for line in open(sys.argv[1]):
    src, dst = line.rstrip('\n').split('\t')
    try:
        im = Image.open(src)
        im.seek(0)
        if im.mode in ('I;16', 'I;16B', 'I'):
            im = im.point(lambda v: v / 257).convert('L')
        im.convert('RGBA').save(dst)
    except Exception:
        pass
`
	if out, err := exec.Command(py, "-c", script, listFile).CombinedOutput(); err != nil {
		t.Fatalf("Pillow: %v\n%s", err, out)
	}
	djpeg, _ := exec.LookPath("djpeg")
	compared, identical, refused := 0, 0, 0
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		format, ok := Sniff(data)
		refPath := filepath.Join(refDir, fmt.Sprintf("%03d.png", i))
		min := 55.0
		if ok && format == JPEG && djpeg != "" {
			ppm := refPath + ".ppm"
			if exec.Command(djpeg, "-nosmooth", "-outfile", ppm, f).Run() == nil {
				img, err := parsePNM(mustRead(t, ppm))
				if err == nil {
					writePNG(t, refPath, img)
					min = 45
				}
			}
		}
		var ref image.Image
		if b, err := os.ReadFile(refPath); err == nil {
			ref, _ = png.Decode(bytes.NewReader(b))
		}
		var got image.Image
		if ok {
			got, err = Decode(format, data)
		}
		switch {
		case !ok || err != nil:
			refused++
			if ref != nil {
				t.Logf("%s: refused (%v) though the reference reads it", name, err)
			}
			continue
		case ref == nil:
			t.Logf("%s: decoded, the reference cannot read it", name)
			continue
		}
		compared++
		if got.Bounds().Size() != ref.Bounds().Size() {
			t.Errorf("%s: decoded %v, reference %v", name, got.Bounds().Size(), ref.Bounds().Size())
			continue
		}
		p := psnr(got, ref)
		if p > 1000 {
			identical++
		}
		if p < min {
			t.Errorf("%s: %.1f dB against the reference, want >= %.0f", name, p, min)
		}
	}
	t.Logf("%d files: %d compared (%d identical), %d refused", len(files), compared, identical, refused)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
