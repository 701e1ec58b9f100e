#!/usr/bin/env bash
# A CSV of 10 million numbers (1M lines x 10: integers and 6-digit
# fractions, seeded), run through imgpar with --op double and --op heavy;
# prints wall time and the peak RSS of the process tree.
# usage: numbers-10m.sh IMGPAR_BINARY
set -euo pipefail
bin=$(realpath "${1:?usage: numbers-10m.sh IMGPAR_BINARY}")
here=$(dirname "$(realpath "$0")")
treerss=${TREERSS:-$here/../../../shared/bench/treerss.py} # the shared/ beside the checkout
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
python3 - "$dir/ten-million.csv" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], 'w') as f:
    for i in range(1000000):
        f.write(','.join(str(random.randint(-10**6, 10**6)) if j % 2 else '%.6f' % random.uniform(-1000, 1000)
                         for j in range(10)) + '\n')
PY
ls -la "$dir/ten-million.csv"
for op in double heavy; do
	rm -rf "$dir/out"
	echo "--op $op: $(python3 "$treerss" "$bin" process "$dir/ten-million.csv" -o "$dir/out" --op "$op" --quiet)"
done
