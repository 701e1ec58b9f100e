#!/usr/bin/env bash
# A/B of two imgpar binaries on the responsive-set workload of sets.sh, each
# run next to its counterpart so that a busy box shifts both alike: per round
# the set run of A and of B, then each of the six single runs (--width W
# --format F) of A and of B; the order of A and B alternates by round. Prints
# per binary and round: set wall/CPU, six runs' summed wall/CPU, and the
# set/six ratios (CPU = user+sys of the process tree).
# usage: sets_ab.sh INDIR ROUNDS BIN_A BIN_B
set -euo pipefail
in=${1:?usage: sets_ab.sh INDIR ROUNDS BIN_A BIN_B} rounds=${2:?} a=${3:?} b=${4:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { # CMD...: wall cpu
	rm -rf "$tmp/o"
	/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	read -r wall user sys <"$tmp/t"
	echo "$wall $(echo "$user + $sys" | bc)"
}
for i in $(seq "$rounds"); do
	order=("$a" "$b")
	[ $((i % 2)) = 0 ] && order=("$b" "$a")
	declare -A sw sc xw xc
	for x in "${order[@]}"; do
		read -r sw[$x] sc[$x] < <(t "$x" process "$in" -o "$tmp/o" --widths 320,640,1280 --format webp,jpeg --quiet)
		xw[$x]=0 xc[$x]=0
	done
	for w in 320 640 1280; do
		for f in webp jpeg; do
			for x in "${order[@]}"; do
				read -r wall cpu < <(t "$x" process "$in" -o "$tmp/o" --width "$w" --format "$f" --quiet)
				xw[$x]=$(echo "${xw[$x]} + $wall" | bc) xc[$x]=$(echo "${xc[$x]} + $cpu" | bc)
			done
		done
	done
	for x in "$a" "$b"; do
		echo "round $i $x set ${sw[$x]} ${sc[$x]} six ${xw[$x]} ${xc[$x]} cpu_ratio $(echo "scale=3; ${sc[$x]} / ${xc[$x]}" | bc) wall_ratio $(echo "scale=3; ${sw[$x]} / ${xw[$x]}" | bc)"
	done
done
