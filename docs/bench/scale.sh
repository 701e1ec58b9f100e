#!/bin/sh
# Library scale (issue 17): how the primary's memory and a re-run's cost grow
# with the number of inputs.
#
#   docs/bench/scale.sh N plan   # N hard links to one small JPEG: --dry-run
#   docs/bench/scale.sh N run    # N real copies: first run, no-op re-run
#   docs/bench/scale.sh N        # both
#
# Prints the primary's peak RSS (with --dry-run there are no workers, so
# /usr/bin/time's maximum RSS is the primary's; for runs it is the largest
# process of the tree, which is the primary from a few thousand inputs up),
# per input, user+sys CPU and wall time, syscall counts of the re-run
# (strace -f -c) and how many input files the re-run opened.
# Inputs live in 1,000-file folders under $SCALE_DIR (default
# /tmp/imgpar-scale); IMGPAR names the binary (default: built from this tree).
set -eu
N=${1:?usage: scale.sh N [plan|run]}
MODE=${2:-all}
ROOT=${SCALE_DIR:-/tmp/imgpar-scale}
mkdir -p "$ROOT"
here=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${IMGPAR:-$ROOT/imgpar}
if [ -z "${IMGPAR:-}" ]; then
	(cd "$here" && CGO_ENABLED=0 go build -tags nodynamic -trimpath -o "$BIN" .)
fi
SRC=$ROOT/src.jpg # a 160-px JPEG of a test photo, about 5 KB
if [ ! -s "$SRC" ]; then
	"$BIN" process "$here/testdata/photos/cups-portrait-420.jpg" --width 160 -o "$ROOT/src" -q
	mv "$ROOT/src/cups-portrait-420.jpg" "$SRC" && rm -rf "$ROOT/src"
fi

# gen DIR link|copy: N inputs in folders of 1,000 (kept between calls).
gen() {
	[ -f "$1/.done" ] && return 0
	rm -rf "$1" "$1".src*.jpg
	python3 - "$SRC" "$1" "$N" "$2" <<'PY'
import os, shutil, sys
src, root, n, how = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = open(src, 'rb').read()
# A file takes at most 65,000 hard links (ext4): a fresh source per 50,000.
for i in range(n):
    if how == 'link' and i % 50000 == 0:
        src = root + '.src%d.jpg' % (i // 50000)  # beside the tree, not in it
        with open(src, 'wb') as f:
            f.write(data)
    d = os.path.join(root, 'd%04d' % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    p = os.path.join(d, 'img%07d.jpg' % i)
    if how == 'link':
        os.link(src, p)
    else:
        with open(p, 'wb') as f:
            f.write(data)
open(os.path.join(root, '.done'), 'w').close()
PY
}

# measure LABEL CMD...: wall, CPU, peak RSS; RSS per input over the 20 MiB base.
measure() {
	label=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$ROOT/time.out" "$@" >/dev/null 2>"$ROOT/stderr.out" || {
		cat "$ROOT/stderr.out" >&2
		return 1
	}
	read -r wall user sys kib <"$ROOT/time.out"
	awk -v l="$label" -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v k="$kib" 'BEGIN {
		printf "%-10s n=%d wall=%.2fs cpu=%.2fs peak_rss=%.1fMiB per_input=%.0fB limit(20MiB+1KiB/input)=%.1fMiB\n",
			l, n, w, u + s, k / 1024, k * 1024 / n, 20 + n / 1024 }'
}

if [ "$MODE" = plan ] || [ "$MODE" = all ]; then
	gen "$ROOT/links-$N" link
	rm -rf "$ROOT/plan-out"
	measure dry-run "$BIN" process "$ROOT/links-$N" -o "$ROOT/plan-out" --dry-run
fi

if [ "$MODE" = run ] || [ "$MODE" = all ]; then
	IN=$ROOT/copies-$N OUT=$ROOT/out-$N
	gen "$IN" copy
	rm -rf "$OUT"
	flags="--width 64 -q"
	# shellcheck disable=SC2086
	measure first "$BIN" process "$IN" -o "$OUT" $flags
	m0=$(stat -c '%y %s' "$OUT/.imgpar-manifest.json")
	d0=$(stat -c '%y' "$OUT")
	# shellcheck disable=SC2086
	measure re-run "$BIN" process "$IN" -o "$OUT" $flags
	m1=$(stat -c '%y %s' "$OUT/.imgpar-manifest.json")
	d1=$(stat -c '%y' "$OUT")
	if [ "$m0" = "$m1" ]; then echo "manifest untouched by the re-run ($m1)"; else echo "manifest rewritten by the re-run: $m0 -> $m1"; fi
	if [ "$d0" = "$d1" ]; then echo "output folder's mtime untouched"; else echo "output folder's mtime changed: $d0 -> $d1"; fi
	# shellcheck disable=SC2086
	strace -f -qq -c -o "$ROOT/strace.sum" "$BIN" process "$IN" -o "$OUT" $flags >/dev/null 2>&1
	echo "re-run syscalls (strace -f -c): $(awk '$NF ~ /^(openat|newfstatat|statx|fstat|lstat|read|pread64|write|fcntl|getdents64|total)$/ { printf "%s=%s ", $NF, $4 }' "$ROOT/strace.sum")"
	# shellcheck disable=SC2086
	strace -f -qq -e trace=openat -o "$ROOT/open.trace" "$BIN" process "$IN" -o "$OUT" $flags >/dev/null 2>&1
	echo "input files the re-run opened: $(grep -c "\"$IN/d[0-9]*/img[0-9]*\.jpg\"" "$ROOT/open.trace" || true)"
fi
