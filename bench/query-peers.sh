#!/usr/bin/env bash
# W4 side by side: the four PromQL queries of issue 4 against MetricStream, Prometheus 2.42
# (Debian `prometheus`) and VictoriaMetrics 1.79 (Debian `victoria-metrics`), one server at a
# time, each loaded with the same data in its own push format:
#   the peers' W2 data set (../shared/peer-bench lib.mjs: 10,000 series, 10 s apart, the same
#   values w2-ingest.mjs sends), a classic histogram (100 hosts x 12 buckets) over the same steps
#   and a 10,000-series gauge over the last 15 minutes, sent interleaved in time order from one
#   start time (dist/bench/query-peers.js load): JSON lines to MetricStream and VictoriaMetrics,
#   remote write to Prometheus, so every server holds the same samples.
# Then the queries are timed with curl like the peers' W4 and one table is printed.
# Installs the two Debian packages when missing (apt-get as root, else sudo -n); their services
# are not used: the servers run on loopback ports of their own with data in a temp dir.
# Usage: bash bench/query-peers.sh
#   env: W2_SAMPLES (5e6) RUNS (10) WARMUP (0: untimed runs of each query first, same for every server) TARGETS ("metricstream prometheus victoriametrics")
#        MS_ROOT (repo root; another checkout's root to time that build instead)
#        MS_BEFORE (another checkout's root, e.g. of main: also timed, as target metricstream-before)
#        PEER_BENCH (dir)
#        node-floor in TARGETS (after metricstream, or after FLOOR_FROM): a bare node:net server on
#          PORT_MS that answers each query with the bytes that target answered, doing nothing else:
#          what curl measures for a Node server's accept, read and write alone
#        PORT_MS (18480) PORT_PROM (19490) PORT_VM (18428)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
MS_ROOT=${MS_ROOT:-$ROOT}
SAMPLES=${W2_SAMPLES:-5e6}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-0}
TARGETS=${TARGETS:-"${MS_BEFORE:+metricstream-before }metricstream prometheus victoriametrics"}
PORT_MS=${PORT_MS:-18480} PORT_PROM=${PORT_PROM:-19490} PORT_VM=${PORT_VM:-18428}
[ -f "$PB/w2-ingest.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }

missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian packages)"
  if [ "$(id -u)" = 0 ]; then APT=(apt-get); else APT=(sudo -n apt-get); fi
  "${APT[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/ms-query-peers.XXXXXX)
PID=
stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    PID=
  fi
}
cleanup() { stop; rm -rf "$WORK/data"; }
trap cleanup EXIT
wait_http() { for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }

echo "== preparing (build, harness copy in $WORK)"
(cd "$ROOT" && npm run build --silent)
[ "$MS_ROOT" = "$ROOT" ] || (cd "$MS_ROOT" && npm run build --silent)
[ -z "${MS_BEFORE:-}" ] || (cd "$MS_BEFORE" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
QP="node $ROOT/dist/bench/query-peers.js"

STEPS=$(node -e "console.log(Math.ceil(Number('$SAMPLES') / 10000))")
START=$(node -e "console.log(Math.floor((Date.now() - $STEPS * 10000 - 120000) / 10000) * 10000)")
END=$((START + (STEPS - 1) * 10000))
echo "== data: $STEPS steps of 10 s from $START (W2 10,000 series, histogram 1200 series, wide gauge 10,000 series x 90 steps); queries end at $END"

for target in $TARGETS; do
  for port in $PORT_MS $PORT_PROM $PORT_VM; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then echo "port $port is in use by another server: stop it first" >&2; exit 1; fi
  done
  mkdir -p "$WORK/data/$target"
  case $target in
    metricstream|metricstream-before)
      URL=http://127.0.0.1:$PORT_MS FORMAT=vmjson
      root=$MS_ROOT; [ "$target" = metricstream-before ] && root=$MS_BEFORE
      node "$root/bin/metricstream.js" serve --port "$PORT_MS" --listen 127.0.0.1 --data-dir "$WORK/data/$target" --rate-limit 0 --log-level warn &
      PID=$!
      wait_http "$URL/ready"
      kill -0 "$PID" 2>/dev/null || { echo "$target exited" >&2; exit 1; } ;;
    prometheus)
      URL=http://127.0.0.1:$PORT_PROM FORMAT=promrw
      printf 'global:\n  scrape_interval: 15s\n' >"$WORK/prometheus.yml"
      prometheus --config.file="$WORK/prometheus.yml" --web.listen-address="127.0.0.1:$PORT_PROM" \
        --storage.tsdb.path="$WORK/data/$target" --web.enable-remote-write-receiver >"$WORK/prometheus.log" 2>&1 &
      PID=$!
      wait_http "$URL/-/ready" ;;
    victoriametrics)
      URL=http://127.0.0.1:$PORT_VM FORMAT=vmjson
      victoria-metrics -httpListenAddr="127.0.0.1:$PORT_VM" -storageDataPath="$WORK/data/$target" >"$WORK/vm.log" 2>&1 &
      PID=$!
      wait_http "$URL/health" ;;
    node-floor)
      URL=http://127.0.0.1:$PORT_MS
      answers=$WORK/answers/${FLOOR_FROM:-metricstream}
      [ -d "$answers" ] || { echo "node-floor answers with what ${FLOOR_FROM:-metricstream} answered: list that target before it in TARGETS" >&2; exit 2; }
      $QP floor --port "$PORT_MS" --end "$END" --answers "$answers" &
      PID=$!
      for _ in $(seq 100); do curl -s -o /dev/null "$URL/" && break; sleep 0.1; done ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  if [ "$target" != node-floor ]; then
    echo "== $target ($(case $target in metricstream*) echo "node $(node --version)";; prometheus) prometheus --version 2>&1 | head -1;; victoriametrics) victoria-metrics -version 2>&1 | head -1;; esac)): loading"
    $QP load --url "$URL" --format "$FORMAT" --lib "$WORK/peer-bench/lib.mjs" --start "$START" --steps "$STEPS"
    [ "$target" = victoriametrics ] && curl -sf "$URL/internal/force_flush" >/dev/null
    sleep 2
  fi
  echo "== $target: W4 queries, $RUNS runs each (curl time_total)"
  $QP time --url "$URL" --target "$target" --end "$END" --runs "$RUNS" --warmup "$WARMUP" --out "$WORK/w4.jsonl" --pid "$PID" --save "$WORK/answers/$target"
  stop
done

echo
echo "== W4 side by side (median ms over $RUNS runs, min-max; same data, same machine, one server at a time)"
$QP table "$WORK/w4.jsonl"
