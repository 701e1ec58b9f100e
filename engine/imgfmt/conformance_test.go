package imgfmt

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	xtiff "golang.org/x/image/tiff"
)

// The TIFF and BMP conformance test: every variant is made by a reference
// tool (libtiff's tiffcp, ImageMagick, Pillow) or, where no tool writes it,
// built here; decoded by imgpar; and compared by PSNR with a reference
// decoder's result (libtiff's tiff2rgba, ImageMagick, Pillow), never just
// "it decoded". Thresholds: 60 dB where both sides should agree to the bit
// (lossless codecs, 8-bit samples), 45 dB where the two round 16-bit or
// floating-point samples to 8 bits differently (at most 1 level), 32 dB for
// JPEG-compressed data (different IDCT and chroma upsampling: libjpeg's
// "fancy" triangle filter against image/jpeg's nearest neighbour).
//
// With the tools installed, TestConformanceTools makes and checks every
// case in a temporary directory. TestConformanceFixtures checks the small
// copies committed under testdata/conformance (file plus reference decode
// as PNG), so that a machine without the tools covers the main variants;
// `go test -run TestConformanceTools -update-conformance` rewrites them.

var updateConformance = flag.Bool("update-conformance", false, "rewrite testdata/conformance from the reference tools")

const conformanceDir = "testdata/conformance"

// PSNR thresholds, dB; see above.
const (
	exactDB = 60
	roundDB = 45
	jpegDB  = 32
)

type confCase struct {
	name string // output file name; also the fixture's name
	// tool and args make the file: {png} is the opaque base as PNG,
	// {alpha} the base with alpha as PNG, {tif} the base as uncompressed
	// TIFF, {bilevel} a 1-bit TIFF, {out} the file to write. build, if
	// set, makes it in Go instead (from dir's base files).
	tool  string
	args  string
	build func(t *testing.T, dir string) []byte
	ref   string // tiff2rgba, magick, pillow
	min   float64
	// fixture: also committed under testdata/conformance.
	fixture bool
	// colourOnly compares colour as stored, ignoring alpha.
	colourOnly bool
}

