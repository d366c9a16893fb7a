#!/usr/bin/env bash
# Server CPU per sample under W2 bulk ingest: a fresh node (--rate-limit 0), warmed with WARM
# samples, then SAMPLES more from peer-bench's w2-ingest (10,000 series, 1000 per request,
# 8 connections, bodies encoded before the clock starts; timestamps continue after the warm-up's).
# Prints samples/s and the node's CPU-µs per sample from /proc: the whole process (srv) and its
# main thread (main), which is what bounds throughput while appends stay on one thread. On a
# shared machine compare builds by alternating runs, never across runs far apart.
# Usage: bash bench/server-cpu.sh [label] [serve flags...]
#   env: FMT (promrw | seed | vmjson | influx; default promrw) SAMPLES (4e6) WARM (1e6) PORT (19080)
#        PEER_BENCH (dir, default ../shared/peer-bench; npm install is run in a copy) NODE_ARGS (e.g. --cpu-prof)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LABEL=${1:-metricstream}; shift || true
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
FMT=${FMT:-promrw} SAMPLES=${SAMPLES:-4e6} WARM=${WARM:-1e6} PORT=${PORT:-19080}
WORK=$(mktemp -d /tmp/ms-server-cpu.XXXXXX)
PID=
trap '[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; rm -rf "$WORK"' EXIT
cp -r "$PB" "$WORK/pb" && rm -rf "$WORK/pb/results"
(cd "$WORK/pb" && npm install --silent --no-audit --no-fund >/dev/null)
# shellcheck disable=SC2086
node ${NODE_ARGS:-} "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" \
  --rate-limit 0 --statsd-port 0 --log-level warn "$@" &
PID=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
START=$(( ($(date +%s) - 8000) / 10 * 10000 ))
W2="node $WORK/pb/w2-ingest.mjs --target metricstream --url http://127.0.0.1:$PORT --format $FMT --pid $PID"
$W2 --samples "$WARM" --start "$START" >/dev/null
START2=$(( START + $(node -e "console.log(Math.ceil($WARM / 10000))") * 10000 ))
ticks() { awk '{print $14 + $15}' "$1"; }
c0=$(ticks "/proc/$PID/stat"); m0=$(ticks "/proc/$PID/task/$PID/stat")
OUT=$($W2 --samples "$SAMPLES" --start "$START2" | sed -n 's/^RESULT //p')
c1=$(ticks "/proc/$PID/stat"); m1=$(ticks "/proc/$PID/task/$PID/stat")
node -e '
const [r, c, m, label] = [JSON.parse(process.argv[1]), Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const hz = 100, us = (t) => ((t / hz) * 1e6 / r.samples_accepted).toFixed(3);
console.log(`${label.padEnd(16)} ${String(r.samples_per_s).padStart(9)} samples/s  srv ${us(c)} µs/sample  main ${us(m)} µs/sample  ` +
  `refused ${r.samples_rejected}  load ${require("fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
' "$OUT" "$((c1 - c0))" "$((m1 - m0))" "$LABEL"
