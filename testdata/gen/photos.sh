#!/bin/sh
# Regenerates testdata/photos/ from Debian's plasma-workspace-wallpapers
# (bookworm 4:5.27.5-2). Needs: imagemagick (6.9), plasma-workspace-wallpapers.
# Usage: sh testdata/gen/photos.sh   (from the repository root)
set -eu
W=/usr/share/wallpapers
O=testdata/photos
mkdir -p "$O"
# -strip: no EXIF/ICC from the source; -define jpeg:optimize-coding=true for small files.
im() { convert "$@"; }

# 1. landscape, baseline, 4:2:0
im "$W/EveningGlow/contents/images/2560x1600.jpg" -strip -resize 1440x900 \
   -sampling-factor 2x2,1x1,1x1 -interlace none -quality 78 "$O/boats-lake-landscape-420.jpg"
# 2. landscape, baseline, 4:2:2
im "$W/FallenLeaf/contents/images/2560x1600.jpg" -strip -resize 1600x1000 \
   -sampling-factor 2x1,1x1,1x1 -interlace none -quality 82 "$O/leaf-autumn-landscape-422.jpg"
# 3. landscape, baseline, 4:4:4
im "$W/OneStandsOut/contents/images/2560x1600.jpg" -strip -resize 1120x700 \
   -sampling-factor 1x1,1x1,1x1 -interlace none -quality 72 "$O/moss-landscape-444.jpg"
# 4. portrait (centre crop of a landscape), progressive, 4:2:0
im "$W/Path/contents/images/2560x1600.jpg" -strip -gravity center -crop 1000x1600+0+0 +repage \
   -resize 900x1440 -sampling-factor 2x2,1x1,1x1 -interlace JPEG -quality 74 "$O/forest-path-portrait-progressive-420.jpg"
# 5. portrait (crop), baseline, 4:2:0
im "$W/ColorfulCups/contents/images/2560x1600.jpg" -strip -gravity center -crop 1000x1600+0+0 +repage \
   -resize 900x1440 -sampling-factor 2x2,1x1,1x1 -interlace none -quality 80 "$O/cups-portrait-420.jpg"
# 6. landscape, progressive, 4:2:0
im "$W/summer_1am/contents/images/2560x1600.jpg" -strip -resize 1600x1000 \
   -sampling-factor 2x2,1x1,1x1 -interlace JPEG -quality 85 "$O/lake-dusk-landscape-progressive-420.jpg"
# 7. landscape, progressive, 4:4:4
im "$W/Kite/contents/images/2560x1600.jpg" -strip -resize 1440x900 \
   -sampling-factor 1x1,1x1,1x1 -interlace JPEG -quality 82 "$O/kite-sky-landscape-progressive-444.jpg"
# 8. PNG, 8-bit RGBA: photo with a soft elliptical vignette alpha mask
#    (alpha 255 in the centre, falling smoothly to 0 at the corners).
im "$W/DarkestHour/contents/images/1280x800.jpg" -strip -resize 640x400 \
   \( -size 640x400 -define gradient:extent=ellipse radial-gradient:white-black -level 0,50% \) \
   -alpha off -compose CopyOpacity -composite -define png:color-type=6 -define png:bit-depth=8 \
   "$O/lake-night-vignette-alpha.png"
