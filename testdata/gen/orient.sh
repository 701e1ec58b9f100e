#!/bin/sh
# Regenerates testdata/orient/ — the 8 EXIF orientations of one real photo.
# Needs: imagemagick (6.9), libimage-exiftool-perl, libtiff-tools, webp, plasma-workspace-wallpapers.
# Usage: sh testdata/gen/orient.sh   (from the repository root)
set -eu
W=/usr/share/wallpapers
O=testdata/orient
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$O"

# The upright picture U: 400x300, a solid red 40x40 square in the TOP-LEFT corner and a
# solid green 20x20 square in the TOP-RIGHT corner (the green one tells mirrors apart at a glance).
convert "$W/Path/contents/images/640x480.jpg" -strip -resize 400x300! \
  -fill '#ff0000' -draw 'rectangle 0,0 39,39' \
  -fill '#00ff00' -draw 'rectangle 380,0 399,19' \
  -type TrueColor "$T/upright.png"

# Stored pixels S for orientation N are the inverse of the transform a viewer applies for N,
# so that viewer(N, S) == U.
#   N  viewer applies           stored = inverse applied to U   stored size
#   1  nothing                  nothing                         400x300
#   2  mirror left-right        -flop                           400x300
#   3  rotate 180               -rotate 180                     400x300
#   4  mirror top-bottom        -flip                           400x300
#   5  transpose                -transpose                      300x400
#   6  rotate 90 clockwise      -rotate 270 (90 anticlockwise)  300x400
#   7  transverse               -transverse                     300x400
#   8  rotate 90 anticlockwise  -rotate 90  (90 clockwise)      300x400
op() {
  case $1 in
    1) echo "" ;; 2) echo "-flop" ;; 3) echo "-rotate 180" ;; 4) echo "-flip" ;;
    5) echo "-transpose" ;; 6) echo "-rotate 270" ;; 7) echo "-transverse" ;; 8) echo "-rotate 90" ;;
  esac
}
for n in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2046
  convert "$T/upright.png" -strip $(op $n) -sampling-factor 2x2,1x1,1x1 -quality 90 "$O/orient-$n.jpg"
  exiftool -q -overwrite_original -n -Orientation=$n "$O/orient-$n.jpg"
done

# The same as orientation 6 in other containers.
# PNG: EXIF in an eXIf chunk (exiftool writes eXIf for PNG).
convert "$T/upright.png" -strip -rotate 270 -define png:exclude-chunks=date,time -define png:color-type=2 "$O/orient-6.png"
exiftool -q -overwrite_original -n -Orientation=6 "$O/orient-6.png"
# TIFF: Orientation tag (274) in IFD0; deflate-compressed RGB.
convert "$T/upright.png" -strip -rotate 270 -compress zip "$O/orient-6.tiff"
exiftool -q -overwrite_original -n -Orientation=6 "$O/orient-6.tiff"
# WebP (lossy) with an EXIF chunk (extended VP8X format).
convert "$T/upright.png" -strip -rotate 270 -quality 90 "$O/orient-6.webp"
exiftool -q -overwrite_original -n -Orientation=6 "$O/orient-6.webp"