var conformanceCases = []confCase{
	// TIFF, libtiff-made.
	{name: "tiff-lzw.tif", tool: "tiffcp", args: "-c lzw {tif} {out}", ref: "tiff2rgba", min: exactDB},
	{name: "tiff-zip-predictor.tif", tool: "tiffcp", args: "-c zip:2 {tif} {out}", ref: "tiff2rgba", min: exactDB, fixture: true},
	{name: "tiff-packbits.tif", tool: "tiffcp", args: "-c packbits {tif} {out}", ref: "tiff2rgba", min: exactDB},
	{name: "tiff-tiled-lzw.tif", tool: "tiffcp", args: "-c lzw -t -w 32 -l 32 {tif} {out}", ref: "tiff2rgba", min: exactDB, fixture: true},
	{name: "tiff-planar.tif", tool: "tiffcp", args: "-p separate {tif} {out}", ref: "tiff2rgba", min: exactDB, fixture: true},
	{name: "tiff-planar-lzw-predictor.tif", tool: "tiffcp", args: "-p separate -c lzw:2 -r 7 {tif} {out}", ref: "tiff2rgba", min: exactDB},
	{name: "tiff-jpeg-ycbcr.tif", tool: "tiffcp", args: "-c jpeg -r 16 {tif} {out}", ref: "tiff2rgba", min: jpegDB, fixture: true},
	{name: "tiff-jpeg-tiled.tif", tool: "tiffcp", args: "-c jpeg -t -w 32 -l 32 {tif} {out}", ref: "tiff2rgba", min: jpegDB},
	{name: "tiff-jpeg-rgb.tif", tool: "tiffcp", args: "-c jpeg:r -r 16 {tif} {out}", ref: "tiff2rgba", min: jpegDB, fixture: true},
	{name: "tiff-g4-minisblack.tif", tool: "tiffcp", args: "-c g4 {bilevel} {out}", ref: "tiff2rgba", min: exactDB, fixture: true},
	{name: "tiff-g3-minisblack.tif", tool: "tiffcp", args: "-c g3 {bilevel} {out}", ref: "tiff2rgba", min: exactDB},
	// TIFF, ImageMagick-made.
	{name: "tiff-g4-miniswhite.tif", tool: "convert", args: "{png} -threshold 50% -type bilevel -compress group4 {out}", ref: "tiff2rgba", min: exactDB},
	{name: "tiff-cmyk.tif", tool: "convert", args: "{png} -colorspace CMYK -compress lzw {out}", ref: "tiff2rgba", min: roundDB, fixture: true},
	{name: "tiff-cmyk16.tif", tool: "convert", args: "{png} -colorspace CMYK -depth 16 -compress zip {out}", ref: "magick", min: roundDB},
	{name: "tiff-cmyk-jpeg.tif", tool: "tiffcp", args: "-c jpeg -r 16 {cmyk} {out}", ref: "tiff2rgba", min: jpegDB},
	{name: "tiff-ycbcr-lzw.tif", tool: "convert", args: "{png} -colorspace YCbCr -compress lzw {out}", ref: "tiff2rgba", min: roundDB},
	{name: "tiff-float32.tif", tool: "convert", args: "{png} -define quantum:format=floating-point -depth 32 -compress zip {out}", ref: "magick", min: roundDB, fixture: true},
	{name: "tiff-float32-grey-predictor.tif", tool: "convert", args: "{png} -colorspace gray -define quantum:format=floating-point -depth 32 -define tiff:predictor=3 -compress lzw {out}", ref: "magick", min: roundDB},
	{name: "tiff-float64.tif", tool: "convert", args: "{png} -define quantum:format=floating-point -depth 64 {out}", ref: "magick", min: roundDB},
	{name: "tiff-bigtiff.tif", tool: "convert", args: "{png} -compress lzw TIFF64:{out}", ref: "tiff2rgba", min: exactDB, fixture: true},
	{name: "tiff-rgb16.tif", tool: "convert", args: "{png} -depth 16 -compress zip {out}", ref: "tiff2rgba", min: roundDB},
	{name: "tiff-rgba-unassociated.tif", tool: "convert", args: "{alpha} -compress lzw {out}", ref: "magick", min: exactDB, fixture: true},
	{name: "tiff-grey-alpha.tif", tool: "convert", args: "{alpha} -colorspace gray -compress zip {out}", ref: "magick", min: exactDB},
	{name: "tiff-grey4.tif", tool: "convert", args: "{png} -colorspace gray -depth 4 {out}", ref: "tiff2rgba", min: exactDB},
	{name: "tiff-palette.tif", tool: "convert", args: "{png} -type palette -compress lzw {out}", ref: "tiff2rgba", min: exactDB},
	// TIFF, Pillow-made.
	{name: "tiff-pillow-ycbcr.tif", tool: "pillow", args: "Image.open('{png}').convert('YCbCr').save('{out}')", ref: "tiff2rgba", min: roundDB},
	{name: "tiff-pillow-cmyk.tif", tool: "pillow", args: "Image.open('{png}').convert('CMYK').save('{out}', compression='tiff_adobe_deflate')", ref: "tiff2rgba", min: exactDB},
	// TIFF, built here: no tool writes these.
	{name: "tiff-ycbcr-2x2.tif", build: buildYCbCrTIFF(2, 2), ref: "tiff2rgba", min: roundDB, fixture: true},
	{name: "tiff-ycbcr-4x1.tif", build: buildYCbCrTIFF(4, 1), ref: "tiff2rgba", min: roundDB},
	{name: "tiff-ojpeg.tif", build: buildOldJPEGTIFF(true), ref: "tiff2rgba", min: jpegDB, fixture: true},
	{name: "tiff-ojpeg-in-strip.tif", build: buildOldJPEGTIFF(false), ref: "tiff2rgba", min: jpegDB},

	// BMP, ImageMagick-made.
	{name: "bmp3-24.bmp", tool: "convert", args: "{png} BMP3:{out}", ref: "pillow", min: exactDB},
	{name: "bmp-os2.bmp", tool: "convert", args: "{png} BMP2:{out}", ref: "pillow", min: exactDB, fixture: true},
	{name: "bmp-palette8.bmp", tool: "convert", args: "{png} -type palette {out}", ref: "pillow", min: exactDB, fixture: true},
	{name: "bmp-palette4.bmp", tool: "convert", args: "{png} -colors 16 -type palette BMP3:{out}", ref: "pillow", min: exactDB},
	{name: "bmp-1bit.bmp", tool: "convert", args: "{png} -monochrome BMP3:{out}", ref: "pillow", min: exactDB, fixture: true},
	{name: "bmp-rle8.bmp", tool: "convert", args: "{png} -type palette -compress RLE BMP3:{out}", ref: "pillow", min: exactDB, fixture: true},
	{name: "bmp-rle4.bmp", tool: "convert", args: "{png} -colors 16 -type palette -compress RLE BMP3:{out}", ref: "pillow", min: exactDB, fixture: true},
	{name: "bmp-rgb565.bmp", tool: "convert", args: "{png} -define bmp:subtype=RGB565 {out}", ref: "pillow", min: roundDB, fixture: true},
	{name: "bmp-rgb555.bmp", tool: "convert", args: "{png} -define bmp:subtype=RGB555 {out}", ref: "pillow", min: roundDB},
	// 16-bit with alpha: Pillow's BMP reader drops ARGB1555's alpha and
	// refuses ARGB4444, and ImageMagick 6.9 shifts instead of scaling (a
	// 4-bit alpha of 15 reads as 240, a 1-bit 1 as 128), so the pixel
	// array goes through Pillow's raw unpackers instead ("pillow-raw16":
	// BGRA;15 and RGBA;4B, which expand by v*255/31 truncated and v*17;
	// imgpar rounds, hence roundDB). The same files with the masks after
	// a 40-byte header and BI_ALPHABITFIELDS (6), as Windows CE wrote
	// them, are built from ImageMagick's.
	{name: "bmp-argb1555.bmp", tool: "convert", args: "{alpha} -define bmp:subtype=ARGB1555 {out}", ref: "pillow-raw16", min: roundDB},
	{name: "bmp-argb4444.bmp", tool: "convert", args: "{alpha} -define bmp:subtype=ARGB4444 {out}", ref: "pillow-raw16", min: roundDB, fixture: true},
	{name: "bmp-alphabitfields-1555.bmp", build: buildAlphaBitfieldsBMP("ARGB1555"), ref: "pillow-raw16", min: roundDB, fixture: true},
	{name: "bmp-alphabitfields-4444.bmp", build: buildAlphaBitfieldsBMP("ARGB4444"), ref: "pillow-raw16", min: roundDB},
	// ...and ImageMagick agrees on colour where it scales (5-bit).
	{name: "bmp-argb1555-colour.bmp", tool: "convert", args: "{alpha} -define bmp:subtype=ARGB1555 {out}", ref: "pillow", min: roundDB, colourOnly: true},
	{name: "bmp-argb32.bmp", tool: "convert", args: "{alpha} {out}", ref: "magick", min: exactDB, fixture: true},
	{name: "bmp-rgb32.bmp", tool: "convert", args: "{png} -define bmp:subtype=RGB888 {out}", ref: "pillow", min: exactDB},
	// BMP, Pillow-made.
	{name: "bmp-pillow-palette.bmp", tool: "pillow", args: "Image.open('{png}').convert('P').save('{out}')", ref: "pillow", min: exactDB},
	// BMP, built here: a top-down file (negative height).
	{name: "bmp-topdown.bmp", build: buildTopDownBMP, ref: "pillow", min: exactDB, fixture: true},
}

