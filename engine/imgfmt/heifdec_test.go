package imgfmt

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// heifMinDB is the PSNR imgpar's HEIC and AVIF decodes must reach against
// libheif's heif-convert (Debian libheif-examples). Both decode the same
// bitstream; they differ in chroma upsampling (image.YCbCr: nearest; the
// system libheif: its own filter) and rounding of the YCbCr conversion,
// which costs a few dB on a detailed photo, never the 10+ dB of a wrong
// matrix, range, orientation or shear.
const heifMinDB = 38

// heifProp builds an irot or imir property box.
func heifProp(typ string, v byte) []byte {
	return []byte{0, 0, 0, 9, typ[0], typ[1], typ[2], typ[3], v}
}

// heifVariants returns the file as encoded and with transformative
// properties added the way cameras and phones write them.
func heifVariants(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"as encoded": data}
	add := func(name string, props ...[]byte) {
		d := data
		for _, p := range props {
			var ok bool
			if d, ok = withItemProperty(d, p, true); !ok {
				t.Fatalf("%s: cannot add a property to this file's layout", name)
			}
		}
		out[name] = d
	}
	add("irot 1 (90° anticlockwise)", heifProp("irot", 1))
	add("irot 2", heifProp("irot", 2))
	add("irot 3 (90° clockwise)", heifProp("irot", 3))
	add("imir 0 (top-bottom)", heifProp("imir", 0))
	add("imir 1 (left-right)", heifProp("imir", 1))
	add("irot 1 then imir 0", heifProp("irot", 1), heifProp("imir", 0))
	add("imir 1 then irot 3", heifProp("imir", 1), heifProp("irot", 3))
	return out
}

// compareWithHeifConvert decodes data with Decode and with heif-convert.
func compareWithHeifConvert(t *testing.T, f Format, name string, data []byte, minDB float64) {
	t.Helper()
	conv := needTool(t, "heif-convert", "libheif-examples")
	dir := t.TempDir()
	in := filepath.Join(dir, "in."+f.Ext())
	ref := filepath.Join(dir, "ref.png")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, conv, in, ref)
	h, err := ProbeBytes(data)
	if err != nil {
		t.Fatalf("%s: probe: %v", name, err)
	}
	got, err := Decode(f, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if b := got.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height || h.Orientation != 1 {
		t.Errorf("%s: decoded %v, probe said %dx%d orientation %d", name, b.Size(), h.Width, h.Height, h.Orientation)
	}
	checkPSNR(t, name, got, readPNGFile(t, ref), minDB)
}

func heifEncode(t *testing.T, src string, args ...string) []byte {
	t.Helper()
	enc := needTool(t, "heif-enc", "libheif-examples")
	out := filepath.Join(t.TempDir(), "out.heic")
	if len(args) > 0 && args[0] == "-A" {
		out = strings.TrimSuffix(out, ".heic") + ".avif"
	}
	runTool(t, enc, append(args, "-o", out, src)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDecodeHEICMatchesHeifConvert encodes real photos with heif-enc
// (x265) and compares Decode with heif-convert, for the plain file, with
// irot/imir transforms added, and with nclx boxes naming matrices and
// ranges that image.YCbCr alone would convert wrongly.
func TestDecodeHEICMatchesHeifConvert(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the heif-enc/heif-convert matrix is skipped (TestDecodeHEICRepoFiles still runs)")
	}
	photo := filepath.Join(repoTestdata, "formats", "leaf-baseline.jpg")
	data := heifEncode(t, photo, "-q", "60")
	for name, v := range heifVariants(t, data) {
		compareWithHeifConvert(t, HEIC, name, v, heifMinDB)
	}
	// A portrait photo stored sideways with an EXIF orientation 6 that
	// libheif and imgpar ignore.
	sideways := heifEncode(t, filepath.Join(repoTestdata, "orient", "orient-6.png"), "-q", "60")
	compareWithHeifConvert(t, HEIC, "orient-6.png as encoded", sideways, heifMinDB)
	// heif-enc 1.15 writes no nclx box (its --matrix_coefficients and
	// --full_range_flag do not reach the file), so add one: both decoders
	// must then read the same samples as BT.709, limited or full range.
	for name, nclx := range map[string][]byte{
		"nclx BT.709 limited range": {0, 1, 0, 1, 0, 1, 0},
		"nclx BT.709 full range":    {0, 1, 0, 1, 0, 1, 0x80},
	} {
		box := append([]byte{0, 0, 0, 19, 'c', 'o', 'l', 'r', 'n', 'c', 'l', 'x'}, nclx...)
		v, ok := withItemProperty(data, box, false)
		if !ok {
			t.Fatal("cannot add an nclx box")
		}
		compareWithHeifConvert(t, HEIC, name, v, heifMinDB)
	}
}

// TestDecodeAVIFMatchesHeifConvert does the same for AVIF input (heif-enc
// with aom; libavif decodes, imgpar applies irot/imir).
func TestDecodeAVIFMatchesHeifConvert(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the heif-enc/heif-convert matrix is skipped (TestDecodeHEICRepoFiles still runs)")
	}
	photo := filepath.Join(repoTestdata, "formats", "leaf-baseline.jpg")
	data := heifEncode(t, photo, "-A", "-q", "60")
	for name, v := range heifVariants(t, data) {
		compareWithHeifConvert(t, AVIF, "avif "+name, v, heifMinDB)
	}
}

