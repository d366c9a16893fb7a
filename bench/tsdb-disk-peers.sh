#!/usr/bin/env bash
# W3 side by side: bytes per sample on disk for the peers' data set (10,000 series, 10 s apart,
# half random-walk gauges with two decimals, half counters; 20 M samples by default), loaded the
# same way into MetricStream (engine, head moved on, compacted), VictoriaMetrics 1.79 (/api/v1/import,
# force_flush, 30 s) and Prometheus 2.42 (promtool tsdb create-blocks-from openmetrics), one run.
# Usage: bash bench/tsdb-disk-peers.sh      env: STEPS (2000) PEER_BENCH (dir) VM_PORT (18428)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
STEPS=${STEPS:-2000}
VM_PORT=${VM_PORT:-18428}
[ -f "$PB/lib.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
install() {
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$@" >/dev/null; else sudo -n apt-get install -y -qq "$@" >/dev/null; fi
}
command -v victoria-metrics >/dev/null || install victoria-metrics
command -v promtool >/dev/null || install prometheus
WORK=$(mktemp -d /tmp/ms-w3-peers.XXXXXX)
VM_PID=
cleanup() { [ -n "$VM_PID" ] && kill "$VM_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
SAMPLES=$((STEPS * 10000))
# Same timestamps everywhere: ending a few minutes ago (inside every peer's retention).
START=$(( ( $(date +%s) * 1000 - STEPS * 10000 - 600000 ) / 10000 * 10000 ))
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $SAMPLES samples from $START"

echo "== MetricStream"
START_MS=$START STEPS=$STEPS PHASES=disk PEER_BENCH="$WORK/peer-bench" node --max-old-space-size=8000 "$ROOT/dist/bench/tsdb-engine.js" >"$WORK/ms.txt"
cat "$WORK/ms.txt"
ms=$(grep '^disk:' "$WORK/ms.txt")

echo "== VictoriaMetrics $(victoria-metrics --version 2>&1 | head -1)"
victoria-metrics -httpListenAddr=127.0.0.1:$VM_PORT -storageDataPath="$WORK/vm" >"$WORK/vm.log" 2>&1 &
VM_PID=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$VM_PORT/health" >/dev/null && break; sleep 0.2; done
node "$WORK/peer-bench/w2-ingest.mjs" --target vm --url "http://127.0.0.1:$VM_PORT" --format vmjson --samples "$SAMPLES" --seconds 900 --start "$START" | grep -v '^RESULT' || true
curl -sf "http://127.0.0.1:$VM_PORT/internal/force_flush" >/dev/null
vm=$(node "$WORK/peer-bench/w3-disk.mjs" --target vm --dir "$WORK/vm" --samples "$SAMPLES" --wait 30 | grep '^RESULT' | sed 's/^RESULT //')
kill "$VM_PID"; wait "$VM_PID" 2>/dev/null || true; VM_PID=

echo "== Prometheus $(promtool --version 2>&1 | head -1)"
node "$WORK/peer-bench/openmetrics.mjs" --start "$START" --steps "$STEPS" --out "$WORK/data.om"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/prom" >/dev/null
rm -f "$WORK/data.om"
prom=$(node "$WORK/peer-bench/w3-disk.mjs" --target prom --dir "$WORK/prom" --samples "$SAMPLES" --wait 0 | grep '^RESULT' | sed 's/^RESULT //')

echo
echo "| engine | bytes on disk | B/sample |"
echo "|---|---|---|"
echo "$ms" | sed -E 's/^disk: ([0-9.]+) B\/sample whole data dir \(([0-9,]+) bytes.*/| MetricStream (whole data dir after compaction) | \2 | **\1** |/'
node -e "const r=JSON.parse(process.argv[1]);console.log('| VictoriaMetrics (whole data dir after force_flush + 30 s) | '+r.bytes.toLocaleString('en-US')+' | **'+r.bytes_per_sample.toFixed(3)+'** |')" "$vm"
node -e "const r=JSON.parse(process.argv[1]);console.log('| Prometheus (promtool blocks) | '+r.bytes.toLocaleString('en-US')+' | **'+r.bytes_per_sample.toFixed(3)+'** |')" "$prom"