// TestConformanceTools makes every case with the reference tools and
// compares imgpar's decode with the reference decode.
func TestConformanceTools(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the tool-made conformance matrix")
	}
	magick, err := lookTool("convert")
	if err != nil {
		t.Skip("ImageMagick convert not installed (Debian: imagemagick); skipping the tool-made conformance matrix")
	}
	dir := t.TempDir()
	writeConformanceBases(t, dir, magick)
	if *updateConformance {
		if err := os.MkdirAll(conformanceDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conformanceCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the tools' start-up dominates; overlap it
			file := filepath.Join(dir, c.name)
			var data []byte
			if c.build != nil {
				data = c.build(t, dir)
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				confTool(t, c.tool, expandArgs(c.args, dir, file))
				var err error
				if data, err = os.ReadFile(file); err != nil {
					t.Fatal(err)
				}
			}
			ref := referenceDecode(t, c.ref, file, dir)
			p := checkConformance(t, c, data, ref)
			t.Logf("%-32s %-9s PSNR %6.1f dB (min %.0f)", c.name, c.ref, p, c.min)
			if *updateConformance && c.fixture {
				if err := os.WriteFile(filepath.Join(conformanceDir, c.name), data, 0o644); err != nil {
					t.Fatal(err)
				}
				writePNG(t, filepath.Join(conformanceDir, c.name+".ref.png"), ref)
			}
		})
	}
}

