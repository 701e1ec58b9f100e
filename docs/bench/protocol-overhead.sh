#!/usr/bin/env bash
# The cost of the process boundary: N tiny number files (one number each)
# through imgpar's primary and 2 workers, so that almost all the time is
# planning, protocol round trips and writing outputs.
# usage: protocol-overhead.sh IMGPAR_BINARY [N]
set -euo pipefail
bin=$(realpath "${1:?usage: protocol-overhead.sh IMGPAR_BINARY [N]}")
n=${2:-10000}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/in"
for ((i = 0; i < n; i++)); do printf '[%d]\n' "$i" >"$dir/in/n$i.json"; done
for split in "2 1" "1 2"; do
	read -r p t <<<"$split"
	rm -rf "$dir/out"
	"$bin" process "$dir/in" -o "$dir/out" --op double --procs "$p" --threads "$t" --json --quiet >"$dir/report.json"
	python3 - "$dir/report.json" "$p" "$t" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['ok']} one-number files, {sys.argv[2]} procs x {sys.argv[3]} threads: "
      f"{r['duration_ms']/1000:.2f} s, {r['ok']/(r['duration_ms']/1000):.0f} jobs/s "
      f"({1e6*r['duration_ms']/1000/r['ok']:.0f} us per job, wall)")
PY
done
