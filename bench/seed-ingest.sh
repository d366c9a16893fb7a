#!/usr/bin/env bash
# Seed-shaped and bulk ingest against MetricStream with the peers' own harness
# (../shared/peer-bench), so the figures compare with its RESULTS.md line for line:
#   W1  wrk, 64 keep-alive connections, the seed's 3-metric POST /metrics  -> requests/s, p50, p99
#       (first against the bare node:http ceiling, so the ratio comes from one run)
#   W2  10,000 series, 1,000 samples per request, 8 connections            -> samples/s
#       (seed JSON on POST /metrics, and JSON lines on POST /api/v1/import)
#   head bytes/sample of the W2 mix, read from the node's own metrics.
# Usage: bash bench/seed-ingest.sh        env: W1_RUNS (3) W1_SECONDS (15) W2_SAMPLES (5e6) PEER_BENCH (dir) PORT (18080)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT
[ -f "$PB/w1-seed.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
# shellcheck source=packages.sh
. "$ROOT/bench/packages.sh"
ensure_command wrk wrk
WORK=$(mktemp -d /tmp/ms-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK/data"; }
trap cleanup EXIT

echo "== preparing (build, harness copy in $WORK)"
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)

start() { # fresh data dir, no rate limit
  [ -n "$PID" ] && { kill "$PID"; wait "$PID" 2>/dev/null || true; }
  rm -rf "$WORK/data"
  node "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" \
    --rate-limit 0 --log-level warn "$@" &
  PID=$!
  for _ in $(seq 200); do curl -sf "$URL/ready" >/dev/null && return 0; sleep 0.05; done
  echo "node did not become ready"; exit 1
}
metric() { curl -s -H 'Accept: text/plain' "$URL/metrics" | awk -v m="$1" '$1==m {print $2}'; }

echo "== W1 ceiling: bare node:http (JSON.parse only), same machine, same run"
node "$WORK/peer-bench/node-ceiling.mjs" --port "$((PORT + 1))" >/dev/null &
CEIL=$!
sleep 1
node "$WORK/peer-bench/w1-seed.mjs" --target node-ceiling --url "http://127.0.0.1:$((PORT + 1))" --format seed --pid "$CEIL" \
  --runs "${W1_RUNS:-3}" --duration "${W1_SECONDS:-15}"
kill "$CEIL"

echo "== W1 seed requests (wrk -t2 -c64, ${W1_SECONDS:-15} s x ${W1_RUNS:-3})"
start
node "$WORK/peer-bench/w1-seed.mjs" --target metricstream --url "$URL" --format seed --pid "$PID" \
  --runs "${W1_RUNS:-3}" --duration "${W1_SECONDS:-15}"

for fmt in seed vmjson; do
  echo "== W2 bulk ingest, format $fmt, ${W2_SAMPLES:-5e6} samples"
  start
  node "$WORK/peer-bench/w2-ingest.mjs" --target metricstream --url "$URL" --format "$fmt" --samples "${W2_SAMPLES:-5e6}" --pid "$PID"
  bytes=$(metric metricstream_head_chunk_bytes); samples=$(metric metricstream_head_samples)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
  echo "head after W2 ($fmt): $samples samples in $bytes chunk bytes = $(node -e "console.log(($bytes/$samples).toFixed(2))") bytes/sample; RSS $((rss / 1024)) MiB"
done

echo "== summary (same table layout as peer-bench/RESULTS.md)"
node "$WORK/peer-bench/report.mjs" "$WORK/peer-bench/results/results.jsonl"
