#!/bin/bash
# imgpar across machines with GNU parallel over ssh: one shard per host, all
# hosts reading and writing one shared directory (NFS or similar, mounted at
# the same path everywhere), then the shard reports merged into one.
#
#   docs/examples/parallel-ssh.sh host1 host2 host3
#
# Needs: passwordless ssh to each host, imgpar on each host's PATH,
# GNU parallel here. IN, OUT, REPORTS and MERGED may be set in the
# environment; SSH too (parallel's --ssh, default ssh).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 HOST..." >&2
  exit 2
fi
IN=${IN:-/shared/photos}
OUT=${OUT:-/shared/imgpar/out}
REPORTS=${REPORTS:-/shared/imgpar/reports}
MERGED=${MERGED:-/shared/imgpar/report.json}
n=$#

# "1/host" gives each host one job slot, so the N shards land on N hosts.
# Each remote imgpar uses every core of its host (procs x threads = CPUs).
# --tag prefixes each host's status lines with its shard number.
logins=$(printf '1/%s,' "$@")
status=0
# -q keeps paths with spaces whole on the remote side.
seq 1 "$n" | parallel --ssh "${SSH:-ssh}" --sshlogin "${logins%,}" --jobs 1 --tag --line-buffer -q \
  imgpar process "$IN" -o "$OUT" --shard "{}/$n" --progress plain \
  --report "$REPORTS/{}.json" || status=$?

# parallel exits with the number of shards that failed (imgpar exit 1 means
# some inputs failed, the rest are done). Merge whatever reports exist.
imgpar report merge "$REPORTS"/*.json > "$MERGED"
echo "merged report: $MERGED (parallel exit status $status)" >&2
exit "$status"
