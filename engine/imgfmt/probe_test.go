package imgfmt

import (
	"bytes"
	"errors"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
)

// encodedSamples encodes a 37x23 gradient in every readable format (and
// AVIF), keyed by a name.
func encodedSamples(t testing.TB) map[string][]byte {
	t.Helper()
	img := gradient(37, 23)
	out := map[string][]byte{}
	for _, o := range []EncodeOptions{
		{Format: JPEG}, {Format: PNG, PNGLevel: -1}, {Format: GIF}, {Format: BMP}, {Format: TIFF},
		{Format: WebP}, {Format: WebP, Lossless: true}, {Format: AVIF},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, img, o); err != nil {
			t.Fatalf("encode %s: %v", o.Format, err)
		}
		name := string(o.Format)
		if o.Lossless {
			name += "-lossless"
		}
		out[name] = buf.Bytes()
	}
	// Alpha variants take other code paths (VP8X for lossy WebP).
	for _, f := range []Format{PNG, WebP} {
		var buf bytes.Buffer
		if err := Encode(&buf, withAlphaBorder(img), EncodeOptions{Format: f, PNGLevel: -1}); err != nil {
			t.Fatal(err)
		}
		out[string(f)+"-alpha"] = buf.Bytes()
	}
	return out
}

func TestProbeEveryFormat(t *testing.T) {
	for name, data := range encodedSamples(t) {
		h, err := ProbeBytes(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, _ := Sniff(data)
		if h.Format != want || h.Width != 37 || h.Height != 23 || h.Orientation != 1 {
			t.Errorf("%s: Probe = %+v, want %s 37x23 orientation 1", name, h, want)
		}
		// The ReaderAt form agrees.
		h2, err := Probe(bytes.NewReader(data), int64(len(data)))
		if err != nil || h2 != h {
			t.Errorf("%s: Probe(ReaderAt) = %+v, %v; ProbeBytes = %+v", name, h2, err, h)
		}
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r     *bytes.Reader
	bytes atomic.Int64
	calls atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.bytes.Add(int64(len(p)))
	c.calls.Add(1)
	return c.r.ReadAt(p, off)
}

func TestProbeJPEGSOFAfterBigEXIF(t *testing.T) {
	jpg := encodeStdJPEG(t, gradient(64, 48))
	for _, bigEndian := range []bool{false, true} {
		exif := makeEXIF(bigEndian, 6, 65000)
		app1 := segment(0xE1, append(append([]byte(nil), exifPrefix...), exif...))
		// Two more large segments put the SOF past the first 64 KiB read.
		filler := segment(0xED, bytes.Repeat([]byte{'p'}, 60000))
		data := jpegWithSegments(jpg, app1, filler, filler, segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")))
		if len(data) < 2*probeHeadLen {
			t.Fatalf("test file too small: %d", len(data))
		}
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		h, err := Probe(cr, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if h.Width != 64 || h.Height != 48 || h.Orientation != 6 || h.Components != 3 || h.BitDepth != 8 {
			t.Errorf("bigEndian=%v: Probe = %+v, want 64x48, orientation 6, 3 components", bigEndian, h)
		}
		if w, ht := h.DisplaySize(); w != 48 || ht != 64 {
			t.Errorf("DisplaySize = %dx%d, want 48x64", w, ht)
		}
		// One 64 KiB read, then segment headers only: far less than the
		// file.
		if n := cr.bytes.Load(); n > probeHeadLen+1024 {
			t.Errorf("Probe read %d bytes of a %d-byte file", n, len(data))
		}
		if h2, err := ProbeBytes(data); err != nil || h2 != h {
			t.Errorf("ProbeBytes = %+v, %v", h2, err)
		}
	}
}

func TestProbeTruncated(t *testing.T) {
	for name, data := range encodedSamples(t) {
		if strings.HasPrefix(name, "avif") {
			continue
		}
		full, err := ProbeBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(data) && n < 400; n++ {
			h, err := ProbeBytes(data[:n])
			if err != nil {
				msg := err.Error()
				if strings.Contains(msg, "\n") {
					t.Errorf("%s[:%d]: multi-line error %q", name, n, msg)
				}
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrUnknownFormat) {
					t.Errorf("%s[:%d]: error %q is neither truncated nor unknown", name, n, msg)
				}
				continue
			}
			if h.Width != full.Width || h.Height != full.Height || h.Format != full.Format {
				t.Errorf("%s[:%d]: Probe = %+v, want %+v", name, n, h, full)
			}
		}
	}
	if _, err := ProbeBytes(nil); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Probe(empty) = %v", err)
	}
	_, err := ProbeBytes([]byte("\xFF\xD8\xFF\xE0\x00"))
	if err == nil || err.Error() != "jpeg header: truncated (needs 2 bytes at offset 4, file has 5)" {
		t.Errorf("truncated JPEG error = %v", err)
	}
}

func TestProbeBombs(t *testing.T) {
	bombs := []struct {
		name string
		data []byte
		w, h int
	}{
		{"png 60000", bombPNG(60000, 60000), 60000, 60000},
		{"png 65000", bombPNG(65000, 65000), 65000, 65000},
		{"png 2^31-1", bombPNG(1<<31-1, 1<<31-1), 1<<31 - 1, 1<<31 - 1},
		{"jpeg 60000", bombJPEG(60000, 60000), 60000, 60000},
		{"jpeg 65000", bombJPEG(65000, 65000), 65000, 65000},
		{"jpeg 65535", bombJPEG(65535, 65535), 65535, 65535},
	}
	for _, b := range bombs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h, err := ProbeBytes(b.data)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if h.Width != b.w || h.Height != b.h {
			t.Errorf("%s: Probe = %dx%d, want %dx%d", b.name, h.Width, h.Height, b.w, b.h)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<10 {
			t.Errorf("%s: Probe allocated %d bytes", b.name, alloc)
		}
		err = h.CheckPixels(DefaultMaxPixels)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "pixels") {
			t.Errorf("%s: CheckPixels = %v", b.name, err)
		}
		if h.DecodedBytes() < int64(b.w)*int64(b.h)*4 {
			t.Errorf("%s: DecodedBytes = %d", b.name, h.DecodedBytes())
		}
		// Decode refuses from the header, before allocating pixels.
		runtime.ReadMemStats(&before)
		img, err := Decode(h.Format, b.data)
		runtime.ReadMemStats(&after)
		if img != nil || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: Decode = %v, %v; want ErrTooLarge", b.name, img, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<10 {
			t.Errorf("%s: Decode allocated %d bytes before refusing", b.name, alloc)
		}
	}
	// Probe itself allocates a handful of small objects.
	data := bombPNG(60000, 60000)
	if n := testing.AllocsPerRun(100, func() { ProbeBytes(data) }); n > 2 {
		t.Errorf("ProbeBytes allocates %v times", n)
	}
}

func TestProbeErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"random", "hello, world, this is not an image", "not a recognised image format"},
		{"png zero width", string(bombPNG(0, 10)), "png header: zero dimension 0x10"},
		{"jpeg DNL height", string(bombJPEG(100, 0)), "jpeg header: height 0 (defined by a later DNL marker) is unsupported"},
		{"jpeg zero width", string(bombJPEG(0, 100)), "jpeg header: zero width"},
		{"jpeg no SOF", "\xFF\xD8\xFF\xD9", "jpeg header: end of image before any frame header (SOF)"},
		{"jpeg SOS first", "\xFF\xD8\xFF\xDA\x00\x02", "jpeg header: scan data (SOS) before any frame header (SOF)"},
		{"jpeg stray bytes at the end", "\xFF\xD8\xFF\xE0\x00\x04ab\x12\x34", "jpeg header: truncated (needs 2 bytes at offset 10, file has 10)"},
		{"jpeg stray bytes beyond the budget", "\xFF\xD8\xFF\xE0\x00\x04ab" + strings.Repeat("\x00", 70000) + "\xFF\xD9", "jpeg header: bad marker 0x0000 at offset 65544"},
		{"jpeg bad length", "\xFF\xD8\xFF\xE0\x00\x01", "jpeg header: bad segment length 1 at offset 4"},
		{"gif zero", "GIF89a\x00\x00\x05\x00\x00\x00\x00", "gif header: zero dimension 0x5"},
		{"tiff bigtiff truncated", "II+\x00\x08\x00\x00\x00", "tiff header: truncated (needs 16 bytes at offset 0, file has 8)"},
		{"tiff bad ifd", "II*\x00\x04\x00\x00\x00", "tiff header: bad IFD offset 4"},
		{"tiff no entries", "II*\x00\x08\x00\x00\x00\x00\x00", "tiff header: bad IFD entry count 0"},
		{"webp unknown chunk", "RIFF\x10\x00\x00\x00WEBPABCD\x00\x00\x00\x00", `webp header: unknown first chunk "ABCD"`},
		{"avif without meta", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "avif header: truncated (needs 8 bytes at offset 28, file has 28)"},
		{"heic meta without properties", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x0cmeta\x00\x00\x00\x00", "heic header: no readable meta box with item properties"},
	}
	for _, tt := range tests {
		_, err := ProbeBytes([]byte(tt.data))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestProbeJPEGStrayBytes(t *testing.T) {
	// libjpeg and image/jpeg skip junk between segments; so does Probe.
	jpg := encodeStdJPEG(t, gradient(20, 10))
	app0 := segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	data := jpegWithSegments(jpg, append(app0, "\x00\x11 stray bytes \x00"...))
	h, err := ProbeBytes(data)
	if err != nil || h.Width != 20 || h.Height != 10 {
		t.Fatalf("Probe = %+v, %v", h, err)
	}
	if _, err := Decode(JPEG, data); err != nil {
		t.Errorf("Decode: %v", err)
	}
}

// TestProbeRepoFormats probes the real files of testdata/formats and checks
// them against the standard decoders' DecodeConfig.
func TestProbeRepoFormats(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoTestdata, "formats", "*"))
	if len(files) == 0 {
		t.Skip("testdata/formats not present; skipping")
	}
	n := 0
	for _, path := range files {
		want, ok := FormatFromExt(path)
		if !ok {
			continue
		}
		n++
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		h, err := Probe(f, st.Size())
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if h.Format != want {
			t.Errorf("%s: format %s, want %s", path, h.Format, want)
		}
		if want == WebP {
			continue // x/image/webp is registered by gen2brain/webp too
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: DecodeConfig: %v", path, err)
			continue
		}
		if cfg.Width != h.Width || cfg.Height != h.Height {
			t.Errorf("%s: Probe %dx%d, DecodeConfig %dx%d", path, h.Width, h.Height, cfg.Width, cfg.Height)
		}
	}
	t.Logf("probed %d files", n)
}