// TestDecodeHEICRepoFiles decodes the HEIC and AVIF files shipped in
// testdata/formats and compares them with heif-convert's decodes stored beside
// the tests (engine/imgfmt/testdata/*.heif-convert.png), so a machine
// without libheif checks them too.
func TestDecodeHEICRepoFiles(t *testing.T) {
	for _, c := range []struct {
		file, ref string
		f         Format
		w, h      int
	}{
		{"formats/leaf.heic", "leaf.heic.heif-convert.png", HEIC, 320, 240},
		{"formats/leaf.avif", "leaf.avif.heif-convert.png", AVIF, 320, 240},
	} {
		data := readRepoFile(t, c.file)
		h, err := ProbeBytes(data)
		if err != nil || h.Format != c.f || h.Width != c.w || h.Height != c.h || h.Orientation != 1 {
			t.Errorf("%s: probe %+v, %v; want %s %dx%d orientation 1", c.file, h, err, c.f, c.w, c.h)
		}
		got, err := Decode(c.f, data)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		want, err := png.Decode(bytes.NewReader(readLocal(t, c.ref)))
		if err != nil {
			t.Fatal(err)
		}
		checkPSNR(t, c.file, got, want, heifMinDB)
	}
}

// TestHEICOrientationOnce: orient-6-irot.heic stores the picture sideways
// with an irot that turns it upright and an EXIF orientation 6 (as iPhones
// write both). The irot is applied, the EXIF orientation ignored: Probe
// says orientation 1, and the EXIF kept for output says 1 too. (That the
// pixels come out upright, red marker top-left, is checked with the other
// orientation files by the engine's TestOrientationUpright.)
func TestHEICOrientationOnce(t *testing.T) {
	data := readRepoFile(t, "orient/orient-6-irot.heic")
	h, err := ProbeBytes(data)
	if err != nil || h.Width != 400 || h.Height != 300 || h.Orientation != 1 {
		t.Errorf("probe %+v, %v; want 400x300 orientation 1", h, err)
	}
	img, err := Decode(HEIC, data)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(10, 10).RGBA(); r>>8 < 180 || g>>8 > 90 || b>>8 > 90 {
		t.Errorf("top-left is (%d,%d,%d), want the red marker", r>>8, g>>8, b>>8)
	}
	info, err := parseHEIF(data)
	if err != nil {
		t.Fatal(err)
	}
	if info.exif == nil || exifOrientation(info.exif) != 6 {
		t.Fatalf("test file should carry EXIF orientation 6, has %d", exifOrientation(info.exif))
	}
	m := ReadMeta(HEIC, data)
	if m.EXIF == nil || m.Orientation != 1 || exifOrientation(m.EXIF) != 1 {
		t.Errorf("ReadMeta: orientation %d, EXIF orientation %d; want 1 and 1", m.Orientation, exifOrientation(m.EXIF))
	}
}

// TestDecodeHEICAlphaRefused: the HEIC decoder would drop an alpha plane,
// so a HEIC with alpha is refused, in one line.
func TestDecodeHEICAlphaRefused(t *testing.T) {
	data := heifEncode(t, filepath.Join(repoTestdata, "formats", "leaf-grey-alpha.png"), "-q", "50")
	_, err := Decode(HEIC, data)
	if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "alpha") {
		t.Fatalf("got %v, want an unsupported-alpha error", err)
	}
	t.Logf("refused: %v", err)
}

// TestSameOutput: --format same writes HEIC input as JPEG; every other
// format as itself.
func TestSameOutput(t *testing.T) {
	for _, f := range Formats {
		want := f
		if f == HEIC {
			want = JPEG
		}
		if got := SameOutput(f); got != want || !got.CanEncode() {
			t.Errorf("SameOutput(%s) = %s", f, got)
		}
	}
}

// TestHEIFMetaICC: an ICC profile in a colr box of the primary item comes
// back from ReadMeta for HEIC and AVIF (so it flows to the output), and
// the Exif item's payload comes back with its orientation reset.
func TestHEIFMetaICC(t *testing.T) {
	icc := readLocal(t, "compatibleWithAdobeRGB1998.icc")
	for _, c := range []struct {
		file string
		f    Format
	}{{"formats/leaf.heic", HEIC}, {"formats/leaf.avif", AVIF}, {"orient/orient-6-irot.heic", HEIC}} {
		data := readRepoFile(t, c.file)
		with, ok := avifWithICC(data, icc)
		if !ok {
			t.Fatalf("%s: cannot add a profile", c.file)
		}
		m := ReadMeta(c.f, with)
		if !bytes.Equal(m.ICC, icc) {
			t.Errorf("%s: ReadMeta ICC %d bytes, want the %d-byte profile", c.file, len(m.ICC), len(icc))
		}
		if _, err := Decode(c.f, with); err != nil {
			t.Errorf("%s with a profile: %v", c.file, err)
		}
	}
}
