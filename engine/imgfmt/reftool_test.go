package imgfmt

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// needTool skips the test when a reference tool is not installed (.ci/run
// installs them from Debian packages; a fresh machine may not have them).
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := lookTool(name)
	if err != nil {
		t.Skipf("%s (Debian package %s) not installed: skipping the comparison with it", name, pkg)
	}
	return p
}

// lookTool finds a reference tool on PATH. For ImageMagick's convert it also
// asks the program what it is: some machines put a stand-in named convert
// on PATH that only turns a PNG into a PPM, and a test must skip there, not
// fail on the stand-in's refusal.
func lookTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil || name != "convert" {
		return p, err
	}
	out, err := exec.Command(p, "-version").Output()
	if err != nil || !bytes.HasPrefix(out, []byte("Version: ImageMagick")) {
		return "", fmt.Errorf("%s is not ImageMagick", p)
	}
	return p, nil
}

// runTool runs a reference tool and fails the test with its output when it
// fails.
func runTool(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// writeTemp writes data to a file named name in a fresh temporary directory
// and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readPNM reads a binary PPM (P6), PGM (P5) or PAM (P7) file of 8-bit
// samples, as dwebp -pam/-ppm and heif-convert write them, as *image.NRGBA.
func readPNM(t testing.TB, path string) *image.NRGBA {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := parsePNM(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func parsePNM(data []byte) (*image.NRGBA, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	magic, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	var w, h, depth, maxval int
	switch strings.TrimSpace(magic) {
	case "P7":
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return nil, err
			}
			f := strings.Fields(line)
			if len(f) == 0 || strings.HasPrefix(f[0], "#") {
				continue
			}
			if f[0] == "ENDHDR" {
				break
			}
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "WIDTH":
				w = v
			case "HEIGHT":
				h = v
			case "DEPTH":
				depth = v
			case "MAXVAL":
				maxval = v
			}
		}
	case "P5", "P6":
		depth = 1
		if strings.TrimSpace(magic) == "P6" {
			depth = 3
		}
		var vals []int
		for len(vals) < 3 {
			var tok string
			if _, err := fmt.Fscan(r, &tok); err != nil {
				return nil, err
			}
			if strings.HasPrefix(tok, "#") {
				r.ReadString('\n')
				continue
			}
			v, err := strconv.Atoi(tok)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		w, h, maxval = vals[0], vals[1], vals[2]
		r.ReadByte() // the single whitespace after the header
	default:
		return nil, fmt.Errorf("not a PNM/PAM file (%q)", magic)
	}
	if maxval != 255 || w <= 0 || h <= 0 || depth < 1 || depth > 4 {
		return nil, fmt.Errorf("unsupported PNM %dx%d depth %d maxval %d", w, h, depth, maxval)
	}
	pix := make([]byte, w*h*depth)
	if _, err := io.ReadFull(r, pix); err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		s, d := pix[i*depth:], img.Pix[i*4:]
		switch depth {
		case 1:
			d[0], d[1], d[2], d[3] = s[0], s[0], s[0], 255
		case 2:
			d[0], d[1], d[2], d[3] = s[0], s[0], s[0], s[1]
		case 3:
			d[0], d[1], d[2], d[3] = s[0], s[1], s[2], 255
		case 4:
			copy(d[:4], s[:4])
		}
	}
	return img, nil
}

// readPNGFile decodes a PNG written by a reference tool.
func readPNGFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// checkPSNR fails when got and want differ in size or score below minDB,
// and logs the figure either way.
func checkPSNR(t testing.TB, name string, got, want image.Image, minDB float64) {
	t.Helper()
	if got.Bounds().Size() != want.Bounds().Size() {
		t.Errorf("%s: decoded %v, reference %v", name, got.Bounds().Size(), want.Bounds().Size())
		return
	}
	db := psnr(got, want)
	t.Logf("%s: %.2f dB against the reference decoder (threshold %.0f dB)", name, db, minDB)
	if db < minDB {
		t.Errorf("%s: PSNR %.2f dB against the reference decoder, want >= %.0f dB", name, db, minDB)
	}
}

// pillowPython returns a python3 that can import Pillow (Debian
// python3-pil), trying the one on PATH and then Debian's own, or skips.
func pillowPython(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "-c", "import PIL").Run() == nil {
			return p
		}
	}
	t.Skip("no python3 with Pillow (Debian python3-pil): skipping the comparison with it")
	return ""
}