// TestConformanceFixtures checks the committed variants against their
// committed reference decodes.
func TestConformanceFixtures(t *testing.T) {
	n := 0
	for _, c := range conformanceCases {
		if !c.fixture {
			continue
		}
		data, err := os.ReadFile(filepath.Join(conformanceDir, c.name))
		if os.IsNotExist(err) {
			t.Errorf("fixture %s missing; regenerate with -update-conformance", c.name)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		refData, err := os.ReadFile(filepath.Join(conformanceDir, c.name+".ref.png"))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := png.Decode(bytes.NewReader(refData))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) {
			p := checkConformance(t, c, data, ref)
			t.Logf("%-32s %-9s PSNR %6.1f dB (min %.0f)", c.name, c.ref, p, c.min)
		})
		n++
	}
	if n == 0 {
		t.Fatal("no conformance fixtures")
	}
}

func checkConformance(t *testing.T, c confCase, data []byte, ref image.Image) float64 {
	t.Helper()
	f, ok := Sniff(data)
	if !ok {
		t.Fatalf("%s: not sniffed as an image", c.name)
	}
	got, err := Decode(f, data)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	if got.Bounds().Size() != ref.Bounds().Size() {
		t.Fatalf("%s: decoded %v, reference %v", c.name, got.Bounds().Size(), ref.Bounds().Size())
	}
	if c.colourOnly {
		got = opaqueCopy(got)
	}
	p := psnr(got, ref)
	if p < c.min {
		t.Errorf("%s: PSNR %.1f dB against %s, want >= %.0f", c.name, p, c.ref, c.min)
	}
	return p
}

// opaqueCopy returns img's colour as stored (not premultiplied), opaque.
func opaqueCopy(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if n, ok := img.(*image.NRGBA); ok {
				c = n.NRGBAAt(x, y)
			}
			out.SetRGBA(x, y, color.RGBA{c.R, c.G, c.B, 255})
		}
	}
	return out
}

// conformanceBase is a 75x53 crop of a real photo: odd sizes exercise
// partial strips, tiles, chroma units and JPEG blocks.
func conformanceBase(t *testing.T) *image.NRGBA {
	data := readRepoFile(t, "photos/moss-landscape-444.jpg")
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	r := image.Rect(0, 0, 75, 53).Add(image.Pt(b.Dx()/2, b.Dy()/2))
	img := image.NewNRGBA(image.Rect(0, 0, 75, 53))
	draw.Draw(img, img.Rect, src, r.Min, draw.Src)
	return img
}

