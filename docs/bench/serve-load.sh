#!/bin/bash
# Load test: imgpar serve beside the seed's Node.js server (express + multer +
# sharp in a worker thread per upload, docs/bench/seed-server), on this
# machine, with the same client and the same images: N uploads (default 200)
# of testdata/photos, C at a time (default 20), over loopback, ROUNDS rounds
# alternating the two servers. The client is TestServeLoad (cmd/
# serve_load_test.go): it fails on any answer that is not a JPEG. Prints one
# line per server and round, with the peak RSS of the server's process tree.
# usage: docs/bench/serve-load.sh [ROUNDS]
#   N, C: uploads and concurrency; IMGPAR_SERVE_ARGS: flags for imgpar serve
#   (default --procs 2 --threads 1); SEED_INLINE=1 adds the seed's server
#   with sharp called from the main thread (no worker thread per upload), the
#   usual way to serve sharp; node and npm are needed for the seed's
#   server (express, multer and sharp are installed in ~/.cache/imgpar-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/imgpar-bench
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if command -v node >/dev/null; then
  if [ ! -d "$cache/node_modules/express" ] || [ ! -d "$cache/node_modules/multer" ] || [ ! -d "$cache/node_modules/sharp" ]; then
    mkdir -p "$cache"
    (cd "$cache" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent express multer sharp >/dev/null)
  fi
  cp "$root/docs/bench/seed-server/server.mjs" "$root/docs/bench/seed-server/worker.mjs" "$cache/"
else
  echo "node not found: imgpar only" >&2
fi
(cd "$root" && go build -o "$work/imgpar" . && go test -c -o "$work/cmd.test" ./cmd/)

# peak RSS (MiB) of a process tree, sampled every 20 ms until $work/stop exists
sample_rss() {
  python3 - "$1" "$work/stop" <<'PY'
import os, sys, time
root, stop, peak = int(sys.argv[1]), sys.argv[2], 0
def kids():
    m = {}
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                m.setdefault(int(open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1]), []).append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    return m
def rss(p):
    try:
        for l in open(f'/proc/{p}/status'):
            if l.startswith('VmRSS:'):
                return int(l.split()[1])
    except OSError:
        pass
    return 0
while not os.path.exists(stop):
    k, todo, total = kids(), [root], 0
    while todo:
        p = todo.pop(); total += rss(p); todo.extend(k.get(p, []))
    peak = max(peak, total)
    time.sleep(0.02)
print(f"{peak/1024:.0f}")
PY
}

# run NAME CMD...: start a server, wait for its address, load it, stop it.
run() {
  local name=$1; shift
  "$@" 2>"$work/$name.err" &
  server=$!
  local url=""
  for _ in $(seq 300); do
    url=$(grep -o 'serving on http://[0-9.:]*' "$work/$name.err" | head -1 | sed 's/serving on //') || true
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/$name.err" >&2; exit 1; }
  if [ "$name" = imgpar ]; then
    until curl -sf "$url/healthz" >/dev/null; do sleep 0.1; done
  fi
  rm -f "$work/stop"
  sample_rss "$server" >"$work/rss" &
  local sampler=$!
  local out
  out=$(cd "$root/cmd" && IMGPAR_SERVE_LOAD=1 IMGPAR_SERVE_LOAD_URL=$url IMGPAR_SERVE_LOAD_N=${N:-200} IMGPAR_SERVE_LOAD_C=${C:-20} \
    "$work/cmd.test" -test.run '^TestServeLoad$' -test.v -test.count=1 2>&1) || { echo "$out" >&2; exit 1; }
  touch "$work/stop"; wait "$sampler"
  kill -TERM "$server"; wait "$server" || true; server=""
  echo "$out" | grep -o 'serve-load: .*' | sed "s/serve-load: node:/$name:/; s/\$/, peak tree RSS $(cat "$work/rss") MiB/"
}

for r in $(seq "$rounds"); do
  # shellcheck disable=SC2086
  run imgpar "$work/imgpar" serve --addr 127.0.0.1:0 ${IMGPAR_SERVE_ARGS:---procs 2 --threads 1}
  if command -v node >/dev/null; then
    run node-seed env PORT=0 node "$cache/server.mjs"
    if [ -n "${SEED_INLINE:-}" ]; then
      run node-sharp-inline env PORT=0 SEED_SERVER_INLINE=1 node "$cache/server.mjs"
    fi
  fi
done
