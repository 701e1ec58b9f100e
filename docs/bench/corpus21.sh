#!/usr/bin/env bash
# The 21-photo JPEG set that docs/benchmarks.md's compare.sh table uses,
# picked from the corpus that shared/bench/corpus.sh builds from Debian's
# plasma-workspace-wallpapers: every photo of 1080x1920 and up (six
# 5120x2880, baseline and progressive, 4:2:0/4:2:2/4:4:4), plus every
# eighth of the 1280x1024..2560x1600 ones, 12 in all.
# usage: corpus21.sh CORPUS_DIR OUT_DIR
set -euo pipefail
src=${1:?usage: corpus21.sh CORPUS_DIR OUT_DIR} dst=${2:?usage: corpus21.sh CORPUS_DIR OUT_DIR}
mkdir -p "$dst"
cd "$src"
ls *.jpg | grep -E "5120x2880|3200x2000|1622x2880|1080x1920" | while read -r f; do cp "$f" "$dst/"; done
ls *.jpg | grep -E "_(2560x1600|2560x1440|1920x1200|1920x1080|1680x1050|1600x1200|1440x900|1280x1024)" |
	awk 'NR%8==1' | head -12 | while read -r f; do cp "$f" "$dst/"; done
echo "$(ls "$dst" | wc -l) JPEGs in $dst"