func writeConformanceBases(t *testing.T, dir, magick string) {
	base := conformanceBase(t)
	writePNG(t, filepath.Join(dir, "base.png"), base)
	alpha := image.NewNRGBA(base.Rect)
	copy(alpha.Pix, base.Pix)
	for y := range 53 {
		for x := range 75 {
			alpha.Pix[alpha.PixOffset(x, y)+3] = uint8(x * 255 / 74)
		}
	}
	writePNG(t, filepath.Join(dir, "alpha.png"), alpha)
	confTool(t, "convert", []string{filepath.Join(dir, "base.png"), "-compress", "none", filepath.Join(dir, "base.tif")})
	confTool(t, "convert", []string{filepath.Join(dir, "base.png"), "-threshold", "50%", "-monochrome", "-depth", "1",
		"-define", "tiff:photometric=min-is-black", "-compress", "none", filepath.Join(dir, "bilevel.tif")})
	confTool(t, "convert", []string{filepath.Join(dir, "base.png"), "-colorspace", "CMYK", "-compress", "none", filepath.Join(dir, "cmyk.tif")})
}

func expandArgs(args, dir, out string) []string {
	r := strings.NewReplacer("{png}", filepath.Join(dir, "base.png"), "{alpha}", filepath.Join(dir, "alpha.png"),
		"{tif}", filepath.Join(dir, "base.tif"), "{bilevel}", filepath.Join(dir, "bilevel.tif"),
		"{cmyk}", filepath.Join(dir, "cmyk.tif"), "{out}", out)
	if strings.HasPrefix(args, "Image.") {
		return []string{r.Replace(args)}
	}
	return strings.Fields(r.Replace(args))
}

// confPillow returns a python3 that imports PIL, or "".
func confPillow() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import PIL").Run() == nil {
			return p
		}
	}
	return ""
}

