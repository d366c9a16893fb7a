#!/usr/bin/env bash
# Decode in worker threads vs on the main thread: for each protocol, alternately starts a node with
# --ingest-workers 0 and with N workers taking every body (--ingest-decode-min-bytes 0), loads it
# with `metricstream bench` (batches of 1000, 8 connections), and prints samples/s and p99 side by
# side with the load average. Usage: bench/ingest-workers.sh [rounds] [duration] [workers] [protocols...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
DURATION=${2:-10s}
WORKERS=${3:-$(node -e 'console.log(require("os").availableParallelism())')}
shift 3 2>/dev/null || shift $#
PROTOCOLS=${*:-json import influx remote-write}
PORT=${PORT:-18181}
MIN_BYTES=${MIN_BYTES:-0}
run() { # protocol workers
  local dir; dir=$(mktemp -d)
  node bin/metricstream.js serve --port "$PORT" --listen 127.0.0.1 --data-dir "$dir" --rate-limit 0 --log-level warn \
    --ingest-workers "$2" --ingest-decode-min-bytes "$MIN_BYTES" & local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
  local out; out=$(node bin/metricstream.js bench --target "http://127.0.0.1:$PORT" --protocol "$1" --batch 1000 --series 10000 \
    --connections 8 --duration "$DURATION" --json)
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
  node -e 'const r=JSON.parse(process.argv[1]); const l=require("os").loadavg()[0].toFixed(2);
    console.log([process.argv[2].padEnd(13), ("workers=" + process.argv[3]).padEnd(10), String(Math.round(r.samples_per_s)).padStart(9) + " samples/s",
      "p99 " + String(r.latency_ms.p99) + " ms", "status " + JSON.stringify(r.status), "load1 " + l].join("  "))' "$out" "$1" "$2"
}
LOG=$(mktemp)
echo "# $(date -u +%FT%TZ) rounds=$ROUNDS duration=$DURATION workers=$WORKERS min_bytes=$MIN_BYTES load: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in $PROTOCOLS; do
  for r in $(seq "$ROUNDS"); do
    if (( r % 2 == 1 )); then run "$p" 0; run "$p" "$WORKERS"; else run "$p" "$WORKERS"; run "$p" 0; fi
  done
done | tee "$LOG"
# Each round's two runs form a pair; the geometric mean of workers/main over the pairs.
node -e 'const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(/\s+/));
  const by = {};
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const [a, b] = [rows[i], rows[i + 1]];
    const w = (r) => (r[1] === "workers=0" ? "main" : "pool");
    const v = { [w(a)]: Number(a[2]), [w(b)]: Number(b[2]) };
    (by[a[0]] ??= []).push(v.pool / v.main);
  }
  for (const [p, rs] of Object.entries(by)) {
    const g = Math.exp(rs.reduce((s, r) => s + Math.log(r), 0) / rs.length);
    console.log(`${p.padEnd(13)} workers/main per round ${rs.map((r) => r.toFixed(2)).join(" ")}  geometric mean ${g.toFixed(2)}`);
  }' "$LOG"
rm -f "$LOG"
