#!/usr/bin/env bash
# numbers-vs-node.sh: the seed's heavyWork (workerTask.js, 1e6 rounds) run by
# node against `imgpar process --op heavy` on the same inputs: the integers
# 0..999, and 300 fractional values. It checks that the results are
# byte-for-byte identical and prints both times and the ratio.
#
# usage: docs/bench/numbers-vs-node.sh IMGPAR_BINARY
#
# Environment: RUNS (default 3) runs of each tool per input, the best time
# counts; NODE (default node); KEEP=1 keeps the work directory.
# Times are wall-clock times of whole processes, start-up included, on
# whatever cores the machine has (node runs the seed's code on one thread,
# as the seed does; imgpar uses its default --procs/--threads).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 IMGPAR_BINARY" >&2
	exit 2
fi
imgpar=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
node=${NODE:-node}
runs=${RUNS:-3}
command -v "$node" >/dev/null || { echo "$0: $node not found" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/numbers-vs-node.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# The inputs: JSON arrays, as the seed's request body carries them.
"$node" -e '
const fs = require("fs");
fs.writeFileSync(process.argv[1], JSON.stringify(Array.from({ length: 1000 }, (_, i) => i)));
fs.writeFileSync(process.argv[2], JSON.stringify(Array.from({ length: 300 }, (_, i) => i + 0.5 + i / 1000)));
' "$work/ints.json" "$work/fractions.json"

# The seed's workerTask.js, verbatim, reading the array from a file and
# writing the route's response body, {"result":[...]}.
cat >"$work/seed.js" <<'EOF'
const fs = require("fs");

// Simulate CPU-heavy work
function heavyWork(data) {
  // Example: encrypt numbers or simulate hash-like computation
  return data.map((num) => {
    let result = num;
    for (let i = 0; i < 1e6; i++) {
      result = (result * 17 + 13) % 99991;
    }
    return result;
  });
}

const output = heavyWork(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
fs.writeFileSync(process.argv[3], JSON.stringify({ result: output }));
EOF

now() { date +%s.%N; }

# best_time CMD...: runs CMD $runs times and prints the best wall time in s.
best_time() {
	local best="" t0 t1 t
	for _ in $(seq "$runs"); do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

printf '%-16s %8s %10s %10s %9s  %s\n' input values "node s" "imgpar s" ratio results
status=0
for name in ints fractions; do
	in=$work/$name.json
	node_out=$work/$name.node.json
	out_dir=$work/out-$name
	node_s=$(best_time "$node" "$work/seed.js" "$in" "$node_out")
	rm -rf "$out_dir"
	imgpar_s=$(best_time "$imgpar" process "$in" -o "$out_dir" --op heavy --quiet)
	imgpar_out=$(find "$out_dir" -type f -name "$name.json" | head -n 1)
	if [ -z "$imgpar_out" ]; then
		echo "$0: imgpar wrote no $name.json under $out_dir" >&2
		exit 1
	fi
	# imgpar ends its output with a newline; node's body has none.
	if cmp -s <(cat "$node_out"; echo) "$imgpar_out"; then
		same=identical
	else
		same=DIFFERENT
		status=1
	fi
	values=$("$node" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).length)' "$in")
	ratio=$(awk -v a="$node_s" -v b="$imgpar_s" 'BEGIN { printf "%.1fx", a / b }')
	printf '%-16s %8s %10s %10s %9s  %s\n' "$name" "$values" "$node_s" "$imgpar_s" "$ratio" "$same"
done
echo "node $("$node" --version), $(nproc) CPUs, best of $runs runs, R = 1e6"
exit $status
