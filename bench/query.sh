#!/usr/bin/env bash
# PromQL query latency with the peers' harness (../shared/peer-bench W4): loads the W2 data set
# (10,000 series, 10 s apart) into a fresh node through /api/v1/import, then times the W4
# queries with curl: sum by (host) (rate(counter[5m])) over 1 h at 15 s, one series instant,
# one series raw [1h]. Figures compare with peer-bench/RESULTS.md (VictoriaMetrics, Prometheus).
# Usage: bash bench/query.sh        env: W2_SAMPLES (5e6) PEER_BENCH (dir) PORT (18080) RUNS (10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT
WORK=$(mktemp -d /tmp/ms-query-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK/data"; }
trap cleanup EXIT

echo "== preparing (build, harness copy in $WORK)"
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
node "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" --rate-limit 0 --log-level warn &
PID=$!
for _ in $(seq 200); do curl -sf "$URL/ready" >/dev/null && break; sleep 0.05; done

echo "== loading ${W2_SAMPLES:-5e6} samples (W2 data set, JSON lines import)"
node "$WORK/peer-bench/w2-ingest.mjs" --target metricstream --url "$URL" --format vmjson --samples "${W2_SAMPLES:-5e6}" --pid "$PID" | tee "$WORK/w2.txt"
end=$(node -e "const l=require('fs').readFileSync('$WORK/w2.txt','utf8').split('\n').filter(x=>x.startsWith('RESULT ')).pop(); console.log(JSON.parse(l.slice(7)).approx_end_ms)")

echo "== W4 queries (curl time_total, ${RUNS:-10} runs each)"
node "$WORK/peer-bench/w4-query.mjs" --target metricstream --url "$URL" --end "$end" --runs "${RUNS:-10}"
node "$WORK/peer-bench/report.mjs" "$WORK/peer-bench/results/results.jsonl" | sed -n '/W4 target/,$p'
