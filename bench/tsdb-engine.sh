#!/usr/bin/env bash
# The engine alone on the peers' data set: append, bytes/sample on disk, decode, memory per series,
# head selection. Prints figures (see bench/tsdb-engine.ts); asserts nothing.
# Usage: bash bench/tsdb-engine.sh     env: STEPS (2000 = 20 M samples) PHASES PEER_BENCH (dir)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
[ -f "$PB/lib.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
WORK=$(mktemp -d /tmp/ms-tsdb-engine.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && npm run build --silent)
# The harness needs its own dependencies (snappyjs); it is used from a copy, never changed.
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
PEER_BENCH="$WORK/peer-bench" node --expose-gc --max-old-space-size=8000 "$ROOT/dist/bench/tsdb-engine.js"
