package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/internal/icc"
	"github.com/imgpar/imgpar/engine/internal/ycc"
	"github.com/imgpar/imgpar/engine/raster"
)

// lcmsRender is Pillow's ImageCms (lcms2) rendering a file to sRGB through
// its embedded profile: perceptual intent, lcms' built-in sRGB, what sharp
// asks libvips for. Grey goes through lcms' exact pipeline (NOTPRECALC):
// its optimised 8-bit grey table is up to 10 levels off near black.
const lcmsRender = `
import io, sys
from PIL import Image, ImageCms
path, prof, mode, w, h, outp = sys.argv[1:]
if mode == 'file':
    im = Image.open(path)
    prof = io.BytesIO(im.info['icc_profile'])
else:
    im = Image.frombytes(mode, (int(w), int(h)), open(path, 'rb').read())
flags = 256 if im.mode == 'L' else 0
out = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(prof), ImageCms.createProfile('sRGB'),
                                renderingIntent=0, outputMode='RGB', flags=flags)
open(outp, 'wb').write(out.tobytes())
`

func pillow(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "from PIL import ImageCms").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with Pillow's ImageCms (Debian python3-pil): lcms2 reference unavailable")
	return ""
}

// lcmsReference renders with lcms2 either a file through its own profile
// (mode "file": Pillow decodes it) or raw pixels (mode "L", "RGB", "CMYK")
// through profile.
func lcmsReference(t *testing.T, py string, data, profile []byte, mode string, w, h int) *image.RGBA {
	t.Helper()
	dir := t.TempDir()
	in, prof, out := filepath.Join(dir, "in"), filepath.Join(dir, "p.icc"), filepath.Join(dir, "out.raw")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prof, profile, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(py, "-c", lcmsRender, in, prof, mode, fmt.Sprint(w), fmt.Sprint(h), out).CombinedOutput(); err != nil {
		t.Fatalf("Pillow ImageCms: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil || len(raw) != 3*w*h {
		t.Fatalf("Pillow output: %d bytes (%v), want %d", len(raw), err, 3*w*h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], raw[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// meanDeltaE is the mean CIE76 ΔE between two images (D50 Lab of sRGB).
func meanDeltaE(a, b image.Image) (mean, p99 float64) {
	r := a.Bounds()
	ra, rb := image.NewRGBA(r), image.NewRGBA(r)
	draw.Draw(ra, r, a, r.Min, draw.Src)
	draw.Draw(rb, r, b, b.Bounds().Min, draw.Src)
	var hist [1000]int
	var sum float64
	n := r.Dx() * r.Dy()
	for i := 0; i < n; i++ {
		p, q := ra.Pix[4*i:], rb.Pix[4*i:]
		d := icc.DeltaE76(icc.SRGBToLab(p[0], p[1], p[2]), icc.SRGBToLab(q[0], q[1], q[2]))
		sum += d
		hist[min(int(d*10), len(hist)-1)]++
	}
	c := 0
	for i, h := range hist {
		if c += h; c >= n*99/100 {
			p99 = float64(i+1) / 10
			break
		}
	}
	return sum / float64(n), p99
}

// greyPNG is a grey gradient PNG carrying the (linear, gamma 1.0) grey
// profile of icc-profiles-free.
func greyPNG(t *testing.T) []byte {
	prof, err := os.ReadFile("imgfmt/testdata/Gray.icc")
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(image.Rect(0, 0, 256, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 256; x++ {
			g.Pix[y*g.Stride+x] = uint8(x)
		}
	}
	var buf bytes.Buffer
	o := imgfmt.DefaultEncodeOptions(imgfmt.PNG)
	o.ICC = prof
	if err := imgfmt.Encode(&buf, g, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawPixels returns a decoded image's samples as lcms wants them.
func rawPixels(img image.Image) ([]byte, string) {
	switch m := img.(type) {
	case *image.CMYK:
		return m.Pix, "CMYK"
	case *image.Gray:
		return m.Pix, "L"
	}
	rgba := plainRGBA(img)
	raw := make([]byte, 0, len(rgba.Pix)/4*3)
	for i := 0; i < len(rgba.Pix); i += 4 {
		raw = append(raw, rgba.Pix[i:i+3]...)
	}
	return raw, "RGB"
}

// plainRGBA is img's stored numbers as RGB, converted as imgpar's
// encoders convert them (YCbCr by engine/internal/ycc, libjpeg's rounding;
// CMYK by the plain formula).
func plainRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.YCbCr); ok {
		return ycc.ToRGBA(m)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src)
	return rgba
}

// TestColourAgainstLCMS: each kind of profile, converted by imgpar at full
// size (no resampling, so only colour differs), against lcms2 converting
// the same decoded pixels (so that decoder differences do not count), and,
// as a figure, against lcms2 on Pillow's own decode (libjpeg's upsampling
// differs): BMP output (cannot carry the profile: converted), PNG with
// --colorspace srgb (converted, tagged sRGB; grey stays grey and untagged,
// since an RGB profile cannot describe grey pixels); and the default, which
// keeps the profile and the pixels (TIFF now carries it).
func TestColourAgainstLCMS(t *testing.T) {
	py := pillow(t)
	cases := []struct {
		name, file string
		kind       string
		minPSNR    float64 // against lcms2
		maxMeanDE  float64
		// bigTIFF: the file is rewritten as a BigTIFF carrying its
		// profile in tag 34675 (imgpar's TIFF output, then tiffcp -8).
		bigTIFF bool
	}{
		{"adobergb-jpeg", "icc/boats-adobergb.jpg", "RGB matrix/TRC", 55, 0.1, false},
		{"adobergb-png", "icc/boats-adobergb.png", "RGB matrix/TRC, PNG iCCP", 55, 0.1, false},
		{"rgb-lut16", "icc/boats-rgb-lut-profile-2seg.jpg", "RGB lut16, Lab PCS", 50, 0.2, false},
		{"cmyk-lut16", "icc/boats-cmyk-fogra39-3seg.jpg", "CMYK (YCCK JPEG) lut16, Lab PCS", 50, 0.2, false},
		{"grey", "", "grey kTRC (PNG)", 55, 0.1, false},
		{"adobergb-bigtiff", "icc/boats-adobergb.png", "RGB matrix/TRC, BigTIFF tag 34675", 55, 0.1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.file == "" {
				data = greyPNG(t)
			} else {
				data = readTestdata(t, tc.file)
			}
			if tc.bigTIFF {
				data = bigTIFFWithProfile(t, data)
			}
			hdr, err := imgfmt.ProbeBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			srcICC := imgfmt.ReadMeta(hdr.Format, data).ICC
			if imgfmt.ICCColorSpace(srcICC) == "" {
				t.Fatalf("%s: no profile read from the %s file", tc.name, hdr.Format)
			}
			decoded, err := imgfmt.DecodeMax(hdr.Format, data, 0)
			if hdr.Format == imgfmt.JPEG {
				decoded, _, err = raster.DecodeJPEGScaled(data, 1)
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, mode := rawPixels(decoded)
			want := lcmsReference(t, py, raw, srcICC, mode, hdr.Width, hdr.Height)
			pillowWhole := lcmsReference(t, py, data, nil, "file", hdr.Width, hdr.Height)
			// The stored numbers read as sRGB: what a tool without colour
			// management shows (for CMYK: the plain formula).
			plain := plainRGBA(decoded)
			for _, out := range []struct {
				format, colorspace string
				wantICC            []byte
			}{{"bmp", "", nil}, {"png", ColorspaceSRGB, imgfmt.SRGBProfile()}} {
				if mode == "L" {
					out.wantICC = nil
				}
				spec := colourSpec(t, hdr.Width, out.format, out.colorspace)
				img, meta := transform(t, data, spec)
				enc, got := roundTrip(t, img, meta, spec)
				f, _ := imgfmt.ParseFormat(out.format)
				if icc := imgfmt.ReadMeta(f, enc).ICC; !bytes.Equal(icc, out.wantICC) {
					t.Errorf("%s: embedded profile of %d bytes, want %d", out.format, len(icc), len(out.wantICC))
				}
				p := psnr(got, want)
				de, de99 := meanDeltaE(got, want)
				t.Logf("%s -> %s %s: against lcms2 %.1f dB, ΔE76 mean %.2f p99 %.1f; against lcms2 on Pillow's decode %.1f dB (unmanaged: %.1f dB)",
					tc.kind, out.format, out.colorspace, p, de, de99, psnr(got, pillowWhole), psnr(plain, pillowWhole))
				// End to end, libjpeg's fancy upsampling against ours costs
				// JPEG input a few dB; 40 dB is far above the unmanaged result.
				if pw := psnr(got, pillowWhole); pw < 40 {
					t.Errorf("%s: %.1f dB against lcms2 on Pillow's decode, want >= 40", out.format, pw)
				}
				if p < tc.minPSNR || de > tc.maxMeanDE {
					t.Errorf("%s: %.1f dB (want >= %.0f), ΔE76 mean %.2f (want <= %.1f)", out.format, p, tc.minPSNR, de, tc.maxMeanDE)
				}
			}
			// Default, TIFF: an RGB or grey profile is kept and the pixels
			// are the decoder's; a CMYK one is applied and not embedded.
			spec := colourSpec(t, hdr.Width, "tiff", "")
			img, meta := transform(t, data, spec)
			enc, got := roundTrip(t, img, meta, spec)
			kept := imgfmt.ReadMeta(imgfmt.TIFF, enc).ICC
			if imgfmt.ICCColorSpace(srcICC) == "CMYK" {
				if kept != nil || psnr(got, want) < tc.minPSNR {
					t.Errorf("CMYK to TIFF: profile %d bytes (want none), %.1f dB against lcms2", len(kept), psnr(got, want))
				}
				return
			}
			if !bytes.Equal(kept, srcICC) {
				t.Errorf("TIFF output: profile of %d bytes, want the input's %d", len(kept), len(srcICC))
			}
			if p := psnr(got, plain); p < 60 {
				t.Errorf("TIFF output with the profile kept: pixels changed (%.1f dB against the plain decode)", p)
			}
		})
	}
}

// bigTIFFWithProfile turns an image file carrying an ICC profile into a
// BigTIFF carrying the same profile: imgpar writes a classic TIFF (tag
// 34675) and libtiff's tiffcp -8 rewrites it as BigTIFF, so the reader
// under test meets a file libtiff made.
func bigTIFFWithProfile(t *testing.T, data []byte) []byte {
	t.Helper()
	tiffcp, err := exec.LookPath("tiffcp")
	if err != nil {
		t.Skip("tiffcp (Debian libtiff-tools) not installed: cannot make the BigTIFF")
	}
	hdr, err := imgfmt.ProbeBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imgfmt.DecodeMax(hdr.Format, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	o := imgfmt.DefaultEncodeOptions(imgfmt.TIFF)
	o.ICC = imgfmt.ReadMeta(hdr.Format, data).ICC
	if err := imgfmt.Encode(&buf, img, o); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "classic.tif"), filepath.Join(dir, "big.tif")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(tiffcp, "-8", in, out).CombinedOutput(); err != nil {
		t.Fatalf("tiffcp -8: %v\n%s", err, b)
	}
	big, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) < 4 || big[2] != 43 {
		t.Fatalf("tiffcp -8 wrote no BigTIFF (% x)", big[:min(len(big), 4)])
	}
	return big
}

// TestColourConvertsOnlyWhenNeeded: an sRGB-tagged input is not converted
// (the result is bit-identical to keeping it), untagged input with
// --colorspace srgb is tagged but untouched, and a broken profile is
// ignored as sharp ignores it.
func TestColourConvertsOnlyWhenNeeded(t *testing.T) {
	data := readTestdata(t, "icc/boats-srgb-untagged.jpg")
	untagged := withICC(t, data, nil)
	base, _ := transform(t, untagged, colourSpec(t, 200, "bmp", ""))
	img, meta := transform(t, untagged, colourSpec(t, 200, "png", ColorspaceSRGB))
	if !bytes.Equal(meta.ICC, imgfmt.SRGBProfile()) || psnr(img, base) != math.Inf(1) {
		t.Errorf("untagged input with --colorspace srgb: profile %d bytes, pixels %.1f dB from plain", len(meta.ICC), psnr(img, base))
	}
	for _, prof := range [][]byte{imgfmt.SRGBProfile(), []byte("not a profile, long enough to pass for one? no: no acsp signature here at all.................................................................................................")} {
		tagged := withICC(t, data, prof)
		got, meta := transform(t, tagged, colourSpec(t, 200, "bmp", ""))
		if meta.ICC != nil || psnr(got, base) != math.Inf(1) {
			t.Errorf("profile of %d bytes to BMP: pixels %.1f dB from plain, profile %d bytes", len(prof), psnr(got, base), len(meta.ICC))
		}
	}
	var oe *OptionError
	if _, err := NewImageSpec(ImageOptions{Colorspace: "p3"}); !errors.As(err, &oe) || oe.Option != "colorspace" {
		t.Errorf("colorspace p3: %v, want an OptionError", err)
	}
	if s, err := NewImageSpec(ImageOptions{Colorspace: "sRGB"}); err != nil || s.Colorspace != ColorspaceSRGB {
		t.Errorf("colorspace sRGB: %q, %v", s.Colorspace, err)
	}
}

// withICC re-encodes a JPEG as PNG with profile attached.
func withICC(t *testing.T, jpegData, profile []byte) []byte {
	img, err := imgfmt.DecodeMax(imgfmt.JPEG, jpegData, imgfmt.DefaultMaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	o := imgfmt.DefaultEncodeOptions(imgfmt.PNG)
	o.ICC = profile
	if err := imgfmt.Encode(&buf, img, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// colourSpec is the spec of a resize to width in format, with colorspace.
func colourSpec(t testing.TB, width int, format, colorspace string) ImageSpec {
	return mustSpec(t, ImageOptions{Width: &width, Format: format, Colorspace: colorspace})
}

// TestSRGBProfileNotEmbedded: a profile that is sRGB by colour (Debian
// icc-profiles-free's sRGB.icc, embedded losslessly in the untagged photo)
// is left out of every format that carries profiles, and the output is
// byte for byte the untagged photo's: same pixels, no profile. Profiles
// that are not sRGB (Adobe RGB, Display P3) are kept byte for byte;
// --keep-metadata keeps even the sRGB one; a set's renditions follow the
// same rule.
func TestSRGBProfileNotEmbedded(t *testing.T) {
	tagged := readTestdata(t, "icc/boats-srgb.jpg")
	untagged := readTestdata(t, "icc/boats-srgb-untagged.jpg")
	srgb := imgfmt.ReadMeta(imgfmt.JPEG, tagged).ICC
	if len(srgb) != 6922 || !imgfmt.SRGBEquivalent(srgb) {
		t.Fatalf("boats-srgb.jpg carries a %d-byte profile, sRGB %v; want icc-profiles-free's sRGB.icc", len(srgb), imgfmt.SRGBEquivalent(srgb))
	}
	adobe := readTestdata(t, "icc/boats-adobergb.jpg")
	p3 := withICC(t, untagged, displayP3())
	for _, format := range []string{"jpeg", "png", "webp", "avif", "tiff"} {
		t.Run(format, func(t *testing.T) {
			f, _ := imgfmt.ParseFormat(format)
			spec := mustSpec(t, ImageOptions{Width: new(240), Format: format})
			out := func(data []byte, spec ImageSpec) []byte {
				img, meta := transform(t, data, spec)
				b, _ := roundTrip(t, img, meta, spec)
				return b
			}
			got, want := out(tagged, spec), out(untagged, spec)
			if icc := imgfmt.ReadMeta(f, got).ICC; icc != nil {
				t.Errorf("sRGB-tagged input: output carries a %d-byte profile", len(icc))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("sRGB-tagged input: %d bytes, not the untagged input's %d", len(got), len(want))
			}
			for name, in := range map[string][]byte{"Adobe RGB": adobe, "Display P3": p3} {
				inFormat, _ := imgfmt.Sniff(in)
				src := imgfmt.ReadMeta(inFormat, in).ICC
				if icc := imgfmt.ReadMeta(f, out(in, spec)).ICC; !bytes.Equal(icc, src) {
					t.Errorf("%s input: output profile %d bytes, want the input's %d byte for byte", name, len(icc), len(src))
				}
			}
			keep := spec
			keep.KeepMetadata = true
			kept := out(tagged, keep)
			if icc := imgfmt.ReadMeta(f, kept).ICC; !bytes.Equal(icc, srgb) {
				t.Errorf("--keep-metadata: output profile %d bytes, want the input's %d byte for byte", len(icc), len(srgb))
			}
			if f.CanDecode() {
				a, err1 := imgfmt.DecodeMax(f, kept, imgfmt.DefaultMaxPixels)
				b, err2 := imgfmt.DecodeMax(f, got, imgfmt.DefaultMaxPixels)
				if err1 != nil || err2 != nil || psnr(a, b) != math.Inf(1) {
					t.Errorf("--keep-metadata changed the pixels (%v, %v)", err1, err2)
				}
			}
		})
	}
	t.Run("set", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "tagged.jpg")
		if err := os.WriteFile(in, tagged, 0o644); err != nil {
			t.Fatal(err)
		}
		spec, err := NewImageSpec(ImageOptions{Widths: []int{300, 120}, Format: "png,jpeg"})
		if err != nil {
			t.Fatal(err)
		}
		job := setJob(t, in, dir, spec)
		if res := Execute(context.Background(), job, 1); !res.OK {
			t.Fatalf("%+v", res)
		}
		for _, r := range job.Renditions {
			if icc := imgfmt.ReadMeta(r.Format, readFile(t, r.Output)).ICC; icc != nil {
				t.Errorf("%s: carries a %d-byte profile", filepath.Base(r.Output), len(icc))
			}
		}
	})
}

// displayP3 is a Display P3 profile with the colorants, adaptation and
// sRGB curve of Apple's "Display P3" profile (none ships with Debian).
func displayP3() []byte {
	return icc.MatrixProfile("Display P3 (imgpar test)",
		[3][3]float64{{0.515121, 0.241196, -0.001053}, {0.291977, 0.692245, 0.041885}, {0.157104, 0.066574, 0.784073}},
		icc.ParaTag(3, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045),
		[9]float64{1.047882, 0.022918, -0.050217, 0.029586, 0.990478, -0.017075, -0.009247, 0.015075, 0.751678})
}
