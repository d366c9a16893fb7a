#!/usr/bin/env bash
# MetricStream and VictoriaMetrics, one after the other on this machine, same generated data,
# same harness (../shared/peer-bench), one comparison table at the end:
#   W1  the seed's 3 samples per request under wrk (2 threads, 64 keep-alive connections, Lua body):
#       MetricStream POST /metrics (seed JSON) vs VictoriaMetrics POST /api/v1/import (the same 3 samples)
#   W2  10,000 series, batches of 1,000 samples, 8 connections: MetricStream POST /metrics and
#       POST /api/v1/import vs VictoriaMetrics POST /api/v1/import (identical JSON lines)
#   server CPU (% of one core, during the run) and RSS (right after it) for every row.
# Installs wrk and victoria-metrics from Debian when missing. Never runs two servers at once.
# Usage: bash bench/side-by-side.sh
#   env: W1_RUNS (3) W1_SECONDS (10) W2_RUNS (3) W2_SAMPLES (3e6) PEER_BENCH (dir) PORT (18080, VM on PORT+2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18080}
VMPORT=$((PORT + 2))
MS=http://127.0.0.1:$PORT
VM=http://127.0.0.1:$VMPORT
W1_RUNS=${W1_RUNS:-3} W1_SECONDS=${W1_SECONDS:-10} W2_RUNS=${W2_RUNS:-3} W2_SAMPLES=${W2_SAMPLES:-3e6}
[ -f "$PB/w1-seed.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
# shellcheck source=packages.sh
. "$ROOT/bench/packages.sh"
ensure_command wrk wrk
ensure_command victoria-metrics victoria-metrics
for p in "$PORT" "$VMPORT"; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then echo "port $p is taken by another process; set PORT"; exit 1; fi
done

WORK=$(mktemp -d /tmp/ms-side-by-side.XXXXXX)
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
trap 'stop; rm -rf "$WORK/data"' EXIT

echo "== preparing (build, harness copy in $WORK)"
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
RESULTS=$WORK/peer-bench/results/results.jsonl
RSS=$WORK/rss.jsonl

wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
start_ms() { # fresh data dir, no rate limit
  stop; rm -rf "$WORK/data"
  node "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" --rate-limit 0 --log-level warn &
  PID=$!; wait_up "$MS/ready"
}
start_vm() { # fresh data dir; -influxSkipSingleField as in peer-bench
  stop; rm -rf "$WORK/data"
  victoria-metrics -httpListenAddr=127.0.0.1:$VMPORT -storageDataPath="$WORK/data" -influxSkipSingleField >"$WORK/vm.log" 2>&1 &
  PID=$!; wait_up "$VM/health"
}
rss() { # rss <workload> <target> <format>: RSS of the running server now
  echo "{\"workload\":\"$1\",\"target\":\"$2\",\"format\":\"$3\",\"rss_mib\":$(( $(awk '/VmRSS/ {print $2}' "/proc/$PID/status") / 1024 ))}" >>"$RSS"
}
w1() { # w1 <target> <url> <format>
  echo "== W1 $1 ($3): wrk -t2 -c64, ${W1_SECONDS} s x ${W1_RUNS}"
  node "$WORK/peer-bench/w1-seed.mjs" --target "$1" --url "$2" --format "$3" --pid "$PID" --runs "$W1_RUNS" --duration "$W1_SECONDS" | grep -v '^{'
  rss W1 "$1" "$3"
}
w2() { # w2 <target> <url> <format> <start function>
  for i in $(seq "$W2_RUNS"); do
    echo "== W2 $1 ($3), run $i of $W2_RUNS: $W2_SAMPLES samples, batches of 1000, 8 connections"
    "$4"
    node "$WORK/peer-bench/w2-ingest.mjs" --target "$1" --url "$2" --format "$3" --samples "$W2_SAMPLES" --pid "$PID" | grep -v '^W2 '
  done
}

start_ms; w1 metricstream "$MS" seed
w2 metricstream "$MS" seed start_ms
w2 metricstream "$MS" vmjson start_ms
stop
start_vm; w1 victoriametrics "$VM" vmjson
w2 victoriametrics "$VM" vmjson start_vm
stop

echo
echo "== MetricStream vs VictoriaMetrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || echo "(version unknown)"), same machine, same run, load average $(cut -d" " -f1-3 /proc/loadavg)"
node "$ROOT/dist/bench/side-by-side-table.js" "$RESULTS" "$RSS"
cp "$RESULTS" "$WORK/results.jsonl"
echo "(raw result lines: $WORK/results.jsonl)"