// confTool runs a reference tool, skipping the test when it is missing.
func confTool(t *testing.T, tool string, args []string) {
	t.Helper()
	var cmd *exec.Cmd
	switch tool {
	case "pillow":
		py := confPillow()
		if py == "" {
			t.Skip("Pillow not installed (Debian: python3-pil); skipping")
		}
		cmd = exec.Command(py, "-c", "from PIL import Image\n"+args[0])
	default:
		path, err := lookTool(tool)
		if err != nil {
			t.Skipf("%s not installed; skipping", tool)
		}
		cmd = exec.Command(path, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
}

// referenceDecode decodes file with a reference decoder: libtiff's
// tiff2rgba (its RGBA output read by golang.org/x/image/tiff, whose
// uncompressed RGBA path is independent of ours), ImageMagick or Pillow
// (to 8-bit RGBA PNG).
func referenceDecode(t *testing.T, ref, file, dir string) image.Image {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(file)+".ref")
	switch ref {
	case "tiff2rgba":
		confTool(t, "tiff2rgba", []string{"-c", "none", file, out + ".tif"})
		data, err := os.ReadFile(out + ".tif")
		if err != nil {
			t.Fatal(err)
		}
		img, err := xtiff.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("x/image/tiff on tiff2rgba output: %v", err)
		}
		return img
	case "magick":
		confTool(t, "convert", []string{file + "[0]", "PNG32:" + out + ".png"})
	case "pillow":
		confTool(t, "pillow", []string{fmt.Sprintf("Image.open('%s').convert('RGBA').save('%s.png')", file, out)})
	case "pillow-raw16":
		confTool(t, "pillow", []string{fmt.Sprintf(pillowRaw16, file, out)})
	default:
		t.Fatalf("unknown reference %q", ref)
	}
	data, err := os.ReadFile(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pillowRaw16 decodes a 16-bit BMP with an alpha mask (BI_BITFIELDS with
// a V4/V5 header, or BI_ALPHABITFIELDS: the masks are at offset 54 either
// way) by handing its pixel array to Pillow's raw unpackers; RGBA;4B reads
// the low nibble as red, where BMP keeps blue, so R and B are swapped.
const pillowRaw16 = `import struct
d = open('%s', 'rb').read()
off, = struct.unpack_from('<I', d, 10)
w, h = struct.unpack_from('<ii', d, 18)
bpp, comp = struct.unpack_from('<HI', d, 28)
masks = struct.unpack_from('<4I', d, 54)
assert bpp == 16 and comp in (3, 6), (bpp, comp)
mode = {(0x7C00, 0x3E0, 0x1F, 0x8000): 'BGRA;15', (0xF00, 0xF0, 0xF, 0xF000): 'RGBA;4B'}[masks]
im = Image.frombuffer('RGBA', (w, abs(h)), d[off:], 'raw', mode, (w * 16 + 31) // 32 * 4, -1 if h > 0 else 1)
if mode == 'RGBA;4B':
    r, g, b, a = im.split()
    im = Image.merge('RGBA', (b, g, r, a))
im.save('%s.png')`

// buildAlphaBitfieldsBMP returns a builder of a BI_ALPHABITFIELDS BMP: a
// 40-byte BITMAPINFOHEADER with compression 6 followed by the four masks,
// the pixels those of ImageMagick's V5 file of the given subtype.
func buildAlphaBitfieldsBMP(subtype string) func(t *testing.T, dir string) []byte {
	return func(t *testing.T, dir string) []byte {
		src := filepath.Join(dir, "v5-"+subtype+".bmp")
		confTool(t, "convert", []string{filepath.Join(dir, "alpha.png"), "-define", "bmp:subtype=" + subtype, src})
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		le := binary.LittleEndian
		off := le.Uint32(data[10:])
		out := bytes.Clone(data[:14+40+16])
		le.PutUint32(out[10:], 14+40+16)
		le.PutUint32(out[14:], 40)
		le.PutUint32(out[30:], 6)
		out = append(out, data[off:]...)
		le.PutUint32(out[2:], uint32(len(out)))
		return out
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tiffEntry is one IFD entry for the hand-built TIFFs below.
type tiffEntry struct {
	tag, typ uint16
	vals     []uint32 // SHORT or LONG values; RATIONAL as num, den pairs
}

// buildTIFF writes a little-endian classic TIFF with one IFD: the header,
// then payload, then the IFD (entries sorted by the caller) with values
// that do not fit inline placed after it. Offsets into payload are given
// relative to its start; payloadBase is where it lands (8).
func buildTIFF(payload []byte, entries []tiffEntry) []byte {
	const payloadBase = 8
	le := binary.LittleEndian
	out := []byte("II*\x00\x00\x00\x00\x00")
	out = append(out, payload...)
	if len(out)%2 == 1 {
		out = append(out, 0)
	}
	ifd := len(out)
	le.PutUint32(out[4:], uint32(ifd))
	extra := ifd + 2 + 12*len(entries) + 4
	var tail []byte
	out = le.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		size := map[uint16]int{3: 2, 4: 4, 5: 8}[e.typ]
		count := len(e.vals)
		if e.typ == 5 {
			count /= 2
		}
		var v []byte
		for _, x := range e.vals {
			if e.typ == 3 {
				v = le.AppendUint16(v, uint16(x))
			} else {
				v = le.AppendUint32(v, x)
			}
		}
		out = le.AppendUint16(out, e.tag)
		out = le.AppendUint16(out, e.typ)
		out = le.AppendUint32(out, uint32(count))
		if size*count <= 4 {
			v = append(v, make([]byte, 4-len(v))...)
			out = append(out, v...)
		} else {
			out = le.AppendUint32(out, uint32(extra+len(tail)))
			tail = append(tail, v...)
		}
	}
	out = le.AppendUint32(out, 0)
	return append(out, tail...)
}

// buildYCbCrTIFF returns a builder of an uncompressed YCbCr TIFF with
// ssH x ssV chroma subsampling (which tiffcp and ImageMagick do not
// write): luma units then one Cb, one Cr per unit, in strips of 2*ssV rows,
// converted from the base with image/color's JFIF formula and chroma
// averaged over each unit.
func buildYCbCrTIFF(ssH, ssV int) func(t *testing.T, dir string) []byte {
	return func(t *testing.T, dir string) []byte {
		base := conformanceBase(t)
		w, h := base.Rect.Dx(), base.Rect.Dy()
		rps := 2 * ssV
		var payload []byte
		var offsets, counts []uint32
		for y0 := 0; y0 < h; y0 += rps {
			start := len(payload)
			for uy := y0; uy < min(y0+rps, h); uy += ssV {
				for ux := 0; ux < w; ux += ssH {
					var cbSum, crSum, n int
					var ys []byte
					for dy := range ssV {
						for dx := range ssH {
							x, y := min(ux+dx, w-1), min(uy+dy, h-1)
							c := base.NRGBAAt(x, y)
							yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
							ys = append(ys, yy)
							if ux+dx < w && uy+dy < h {
								cbSum, crSum, n = cbSum+int(cb), crSum+int(cr), n+1
							}
						}
					}
					payload = append(payload, ys...)
					payload = append(payload, byte((cbSum+n/2)/n), byte((crSum+n/2)/n))
				}
			}
			offsets = append(offsets, uint32(8+start))
			counts = append(counts, uint32(len(payload)-start))
		}
		return buildTIFF(payload, []tiffEntry{
			{256, 3, []uint32{uint32(w)}},
			{257, 3, []uint32{uint32(h)}},
			{258, 3, []uint32{8, 8, 8}},
			{259, 3, []uint32{1}},
			{262, 3, []uint32{6}},
			{273, 4, offsets},
			{277, 3, []uint32{3}},
			{278, 3, []uint32{uint32(rps)}},
			{279, 4, counts},
			{284, 3, []uint32{1}},
			{530, 3, []uint32{uint32(ssH), uint32(ssV)}},
			{532, 5, []uint32{0, 1, 255, 1, 128, 1, 255, 1, 128, 1, 255, 1}},
		})
	}
}

// buildOldJPEGTIFF returns a builder of an old-style JPEG TIFF
// (compression 6) as 1990s scanners wrote them: the whole image one JFIF
// stream, given as the single strip and, with interchange, pointed to by
// JPEGInterchangeFormat too.
func buildOldJPEGTIFF(interchange bool) func(t *testing.T, dir string) []byte {
	return func(t *testing.T, dir string) []byte {
		base := conformanceBase(t)
		var j bytes.Buffer
		if err := jpeg.Encode(&j, base, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		n := uint32(j.Len())
		entries := []tiffEntry{
			{256, 3, []uint32{75}},
			{257, 3, []uint32{53}},
			{258, 3, []uint32{8, 8, 8}},
			{259, 3, []uint32{6}},
			{262, 3, []uint32{6}},
			{273, 4, []uint32{8}},
			{277, 3, []uint32{3}},
			{278, 3, []uint32{53}},
			{279, 4, []uint32{n}},
			{284, 3, []uint32{1}},
		}
		if interchange {
			entries = append(entries, tiffEntry{513, 4, []uint32{8}}, tiffEntry{514, 4, []uint32{n}})
		}
		return buildTIFF(j.Bytes(), append(entries, tiffEntry{530, 3, []uint32{2, 2}}))
	}
}

// buildTopDownBMP turns ImageMagick's 24-bit BMP3 of the base into a
// top-down file: negative height, rows reversed.
func buildTopDownBMP(t *testing.T, dir string) []byte {
	src := filepath.Join(dir, "bottomup.bmp")
	confTool(t, "convert", []string{filepath.Join(dir, "base.png"), "BMP3:" + src})
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	off := int(binary.LittleEndian.Uint32(data[10:]))
	w, h := int(int32(binary.LittleEndian.Uint32(data[18:]))), int(int32(binary.LittleEndian.Uint32(data[22:])))
	stride := (w*3 + 3) &^ 3
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint32(out[22:], uint32(-int32(h)))
	for y := range h {
		copy(out[off+y*stride:off+(y+1)*stride], data[off+(h-1-y)*stride:])
	}
	return out
}

// TestTIFFRefusals checks that files imgpar cannot read are refused with a
// message that names what they are.
func TestTIFFRefusals(t *testing.T) {
	base := conformanceBase(t)
	var buf bytes.Buffer
	if err := Encode(&buf, base, DefaultEncodeOptions(TIFF)); err != nil {
		t.Fatal(err)
	}
	withTag := func(tag uint16, value uint16) []byte {
		data := bytes.Clone(buf.Bytes())
		off, bo, ok := findIFD0Tag(data, tag)
		if !ok {
			t.Fatalf("tag %d not in the encoded TIFF", tag)
		}
		bo.put16(data[off+8:], value)
		return data
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg2000", withTag(259, 34712), "decode tiff: compression 34712 (JPEG 2000) is not supported"},
		{"unknown compression", withTag(259, 40000), "decode tiff: compression 40000 is not supported"},
		{"lab", withTag(262, 8), "decode tiff: photometric interpretation 8 (CIE L*a*b*) is not supported"},
		{"cfa", withTag(262, 32803), "decode tiff: photometric interpretation 32803 (colour filter array (raw sensor data)) is not supported"},
		{"signed", append(withTag(259, 8)[:0:0], buildTIFF([]byte{1, 2, 3, 4}, []tiffEntry{
			{256, 3, []uint32{2}}, {257, 3, []uint32{2}}, {258, 3, []uint32{8}}, {259, 3, []uint32{1}},
			{262, 3, []uint32{1}}, {273, 4, []uint32{8}}, {277, 3, []uint32{1}}, {279, 4, []uint32{4}}, {339, 3, []uint32{2}},
		})...), "decode tiff: sample format 2 (signed integer) is not supported"},
	} {
		_, err := Decode(TIFF, tt.data)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestArithmeticJPEGRefused checks the one-line refusal of arithmetic-coded
// JPEGs, found from the frame marker: a baseline file relabelled SOF9 and,
// when libjpeg-turbo's cjpeg is installed, real arithmetic-coded files.
func TestArithmeticJPEGRefused(t *testing.T) {
	const want = "arithmetic-coded JPEG is not supported"
	jpg := encodeStdJPEG(t, gradient(40, 30))
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	sof9 := bytes.Clone(jpg)
	sof9[i+1] = 0xC9
	files := map[string][]byte{"relabelled SOF9": sof9}
	if cjpeg, err := exec.LookPath("cjpeg"); err == nil {
		dir := t.TempDir()
		ppm := filepath.Join(dir, "g.ppm")
		g := gradient(40, 30)
		var p bytes.Buffer
		fmt.Fprintf(&p, "P6\n40 30\n255\n")
		for k := 0; k < len(g.Pix); k += 4 {
			p.Write(g.Pix[k : k+3])
		}
		if err := os.WriteFile(ppm, p.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"-arithmetic"}, {"-arithmetic", "-progressive"}} {
			out, err := exec.Command(cjpeg, append(args, ppm)...).Output()
			if err != nil {
				t.Fatalf("cjpeg %v: %v", args, err)
			}
			files["cjpeg "+strings.Join(args, " ")] = out
		}
	} else {
		t.Log("cjpeg not installed (Debian: libjpeg-turbo-progs): checking the relabelled file only")
	}
	for name, data := range files {
		h, err := ProbeBytes(data)
		if err != nil {
			t.Fatalf("%s: probe: %v", name, err)
		}
		if err := h.Unsupported(); err == nil || err.Error() != want {
			t.Errorf("%s: Unsupported() = %v, want %q", name, err, want)
		}
		if _, err := Decode(JPEG, data); err == nil || err.Error() != want {
			t.Errorf("%s: Decode error %v, want %q", name, err, want)
		}
	}
}
