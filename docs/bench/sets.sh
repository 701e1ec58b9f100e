#!/usr/bin/env bash
# Responsive sets (issue 15): one imgpar run making 3 widths x 2 formats
# against the six single runs it replaces, and sharp's clone()-based
# equivalent (sharp_sets.js), on the same photos. Prints wall and CPU
# (user+sys of the whole process tree) per command, and the file count.
# usage: sets.sh INDIR [REPEATS]   (imgpar on $PATH or $IMGPAR; sharp from
#        $SHARP_PATH, default ~/.cache/imgpar-bench/node_modules/sharp)
set -euo pipefail
in=${1:?usage: sets.sh INDIR [REPEATS]} reps=${2:-1}
imgpar=${IMGPAR:-imgpar}
export SHARP_PATH=${SHARP_PATH:-$HOME/.cache/imgpar-bench/node_modules/sharp}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
widths=320,640,1280 formats=webp,jpeg
measure() { # NAME CMD...: one line, name wall cpu
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	read -r wall user sys <"$tmp/t"
	echo "$name $wall $(echo "$user + $sys" | bc)"
}
for r in $(seq "$reps"); do
	rm -rf "$tmp"/o*
	measure set "$imgpar" process "$in" -o "$tmp/oset" --widths $widths --format $formats --quiet
	echo "set-files $(ls "$tmp/oset" | wc -l)"
	total_wall=0 total_cpu=0
	for w in ${widths//,/ }; do
		for f in ${formats//,/ }; do
			read -r _ wall cpu < <(measure "w$w-$f" "$imgpar" process "$in" -o "$tmp/o$w$f" --width "$w" --format "$f" --quiet)
			total_wall=$(echo "$total_wall + $wall" | bc) total_cpu=$(echo "$total_cpu + $cpu" | bc)
		done
	done
	echo "six $total_wall $total_cpu"
	measure sharp node "$here/sharp_sets.js" "$in" "$tmp/osharp" 2 $widths $formats
	echo "sharp-files $(ls "$tmp/osharp" | wc -l)"
done
