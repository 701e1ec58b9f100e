#!/usr/bin/env python3
"""Regenerates testdata/bad/: hostile and odd inputs for the fault-injection suite (issue 6).

Deterministic: every byte comes from committed files in testdata/formats/ and testdata/photos/,
or from fixed constants and a seeded PRNG. ImageMagick makes the small PNG base and the cafe photo.
Usage: python3 testdata/gen/bad.py   (from the repository root)
"""
import os
import random
import struct
import subprocess
import zlib

OUT = "testdata/bad"
JPG = open("testdata/formats/leaf-baseline.jpg", "rb").read()    # 16,813 bytes, SOS at 352
PJPG = open("testdata/formats/leaf-progressive.jpeg", "rb").read()
# PNG damage starts from a 160x120 version of formats/leaf-rgb8.png (smaller files, same structure)
PNG = subprocess.run(["convert", "testdata/formats/leaf-rgb8.png", "-strip", "-resize", "160x120",
                      "-define", "png:exclude-chunks=date,time", "-define", "png:color-type=2", "png:-"],
                     check=True, stdout=subprocess.PIPE).stdout
os.makedirs(OUT, exist_ok=True)


def put(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def chunk(typ, body):
    return struct.pack(">I", len(body)) + typ + body + struct.pack(">I", zlib.crc32(typ + body))


def jpeg_markers(d):
    """(marker, offset, length) up to and including the first SOS."""
    i, out = 2, []
    while True:
        m, ln = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
        out.append((m, i, ln))
        if m == 0xDA:
            return out
        i += 2 + ln


mk = jpeg_markers(JPG)
sof = next(o for m, o, _ in mk if m == 0xC0)
dqt = next(o for m, o, _ in mk if m == 0xDB)
sos, sos_len = next((o, ln) for m, o, ln in mk if m == 0xDA)
scan = sos + 2 + sos_len                      # first byte of entropy-coded data
assert JPG[-2:] == b"\xff\xd9"

# 1. zero-byte files
put("empty.jpg", b"")
put("empty.png", b"")

# 2. truncated JPEGs (prefixes of leaf-baseline.jpg)
put("trunc-jpeg-at-2-soi-only.jpg", JPG[:2])
put("trunc-jpeg-at-10-in-app0.jpg", JPG[:10])
put("trunc-jpeg-at-%d-in-dqt.jpg" % (dqt + 40), JPG[:dqt + 40])
put("trunc-jpeg-at-%d-in-sof.jpg" % (sof + 9), JPG[:sof + 9])
put("trunc-jpeg-at-%d-after-sos-header.jpg" % scan, JPG[:scan])
half = scan + (len(JPG) - scan) // 2
put("trunc-jpeg-at-%d-half-scan.jpg" % half, JPG[:half])
put("trunc-jpeg-at-%d-no-eoi.jpg" % (len(JPG) - 2), JPG[:-2])
# a progressive JPEG cut right after its first complete scan (before the 2nd DHT)
cut = PJPG.index(b"\xff\xc4", 300)
put("trunc-progressive-at-%d-after-first-scan.jpg" % cut, PJPG[:cut])

# 3. truncated PNGs (prefixes of leaf-rgb8.png)
put("trunc-png-at-4-in-signature.png", PNG[:4])
put("trunc-png-at-8-signature-only.png", PNG[:8])
put("trunc-png-at-20-in-ihdr.png", PNG[:20])
put("trunc-png-at-33-no-idat.png", PNG[:33])
put("trunc-png-at-141-in-first-idat.png", PNG[:141])
put("trunc-png-at-%d-half.png" % (len(PNG) // 2), PNG[:len(PNG) // 2])
assert PNG[-12:] == chunk(b"IEND", b"")
put("trunc-png-at-%d-no-iend.png" % (len(PNG) - 12), PNG[:-12])

# 4. bit-flipped files that still start valid
b = bytearray(JPG)
for off in range(scan + 1000, len(JPG) - 2, 1500):        # every 1500th byte of the scan,
    b[off] ^= 0x5A                                         # several bits each
for k in range(64):                                         # and a garbage run mid-scan
    b[scan + 6000 + k] ^= 0xA5
put("bitflip-scan-decodes-garbled.jpg", bytes(b))
# the same, plus a run of all-one bits mid-scan (stuffed 0xFF 0x00 pairs): 16+ consecutive 1 bits
# are never a valid Huffman code, so a conforming decoder must stop with an error there.
b[scan + 3000:scan + 3032] = b"\xff\x00" * 16
put("bitflip-scan-invalid-huffman.jpg", bytes(b))
# DHT corrupted: the first Huffman table claims more codes than 16 bits allow
dht = next(o for m, o, _ in mk if m == 0xC4)
b = bytearray(JPG)
b[dht + 5:dht + 5 + 16] = bytes([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0])
put("bitflip-dht.jpg", bytes(b))
# PNG: one bit flipped in the IHDR chunk's CRC (data intact)
b = bytearray(PNG)
b[29] ^= 0x01
put("bitflip-ihdr-crc.png", bytes(b))
# PNG: bytes flipped inside the first IDAT's data (chunk CRC now wrong)
idat = PNG.index(b"IDAT")
b = bytearray(PNG)
for k in range(0, 4000, 97):
    b[idat + 4 + 500 + k] ^= 0x5A
put("bitflip-idat.png", bytes(b))
# the same damage with the CRC recomputed, so only the zlib stream / filters are bad
n = struct.unpack(">I", PNG[idat - 4:idat])[0]
b[idat + 4 + n:idat + 8 + n] = struct.pack(">I", zlib.crc32(bytes(b[idat:idat + 4 + n])))
put("bitflip-idat-crc-fixed.png", bytes(b))

# 5. wrong content under an image name
rnd = random.Random(20241012)
data = bytes(rnd.getrandbits(8) for _ in range(4096))
assert data[:2] != b"\xff\xd8"
put("random.jpg", data)
put("jpeg-magic-then-random.jpg", b"\xff\xd8\xff\xe0" + bytes(rnd.getrandbits(8) for _ in range(2048)))
put("text.png", b"This is not a PNG image.\nIt is a plain text file that someone named text.png.\n")

# 6. decompression bombs: tiny files whose headers declare huge images
#    PNG: IHDR 60000x60000 RGB 8-bit (10.8 GB of pixels), correct CRCs, a valid zlib stream
#    holding only the first 16 rows (all zero), then IEND.
w = h = 60000
ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
rows = zlib.compress(b"\x00" * (16 * (1 + 3 * w)), 9)
put("bomb-png-60000x60000.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
#    JPEG: leaf-baseline.jpg with SOF0 patched to 65000x65000 (12.7 GB as RGBA); the scan data
#    is the original 320x240 one, so it runs out long before the declared size.
b = bytearray(JPG)
b[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
put("bomb-jpeg-65000x65000.jpg", bytes(b))
#    JPEG: the same with 16000x16000 = 256,000,000 pixels: UNDER sharp's default limit
#    (268,402,689) and under jpegn's own cap (2^28), but 15,000x the file size; a decoder that
#    allocates from the header takes ~384 MB (4:2:0 YCbCr) before it finds the data missing.
b[sof + 5:sof + 9] = struct.pack(">HH", 16000, 16000)
put("bomb-jpeg-16000x16000-under-limit.jpg", bytes(b))
#    GIF: logical screen and one frame of 65535x65535 (4.3 GB as paletted), LZW data for 1 pixel.
gif = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
gif += b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00" + b"\x3b"
put("bomb-gif-65535x65535.gif", gif)
#    A fully valid PNG just over sharp's default pixel limit (268,402,689 = 16383^2):
#    16384x16384 = 268,435,456 pixels, 1-bit grey, all black (~33 KB on disk, 268 MB as image.Gray).
w = h = 16384
ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
row = b"\x00" * (1 + w // 8)
z = zlib.compressobj(9)
idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
put("over-limit-16384x16384.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))

# 7. a valid GIF with 3000 frames of 1x1 pixel (alternating black/white, 10 ms each, looping)
g = bytearray(b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff")
g += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
for i in range(3000):
    g += b"\x21\xf9\x04\x04\x01\x00\x00\x00"                 # GCE: dispose=1, delay 1 cs
    g += b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    g += b"\x02\x02" + (b"\x44\x01" if i % 2 == 0 else b"\x4c\x01") + b"\x00"
g += b"\x3b"
put("many-frames-3000.gif", bytes(g))

# 8. files that are fine
put("notes.txt", (
    "Shoot notes, 12 October 2024\n"
    "\n"
    "- Lake at dusk: bracket +/-1 EV, tripod, ISO 100.\n"
    "- Forest path: too dark in the morning, come back after 11:00.\n"
    "- Ask about the licence before publishing the boats picture.\n"
    "\n"
    "This file is neither named nor shaped like an image: imgpar must skip it.\n").encode())
# what Windows leaves in photo folders: not an image, not a number file -> skipped
put("desktop.ini", b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-113\r\n"
    b"[ViewState]\r\nMode=\r\nVid=\r\nFolderType=Pictures\r\n")
subprocess.run(["convert", "testdata/photos/cups-portrait-420.jpg", "-strip", "-resize", "200x320",
                "-quality", "80", os.path.join(OUT, "café au lait photo.jpg")], check=True)
