#!/bin/sh
# Regenerates the HEIC/AVIF inputs: testdata/formats/leaf.heic, testdata/formats/leaf.avif,
# testdata/orient/orient-6-irot.heic, and heif-convert's decodes of the two leaf files beside
# the imgfmt tests (engine/imgfmt/testdata/*.heif-convert.png).
# Needs: libheif-examples (heif-enc with x265 and aom, heif-convert), python3.
# Usage: sh testdata/gen/heic.sh   (from the repository root)
set -eu
R=engine/imgfmt/testdata
heif-enc -q 50 -o testdata/formats/leaf.heic testdata/formats/leaf-baseline.jpg
heif-enc -A -q 50 -o testdata/formats/leaf.avif testdata/formats/leaf-baseline.jpg
# orient-6.png stores the picture turned 90° anticlockwise with an EXIF orientation 6 (eXIf);
# heif-enc keeps both as they are (pixels sideways, EXIF orientation 6, no irot). Adding an
# irot of 3 (270° anticlockwise = 90° clockwise) to the primary item makes the file an
# iPhone-style one: a reader that applies irot shows it upright, one that also applies the
# EXIF orientation turns it twice.
heif-enc -q 50 -o testdata/orient/orient-6-irot.heic testdata/orient/orient-6.png
python3 - testdata/orient/orient-6-irot.heic <<'PY'
import struct, sys
path = sys.argv[1]
d = bytearray(open(path, 'rb').read())
def boxes(s, e):
    out, o = {}, s
    while o + 8 <= e:
        n = struct.unpack('>I', d[o:o+4])[0]
        out[d[o+4:o+8].decode()] = (o, n)
        o += n
    return out
top = boxes(0, len(d))
mo, mn = top['meta']
meta = boxes(mo + 12, mo + mn)
po, pn = meta['iprp']
iprp = boxes(po + 8, po + pn)
co, cn = iprp['ipco']
ao, an = iprp['ipma']
nprops = len(boxes(co + 8, co + cn))
irot = struct.pack('>I', 9) + b'irot' + bytes([3])
delta = len(irot) + 1
# iloc v0, 4-byte offsets/lengths, 4-byte base offsets (heif-enc 1.15's layout): move every
# location after meta by delta.
lo, ln = meta['iloc']
assert d[lo+8] == 0 and d[lo+12] == 0x44 and d[lo+13] == 0x40, 'unexpected iloc layout'
p, items = lo + 16, struct.unpack('>H', d[lo+14:lo+16])[0]
for _ in range(items):
    p += 4  # item_ID, data_reference_index
    base = struct.unpack('>I', d[p:p+4])[0]
    if base >= mo + mn:
        d[p:p+4] = struct.pack('>I', base + delta)
    p += 4
    ext = struct.unpack('>H', d[p:p+2])[0]
    p += 2 + 8 * ext
# ipma v0, 1-byte associations: append the new property (essential) to item 1 (primary).
q = ao + 12 + 4
assert struct.unpack('>H', d[q:q+2])[0] == 1, 'primary item is not the first ipma entry'
count = d[q+2]
d[q+2] = count + 1
ins = q + 3 + count
for off, grow in ((mo, delta), (po, delta), (co, len(irot)), (ao, 1)):
    d[off:off+4] = struct.pack('>I', struct.unpack('>I', d[off:off+4])[0] + grow)
d = d[:ins] + bytes([0x80 | (nprops + 1)]) + d[ins:]
d = d[:co+cn] + irot + d[co+cn:]
open(path, 'wb').write(d)
PY
for f in testdata/formats/leaf.heic testdata/formats/leaf.avif; do
  heif-convert "$f" "$R/$(basename "$f").heif-convert.png" >/dev/null
done
