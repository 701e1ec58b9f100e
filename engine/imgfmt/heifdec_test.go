package imgfmt

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
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
		min       float64
	}{
		{"formats/leaf.heic", "leaf.heic.heif-convert.png", HEIC, 320, 240, heifMinDB},
		{"formats/leaf.avif", "leaf.avif.heif-convert.png", AVIF, 320, 240, heifMinDB},
		// Under 128 pixels wide (TestDecodeHEICSmall), and a grid with a
		// grid alpha plane (TestDecodeHEICAlpha); in engine/imgfmt/testdata.
		// 4:2:0 at 64x64 loses 34 dB to the chroma upsampling; garbage
		// (the old stride bug) scored 7.8.
		{"leaf-64x64.heic", "leaf-64x64.heic.heif-convert.png", HEIC, 64, 64, 30},
		{"alpha-grid-75x53.heic", "alpha-grid-75x53.heic.heif-convert.png", HEIC, 75, 53, heifMinDB},
	} {
		var data []byte
		if strings.HasPrefix(c.file, "formats/") {
			data = readRepoFile(t, c.file)
		} else {
			data = readLocal(t, c.file)
		}
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
		checkPSNR(t, c.file, got, want, c.min)
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

// heifFullMatrix: IMGPAR_HEIF_MATRIX=full (.ci/run sets it) runs the
// small-picture and alpha matrices (x265 encodes are slow); by default the
// committed files of TestDecodeHEICRepoFiles cover both fixes.
func heifFullMatrix() bool { return os.Getenv("IMGPAR_HEIF_MATRIX") == "full" }

// heifTestPicture writes a w x h crop of a real photo as PNG, with an
// alpha ramp (transparent on the left, opaque on the right) if alpha, its
// colour multiplied by the alpha if premultiplied (what heif-enc
// --premultiplied-alpha expects of its input).
func heifTestPicture(t *testing.T, w, h int, alpha, premultiplied bool) string {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(readRepoFile(t, "photos/moss-landscape-444.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	c := src.Bounds().Size().Div(2)
	draw.Draw(img, img.Rect, src, c, draw.Src)
	if alpha {
		for y := range h {
			for x := range w {
				p := img.Pix[img.PixOffset(x, y):]
				p[3] = uint8(x * 255 / max(w-1, 1))
				if premultiplied {
					for c := range 3 {
						p[c] = uint8((int(p[c])*int(p[3]) + 127) / 255)
					}
				}
			}
		}
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("pic-%dx%d-%v-%v.png", w, h, alpha, premultiplied))
	writePNG(t, p, img)
	return p
}

// TestDecodeHEICSmall: libheif allocates every plane at least 64 samples
// wide, which gen2brain/heic's Go side did not know: pictures under 128
// pixels wide came out as garbage (7.8 dB at 64x64). 4:4:4 files isolate
// the layout (no chroma upsampling to differ: 55 dB measured, threshold
// 50); 4:2:0 ones are checked against a threshold garbage cannot reach
// (small detailed crops lose most to upsampling: 34 dB measured).
func TestDecodeHEICSmall(t *testing.T) {
	if !heifFullMatrix() {
		t.Skip("IMGPAR_HEIF_MATRIX=full runs it (.ci/run does); TestDecodeHEICRepoFiles checks a 64x64 file")
	}
	for _, sz := range []image.Point{{17, 9}, {40, 30}, {64, 64}, {75, 53}, {127, 20}, {130, 66}} {
		src := heifTestPicture(t, sz.X, sz.Y, false, false)
		compareWithHeifConvert(t, HEIC, fmt.Sprintf("%dx%d 4:4:4", sz.X, sz.Y), heifEncode(t, src, "-q", "90", "-p", "chroma=444"), 50)
		compareWithHeifConvert(t, HEIC, fmt.Sprintf("%dx%d 4:2:0", sz.X, sz.Y), heifEncode(t, src, "-q", "90"), 30)
	}
}

// TestDecodeHEICAlpha: the alpha plane (an auxiliary image, decoded on its
// own: heifalpha.go) joins the colour, as heif-convert writes it: a single
// image and an (odd-sized) grid with a grid alpha plane, 4:4:4 and 4:2:0,
// and premultiplied (heif-enc --premultiplied-alpha writes a prem
// reference). Thresholds as TestDecodeHEICSmall.
//
// With irot/imir, heif-convert 1.15 turns the colour but leaves the alpha
// plane as stored (for a non-square irot it would not even fit); imgpar
// turns both, so there the colour is compared with heif-convert and the
// alpha with heif-convert's alpha of the plain file, turned.
func TestDecodeHEICAlpha(t *testing.T) {
	if !heifFullMatrix() {
		t.Skip("IMGPAR_HEIF_MATRIX=full runs it (.ci/run does); TestDecodeHEICRepoFiles checks a grid with alpha")
	}
	conv := needTool(t, "heif-convert", "libheif-examples")
	for _, sz := range []image.Point{{64, 64}, {75, 53}, {128, 64}} {
		src := heifTestPicture(t, sz.X, sz.Y, true, false)
		name := fmt.Sprintf("%dx%d alpha", sz.X, sz.Y)
		data := heifEncode(t, src, "-q", "90", "-p", "chroma=444")
		info, err := parseHEIF(data)
		if err != nil || !info.alpha {
			t.Fatalf("%s: heif-enc wrote no alpha plane (%v)", name, err)
		}
		compareWithHeifConvert(t, HEIC, name+" 4:4:4", data, 50)
		compareWithHeifConvert(t, HEIC, name+" 4:2:0", heifEncode(t, src, "-q", "90"), 30)
		// Premultiplied: heif-convert writes the stored (premultiplied)
		// samples into its PNG as they are; imgpar's result is
		// premultiplied RGBA; so the two sample arrays are compared.
		pre := heifEncode(t, heifTestPicture(t, sz.X, sz.Y, true, true), "-q", "90", "-p", "chroma=444", "--premultiplied-alpha")
		dir := t.TempDir()
		preRef := filepath.Join(dir, "pre.png")
		runTool(t, conv, writeTemp(t, "pre.heic", pre), preRef)
		got, err := Decode(HEIC, pre)
		if err != nil {
			t.Fatalf("%s premultiplied: %v", name, err)
		}
		pm, ok := got.(*image.RGBA)
		ref, ok2 := readPNGFile(t, preRef).(*image.NRGBA)
		if !ok || !ok2 {
			t.Fatalf("%s premultiplied: decoded %T, reference %T; want *image.RGBA and *image.NRGBA", name, got, readPNGFile(t, preRef))
		}
		checkPSNR(t, name+" premultiplied", pm, &image.RGBA{Pix: ref.Pix, Stride: ref.Stride, Rect: ref.Rect}, 50)
		if info.itemType == "grid" {
			continue // heifVariants cannot add properties to a grid file's layout
		}
		plainRef := filepath.Join(dir, "plain.png")
		runTool(t, conv, writeTemp(t, "plain.heic", data), plainRef)
		refAlpha := image.NewGray(image.Rect(0, 0, sz.X, sz.Y))
		ra := readPNGFile(t, plainRef)
		for y := range sz.Y {
			for x := range sz.X {
				_, _, _, a := ra.At(x, y).RGBA()
				refAlpha.Pix[y*refAlpha.Stride+x] = uint8(a >> 8)
			}
		}
		for vname, v := range heifVariants(t, data) {
			if vname == "as encoded" {
				continue
			}
			vname = name + " " + vname
			got, err := Decode(HEIC, v)
			if err != nil {
				t.Fatalf("%s: %v", vname, err)
			}
			in := writeTemp(t, "v.heic", v)
			out := filepath.Join(filepath.Dir(in), "v.png")
			runTool(t, conv, in, out)
			checkPSNR(t, vname+" (colour)", opaqueCopy(got), opaqueCopy(readPNGFile(t, out)), 50)
			vinfo, _ := parseHEIF(v)
			wantAlpha := applyHEIFOps(refAlpha, vinfo.ops)
			gotAlpha := image.NewGray(got.Bounds())
			for y := range got.Bounds().Dy() {
				for x := range got.Bounds().Dx() {
					_, _, _, a := got.At(x, y).RGBA()
					gotAlpha.Pix[y*gotAlpha.Stride+x] = uint8(a >> 8)
				}
			}
			checkPSNR(t, vname+" (alpha)", gotAlpha, wantAlpha, 50)
		}
	}
}

// TestDecodeHEICGreyGrid: a monochrome HEIC that heif-enc writes as a grid
// (any size not a multiple of its tile) was refused with "unsupported
// chroma 0"; it decodes now (heifForWrapper relabels the tile's hvcC).
func TestDecodeHEICGreyGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the heif-enc/heif-convert matrix is skipped")
	}
	conv := needTool(t, "convert", "imagemagick")
	src := heifTestPicture(t, 75, 53, false, false)
	grey := filepath.Join(filepath.Dir(src), "grey.png")
	runTool(t, conv, src, "-colorspace", "gray", "-type", "grayscale", grey)
	compareWithHeifConvert(t, HEIC, "grey 75x53 grid", heifEncode(t, grey, "-q", "90"), 45)
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
