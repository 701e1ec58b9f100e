#!/bin/sh
# Regenerates testdata/icc/. Needs: imagemagick (6.9, with lcms2), icc-profiles-free,
# plasma-workspace-wallpapers.   Usage: sh testdata/gen/icc.sh   (from the repository root)
set -eu
W=/usr/share/wallpapers
P=/usr/share/color/icc
O=testdata/icc
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$O"
# The source photo is sRGB (untagged); convert its pixels from sRGB into the
# Adobe RGB (1998)-compatible space and embed that profile.
convert "$W/EveningGlow/contents/images/1280x800.jpg" -strip -resize 800x500 "$T/src.png"
convert "$T/src.png" -profile "$P/sRGB.icc" -profile "$P/compatibleWithAdobeRGB1998.icc" \
  -sampling-factor 2x2,1x1,1x1 -quality 85 "$O/boats-adobergb.jpg"
convert "$T/src.png" -resize 320x200 -profile "$P/sRGB.icc" -profile "$P/compatibleWithAdobeRGB1998.icc" \
  -define png:exclude-chunks=date,time,gAMA,cHRM,bKGD "$O/boats-adobergb.png"
# The same pixels, untagged sRGB, for comparison (what a viewer should show for both above).
convert "$T/src.png" -sampling-factor 2x2,1x1,1x1 -quality 85 "$O/boats-srgb-untagged.jpg"
# That file with an sRGB profile added losslessly (jpegtran, libjpeg-turbo-progs >= 2.0):
# the same DCT coefficients, so the same pixels, tagged.
jpegtran -copy none -icc "$P/sRGB.icc" "$O/boats-srgb-untagged.jpg" > "$O/boats-srgb.jpg"

# Profiles larger than one JPEG APP2 segment (max 65519 bytes of profile per segment).
# Both are made with ArgyllCMS (Debian package argyll 2.3.1) from free data:
#  - an RGB cLUT profile (~115 KB -> 2 APP2 segments) from synthetic measurements of
#    compatibleWithAdobeRGB1998.icc;
#  - a CMYK print profile (~155 KB -> 3 APP2 segments) from FOGRA39L.ti3 (icc-profiles-free).
( cd "$T"
  targen -v0 -d2 -f 600 rgb >/dev/null
  fakeread "$P/compatibleWithAdobeRGB1998.icc" rgb >/dev/null 2>&1
  colprof -v0 -qm -al -D "imgpar test RGB LUT profile (Adobe RGB-like, argyll colprof -qm -al)" \
    -C "No copyright. Made with ArgyllCMS colprof from synthetic measurements of compatibleWithAdobeRGB1998.icc (icc-profiles-free, Zlib)." \
    rgb >/dev/null 2>&1
  cp "$P/FOGRA39L.ti3" cmyk.ti3
  colprof -v0 -ql -kr -l300 -D "imgpar test CMYK profile (FOGRA39L.ti3, argyll colprof -ql)" \
    -C "Characterisation data FOGRA39L.ti3 by Kai-Uwe Behrmann, Zlib licence (icc-profiles-free). Profile made with ArgyllCMS colprof." \
    cmyk >/dev/null 2>&1 )
convert "$T/src.png" -resize 480x300 -profile "$P/sRGB.icc" -profile "$T/rgb.icc" \
  -sampling-factor 2x2,1x1,1x1 -quality 85 "$O/boats-rgb-lut-profile-2seg.jpg"
convert "$T/src.png" -resize 320x200 -profile "$P/sRGB.icc" -profile "$T/cmyk.icc" \
  -quality 85 "$O/boats-cmyk-fogra39-3seg.jpg"
cp "$P/compatibleWithAdobeRGB1998.icc" "$O/compatibleWithAdobeRGB1998.icc"
