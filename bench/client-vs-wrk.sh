#!/usr/bin/env bash
# Is `metricstream bench` a load generator that can saturate a server? It and wrk take turns
# against the same server in one run, with the same request (the seed's 3-metric POST /metrics,
# 311 bytes), the same 64 keep-alive connections, closed loop, the same duration:
#   1. the bare node:http ceiling (../shared/peer-bench/node-ceiling.mjs): the fastest server
#      here, so this row shows the generators' own limits
#   2. MetricStream (--rate-limit 0)
# metricstream bench runs three times per round: its own HTTP/1.1 client (the default) on 1 and on
# 2 threads (wrk runs 2), and undici on 1 thread.
# Prints req/s, p50/p99, the generator's CPU and the server's CPU per run, then the medians.
# wrk is run through peer-bench's w1-seed.mjs (Lua body, 2 threads) so its rows equal W1's.
# Usage: bash bench/client-vs-wrk.sh     env: RUNS (3) SECONDS_PER_RUN (10) PEER_BENCH (dir) PORT (18080)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18080}
RUNS=${RUNS:-3} SECS=${SECONDS_PER_RUN:-10}
[ -f "$PB/w1-seed.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
# shellcheck source=packages.sh
. "$ROOT/bench/packages.sh"
ensure_command wrk wrk
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "port $PORT is taken by another process; set PORT"; exit 1; fi

WORK=$(mktemp -d /tmp/ms-client-vs-wrk.XXXXXX)
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
trap 'stop; rm -rf "$WORK/data"' EXIT
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
OUT=$WORK/runs.jsonl
URL=http://127.0.0.1:$PORT

wait_up() { for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; } # user+sys clock ticks (100 per second)

round() { # round <server label>
  local label=$1 t0 t1 start end
  # wrk: one run, 2 s warm-up, as W1 does it
  node "$WORK/peer-bench/w1-seed.mjs" --target "$label" --url "$URL" --format seed --pid "$PID" --runs 1 --warmup 2 --duration "$SECS" |
    sed -n 's/^RESULT //p' | node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));
      console.log(JSON.stringify({server:'$label',tool:'wrk',rps:r.rps,p50:r.p50_ms,p99:r.p99_ms,gen_cpu:r.wrk_cpu_pct,server_cpu:r.server_cpu_pct}))" >>"$OUT"
  # metricstream bench with each HTTP client: same warm-up, then the measured run
  for variant in "raw 1" "raw 2" "undici 1"; do
    set -- $variant
    local hc=$1 th=$2
    node "$ROOT/bin/metricstream.js" bench --target "$URL" --connections 64 --duration 2s --http-client "$hc" --threads "$th" --json >/dev/null
    t0=$(ticks); start=$(date +%s.%N)
    node "$ROOT/bin/metricstream.js" bench --target "$URL" --connections 64 --duration "${SECS}s" --http-client "$hc" --threads "$th" --json >"$WORK/bench.json"
    t1=$(ticks); end=$(date +%s.%N)
    node -e "const r=JSON.parse(require('fs').readFileSync('$WORK/bench.json','utf8'));
      console.log(JSON.stringify({server:'$label',tool:'metricstream bench ($hc, $th thread$([ "$th" = 1 ] || echo s))',rps:r.requests_per_s,p50:r.latency_ms.p50,p99:r.latency_ms.p99,gen_cpu:r.client_cpu_pct,
        server_cpu:Math.round(($t1-$t0)/($end-$start)),non2xx:r.requests-r.ok_requests+r.errors}))" >>"$OUT"
  done
  tail -4 "$OUT"
}

echo "== bare node:http ceiling, $RUNS rounds of wrk and the three metricstream bench variants, ${SECS} s each"
node "$WORK/peer-bench/node-ceiling.mjs" --port "$PORT" >/dev/null & PID=$!
wait_up "$URL/"
for _ in $(seq "$RUNS"); do round node-ceiling; done
stop
echo "== MetricStream (--rate-limit 0), $RUNS rounds"
node "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" --rate-limit 0 --log-level warn & PID=$!
wait_up "$URL/ready"
for _ in $(seq "$RUNS"); do round metricstream; done
stop

echo
echo "== medians of $RUNS runs (CPU in % of one core; the machine has $(nproc) cores; load average now $(cut -d" " -f1-3 /proc/loadavg))"
node -e "
const rows=require('fs').readFileSync('$OUT','utf8').trim().split('\n').map(JSON.parse);
const med=(xs)=>[...xs].sort((a,b)=>a-b)[Math.floor(xs.length/2)];
console.log('| server | load generator | req/s (median) | runs | p50 ms | p99 ms | generator CPU % | server CPU % |');
console.log('|---|---|---|---|---|---|---|---|');
for (const s of ['node-ceiling','metricstream']) for (const t of ['wrk','metricstream bench (raw, 1 thread)','metricstream bench (raw, 2 threads)','metricstream bench (undici, 1 thread)']) {
  const g=rows.filter(r=>r.server===s&&r.tool===t);
  console.log('| '+[s,t,med(g.map(r=>r.rps)).toLocaleString('en-US'),g.map(r=>r.rps.toLocaleString('en-US')).join(' / '),med(g.map(r=>r.p50)),med(g.map(r=>r.p99)),med(g.map(r=>r.gen_cpu)),med(g.map(r=>r.server_cpu))].join(' | ')+' |');
}"
