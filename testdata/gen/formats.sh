#!/bin/sh
# Regenerates testdata/formats/: one real photo (320x240) in every format imgpar reads.
# Needs: imagemagick (6.9), webp (cwebp), plasma-workspace-wallpapers.
# Usage: sh testdata/gen/formats.sh   (from the repository root)
set -eu
W=/usr/share/wallpapers
O=testdata/formats
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$O"
# Source: 320x240 RGB, kept at 16 bits per sample (ImageMagick Q16) so the 16-bit PNG has real
# 16-bit values; plus an RGBA version with a soft elliptical alpha vignette.
convert "$W/FallenLeaf/contents/images/1280x1024.jpg" -strip -resize 320x240^ -gravity center \
  -extent 320x240 -depth 16 "$T/src.miff"
convert "$T/src.miff" \( -size 320x240 -define gradient:extent=ellipse radial-gradient:white-black \
  -level 0,50% \) -alpha off -compose CopyOpacity -composite "$T/srca.miff"
PNG="-define png:exclude-chunks=date,time,bKGD,gAMA,cHRM"

convert "$T/src.miff" -strip -depth 8 -sampling-factor 2x2,1x1,1x1 -interlace none  -quality 85 "$O/leaf-baseline.jpg"
convert "$T/src.miff" -strip -depth 8 -sampling-factor 2x2,1x1,1x1 -interlace JPEG  -quality 85 "$O/leaf-progressive.jpeg"
# Upper-case extension as cameras write it, with camera-like EXIF (incl. GPS) that the
# default output must not carry (and --keep-metadata keeps).
convert "$T/src.miff" -strip -depth 8 -sampling-factor 2x1,1x1,1x1 -quality 90 "$O/LEAF-CAMERA.JPG"
exiftool -q -overwrite_original -n -Make=imgpar-test -Model="Test Camera 1" \
  -DateTimeOriginal="2024:10:12 15:30:00" -Orientation=1 -Artist="Martin Klapetek" \
  -GPSLatitude=50.0875 -GPSLatitudeRef=N -GPSLongitude=14.4214 -GPSLongitudeRef=E "$O/LEAF-CAMERA.JPG"
convert "$T/src.miff" -strip -depth 8 -colorspace Gray -type Grayscale -quality 85 "$O/leaf-grey.jpg"
convert "$T/src.miff" -strip -depth 8 -colorspace CMYK -quality 85 "$O/leaf-cmyk.jpg"
convert "$T/src.miff" -strip -depth 8  $PNG -define png:color-type=2 -define png:bit-depth=8  "$O/leaf-rgb8.png"
# 16-bit PNG at 240x180: at 320x240 a 16-bit photo PNG exceeds the 300 KB budget.
convert "$T/src.miff" -strip -resize 240x180 -depth 16 $PNG -define png:color-type=2 -define png:bit-depth=16 "$O/leaf-rgb16.png"
convert "$T/src.miff" -strip -depth 8  $PNG -interlace PNG -define png:color-type=2 "$O/leaf-rgb8-interlaced.png"
convert "$T/src.miff" -strip -depth 8 -dither FloydSteinberg -colors 256 $PNG -define png:color-type=3 "$O/leaf-palette.png"
convert "$T/srca.miff" -strip -depth 8 -colorspace Gray $PNG -define png:color-type=4 -define png:bit-depth=8 "$O/leaf-grey-alpha.png"
# GIF: 3 frames (the photo, the same mirrored, the same in grey), 0.5 s each, looping.
convert "$T/src.miff" -strip -depth 8 -colors 256 "$T/f1.gif"
convert "$T/src.miff" -strip -depth 8 -flop -colors 256 "$T/f2.gif"
convert "$T/src.miff" -strip -depth 8 -colorspace Gray -colors 256 "$T/f3.gif"
convert -delay 50 -loop 0 "$T/f1.gif" "$T/f2.gif" "$T/f3.gif" "$O/leaf-anim-3frames.gif"
convert "$T/src.miff" -strip -depth 8 -type TrueColor "BMP3:$O/leaf-24bit.bmp"
convert "$T/src.miff" -strip -depth 8 -compress zip "$O/leaf-deflate.tiff"
convert "$T/src.miff" -strip -depth 8 -compress lzw "$O/leaf-lzw.tif"
convert "$T/src.miff" -strip -depth 8 "$T/src8.png"
cwebp -quiet -q 80 "$T/src8.png" -o "$O/leaf-lossy.webp"
convert "$T/srca.miff" -strip -depth 8 $PNG "$T/srca8.png"
cwebp -quiet -lossless -exact "$T/srca8.png" -o "$O/leaf-lossless-alpha.webp"