func TestProbeRepoOrientations(t *testing.T) {
	for n := 1; n <= 8; n++ {
		name := filepath.Join("orient", "orient-"+string(rune('0'+n))+".jpg")
		data := readRepoFile(t, name)
		h, err := ProbeBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Orientation != n {
			t.Errorf("%s: orientation %d", name, h.Orientation)
		}
		if w, ht := h.DisplaySize(); w != 400 || ht != 300 {
			t.Errorf("%s: display size %dx%d, want 400x300", name, w, ht)
		}
		if m := ReadMeta(JPEG, data); m.Orientation != n || m.EXIF == nil {
			t.Errorf("%s: ReadMeta orientation %d (EXIF %d bytes)", name, m.Orientation, len(m.EXIF))
		}
	}
	for _, name := range []string{"orient-6.png", "orient-6.tiff", "orient-6.webp"} {
		data := readRepoFile(t, filepath.Join("orient", name))
		h, err := ProbeBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Orientation != 6 || h.Width != 300 || h.Height != 400 {
			t.Errorf("%s: Probe = %+v, want 300x400 orientation 6", name, h)
		}
		if m := ReadMeta(h.Format, data); m.Orientation != 6 {
			t.Errorf("%s: ReadMeta orientation %d", name, m.Orientation)
		}
	}
}

// TestProbeRepoBad probes every hostile file of testdata/bad: never a
// panic, one-line errors, bombs reported with their sizes.
func TestProbeRepoBad(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoTestdata, "bad", "*"))
	if len(files) == 0 {
		t.Skip("testdata/bad not present; skipping")
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // e.g. a directory or an unreadable file
		}
		base := filepath.Base(path)
		h, err := ProbeBytes(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: multi-line error %q", base, err)
			}
			t.Logf("%s: %v", base, err)
			continue
		}
		t.Logf("%s: %s %dx%d", base, h.Format, h.Width, h.Height)
		if strings.HasPrefix(base, "over-limit") && h.CheckPixels(1<<28-1) == nil {
			t.Errorf("%s: %dx%d passes a 2^28-1 pixel limit", base, h.Width, h.Height)
		}
		if h.Pixels() > DefaultMaxPixels {
			if _, err := Decode(h.Format, data); !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: Decode = %v, want ErrTooLarge", base, err)
			}
		}
		if h.Pixels() <= 4<<20 {
			if _, err := Decode(h.Format, data); err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: multi-line decode error %q", base, err)
			}
		}
	}
}

func FuzzProbe(f *testing.F) {
	for _, data := range encodedSamples(f) {
		f.Add(data)
		for _, n := range []int{0, 1, 2, 3, 8, 12, 16, 20, 24, 26, 30, 33, 40} {
			if n < len(data) {
				f.Add(data[:n])
			}
		}
	}
	f.Add(bombPNG(60000, 60000))
	f.Add(bombJPEG(65000, 65000))
	f.Add(bombPNG(0, 0))
	f.Add([]byte("\xFF\xD8\xFF\xE1\x00\x20Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x00\x01\x04\x00\x01\x00\x00\x00\xff\xff\xff\xff"))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08\x00\x00\x00\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00"))
	f.Add([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x80\x01\x00\x18\x00"))
	if files, _ := filepath.Glob(filepath.Join(repoTestdata, "bad", "*")); len(files) > 0 {
		for _, path := range files {
			if data, err := os.ReadFile(path); err == nil && len(data) < 32<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ProbeBytes(data)
		if err == nil {
			if h.Width <= 0 || h.Height <= 0 || h.Orientation < 1 || h.Orientation > 8 {
				t.Fatalf("Probe = %+v without an error", h)
			}
		} else if strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		h2, err2 := Probe(bytes.NewReader(data), int64(len(data)))
		if h2 != h || (err == nil) != (err2 == nil) {
			t.Fatalf("Probe(ReaderAt) = %+v, %v; ProbeBytes = %+v, %v", h2, err2, h, err)
		}
		if f, ok := Sniff(data); ok {
			m := ReadMeta(f, data)
			if m.Orientation < 1 || m.Orientation > 8 {
				t.Fatalf("ReadMeta orientation %d", m.Orientation)
			}
			ResetOrientation(m.EXIF)
			if f == AVIF {
				avifWithICC(data, []byte("profile"))
			}
		}
		ResetOrientation(data)
		exifOrientation(data)
	})
}

// FuzzDecode runs the decode path on small images: it must return an image
// of the probed size or an error, never panic.
func FuzzDecode(f *testing.F) {
	for _, data := range encodedSamples(f) {
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ProbeBytes(data)
		if err != nil || h.Pixels() > 1<<20 {
			return
		}
		img, err := DecodeMax(h.Format, data, 1<<20)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if b := img.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
			t.Fatalf("decoded %v, probed %dx%d", b, h.Width, h.Height)
		}
	})
}

func TestProbeBMPHeaders(t *testing.T) {
	le := func(v uint32, n int) string {
		b := make([]byte, n)
		for i := range n {
			b[i] = byte(v >> (8 * i))
		}
		return string(b)
	}
	fileHeader := "BM" + le(0, 4) + le(0, 4) + le(54, 4)
	tests := []struct {
		name, data string
		w, h       int
		err        string
	}{
		{"v3 bottom-up", fileHeader + le(40, 4) + le(640, 4) + le(480, 4) + le(1, 2) + le(24, 2), 640, 480, ""},
		{"v3 top-down", fileHeader + le(40, 4) + le(640, 4) + le(uint32(0xFFFFFE20), 4) + le(1, 2) + le(32, 2), 640, 480, ""},
		{"v5", fileHeader + le(124, 4) + le(3, 4) + le(2, 4) + le(1, 2) + le(8, 2), 3, 2, ""},
		{"os2", fileHeader + le(12, 4) + le(300, 2) + le(200, 2) + le(1, 2) + le(24, 2), 300, 200, ""},
		{"negative width", fileHeader + le(40, 4) + le(uint32(0xFFFFFFFF), 4) + le(480, 4) + le(1, 2) + le(24, 2), 0, 0, "bmp header: bad dimensions -1x480"},
		{"min int32 height", fileHeader + le(40, 4) + le(10, 4) + le(0x80000000, 4) + le(1, 2) + le(24, 2), 0, 0, "bmp header: bad dimensions 10x2147483648"},
		{"truncated", fileHeader + le(40, 4) + le(640, 4), 0, 0, "bmp header: truncated (needs 30 bytes at offset 0, file has 22)"},
	}
	for _, tt := range tests {
		h, err := ProbeBytes([]byte(tt.data))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || h.Format != BMP || h.Width != tt.w || h.Height != tt.h {
			t.Errorf("%s: Probe = %+v, %v; want %dx%d", tt.name, h, err, tt.w, tt.h)
		}
	}
}
