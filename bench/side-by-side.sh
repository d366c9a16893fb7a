#!/usr/bin/env bash
# MetricStream and its peers, one after the other on this machine, same generated data,
# same harness (../shared/peer-bench), one comparison table at the end:
#   W1  the seed's 3 samples per request under wrk (2 threads, 64 keep-alive connections, Lua body):
#       MetricStream POST /metrics (seed JSON) vs VictoriaMetrics POST /api/v1/import (the same 3 samples)
#       and vs the bare node:http server of ../shared/peer-bench (node-ceiling.mjs: JSON.parse only)
#   W2  10,000 series, batches of 1,000 samples, 8 connections, in every push format both sides
#       speak: seed JSON (POST /metrics), JSON lines (/api/v1/import), remote write 1.0
#       (/api/v1/write) and Influx line protocol (/write) into MetricStream; the same bodies into
#       VictoriaMetrics (JSON lines, remote write, Influx), Prometheus's remote-write receiver
#       and InfluxDB 1.x (/write)
#   server CPU (% of one core, during the run) and RSS (right after it) for every row; each W2
#   row's ratio is to VictoriaMetrics in the same format (JSON lines for seed JSON). Below the
#   table, issue 5's and 6's targets checked against this run's figures.
# Installs wrk, victoria-metrics, prometheus and influxdb from Debian when missing. Never runs
# two servers at once.
# Usage: bash bench/side-by-side.sh
#   env: W1_RUNS (3) W1_SECONDS (10, 0 = no W1) W2_RUNS (3) PEER_BENCH (dir)
#        W2_SAMPLES (2e7: peer-bench's own W2, 20 M samples or 60 s, which the peers' figures in
#          RESULTS.md used; each run first encodes its bodies, ~3 GB for JSON lines, so a full
#          default run takes the better part of an hour. Short runs (2e6-3e6, the default before
#          session 12) are mostly a fresh Node process warming up: JSON lines 0.65x VictoriaMetrics
#          at 2e6 against 0.70x at 1e7 in session 12)
#        W2_WARMUP (0: samples each server takes, untimed, right before each timed W2 run, on the
#          same series with earlier timestamps; the same for every server. A fresh Node process
#          spends its first seconds compiling (V8 optimized ~700 functions on a cold W2 run, ~1.4 s
#          of CPU on its compiler threads), which Go servers do not; 1e6 shows steady state)
#        PORT (18080; peers on PORT+2..PORT+5) FORMATS ("seed vmjson promrw influx")
#        PEERS ("victoriametrics prometheus influxdb node-ceiling"; node-ceiling only with W1;
#          also node-ceiling-2: the same bare server in two processes under node:cluster, not in
#          the default: what serving the seed's requests on both cores gives a Node server that
#          stores nothing, against VictoriaMetrics, which answers on both)
#        MS_ARGS (extra `metricstream serve` flags, e.g. "--ingest-influx-decode-min-bytes 4KiB")
#        W2_ORDER (grouped: every MetricStream W2 run, then every VictoriaMetrics run, then the
#          other peers, as before; interleaved: per format, run i of MetricStream, then run i of
#          each peer speaking it, then run i+1, so a load that comes and goes on a shared machine
#          falls on both sides rather than on one (session 15: two grouped runs 15 minutes apart
#          gave MetricStream's Influx 1.23x and 0.78x VictoriaMetrics))
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18080}
VMPORT=$((PORT + 2))
PROMPORT=$((PORT + 3))
INFLUXPORT=$((PORT + 4))
MS=http://127.0.0.1:$PORT
VM=http://127.0.0.1:$VMPORT
PROM=http://127.0.0.1:$PROMPORT
INFLUX=http://127.0.0.1:$INFLUXPORT
W1_RUNS=${W1_RUNS:-3} W1_SECONDS=${W1_SECONDS:-10} W2_RUNS=${W2_RUNS:-3} W2_SAMPLES=${W2_SAMPLES:-2e7} W2_WARMUP=${W2_WARMUP:-0}
W2_ORDER=${W2_ORDER:-grouped}
case $W2_ORDER in grouped|interleaved) ;; *) echo "W2_ORDER is grouped or interleaved, got $W2_ORDER"; exit 2 ;; esac
FORMATS=${FORMATS:-"seed vmjson promrw influx"}
PEERS=${PEERS:-"victoriametrics prometheus influxdb node-ceiling"}
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }
[ -f "$PB/w1-seed.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
# shellcheck source=packages.sh
. "$ROOT/bench/packages.sh"
[ "$W1_SECONDS" = 0 ] || ensure_command wrk wrk
ensure_command victoria-metrics victoria-metrics
! has "$PEERS" prometheus || ensure_command prometheus prometheus
! has "$PEERS" influxdb || ensure_command influxd influxdb
for p in "$PORT" "$VMPORT" "$PROMPORT" "$INFLUXPORT" $((PORT + 5)); do
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
: >"$RSS"

wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
start_ms() { # fresh data dir, no rate limit
  stop; rm -rf "$WORK/data"
  node "$ROOT/bin/metricstream.js" serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" --rate-limit 0 --statsd-port 0 --log-level warn ${MS_ARGS:-} &
  PID=$!; wait_up "$MS/ready"
}
start_ceiling() { # peer-bench's bare node:http server (JSON.parse of each body, nothing stored); $1: processes
  stop
  node "$WORK/peer-bench/node-ceiling.mjs" --port "$PORT" --workers "${1:-1}" >"$WORK/ceiling.log" 2>&1 &
  PID=$!
  # With node:cluster the primary answers nothing itself: wait until every worker listens.
  for _ in $(seq 100); do
    [ "$(grep -c listening "$WORK/ceiling.log")" -ge "${1:-1}" ] && curl -s -o /dev/null "$MS/" && return 0
    sleep 0.1
  done
  echo "node-ceiling not up"; exit 1
}
start_ceiling2() { start_ceiling 2; }
start_vm() { # fresh data dir; -influxSkipSingleField as in peer-bench
  stop; rm -rf "$WORK/data"
  victoria-metrics -httpListenAddr=127.0.0.1:$VMPORT -storageDataPath="$WORK/data" -influxSkipSingleField >"$WORK/vm.log" 2>&1 &
  PID=$!; wait_up "$VM/health"
}
start_prom() { # fresh data dir; only the remote-write receiver (no scrape jobs)
  stop; rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  printf 'global:\n  scrape_interval: 15s\n' >"$WORK/prometheus.yml"
  prometheus --config.file="$WORK/prometheus.yml" --web.listen-address=127.0.0.1:$PROMPORT \
    --storage.tsdb.path="$WORK/data" --web.enable-remote-write-receiver >"$WORK/prom.log" 2>&1 &
  PID=$!; wait_up "$PROM/-/ready"
}
start_influx() { # fresh data dir; Debian's default config on loopback, as peer-bench's peers.sh
  stop; rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  sed -e "s#/var/lib/influxdb#$WORK/data#" -e "s|^# bind-address = \"127.0.0.1:8088\"|bind-address = \"127.0.0.1:$((PORT + 5))\"|" \
      -e "s|^  # bind-address = \":8086\"|  bind-address = \"127.0.0.1:$INFLUXPORT\"|" -e 's|^  # store-enabled = true|  store-enabled = false|' \
      -e 's|^  # log-enabled = true|  log-enabled = false|' /etc/influxdb/influxdb.conf >"$WORK/influx.conf"
  influxd -config "$WORK/influx.conf" >"$WORK/influx.log" 2>&1 &
  PID=$!; wait_up "$INFLUX/ping"
  curl -sf -XPOST "$INFLUX/query" --data-urlencode 'q=CREATE DATABASE bench' >/dev/null
}
rss() { # rss <workload> <target> <format>: RSS of the running server now
  echo "{\"workload\":\"$1\",\"target\":\"$2\",\"format\":\"$3\",\"rss_mib\":$(( $(awk '/VmRSS/ {print $2}' "/proc/$PID/status") / 1024 ))}" >>"$RSS"
}
w1() { # w1 <target> <url> <format>
  echo "== W1 $1 ($3): wrk -t2 -c64, ${W1_SECONDS} s x ${W1_RUNS}"
  node "$WORK/peer-bench/w1-seed.mjs" --target "$1" --url "$2" --format "$3" --pid "$PID" --runs "$W1_RUNS" --duration "$W1_SECONDS" | grep -v '^{'
  rss W1 "$1" "$3"
}
w2() { # w2 <target> <url> <format> <start function> [first run] [last run]
  for i in $(seq "${5:-1}" "${6:-$W2_RUNS}"); do
    echo "== W2 $1 ($3), run $i of $W2_RUNS: $W2_SAMPLES samples, batches of 1000, 8 connections"
    "$4"
    local start=()
    if [ "$W2_WARMUP" != 0 ]; then
      # The timed run's start as w2-ingest picks it (10 s steps over peer-bench's 10,000 series,
      # ending ~2 min before now), the warm-up's just before it, so each series stays in order.
      local ts tw
      ts=$(node -e "const s = Math.ceil($W2_SAMPLES / 1e4); console.log(Math.floor((Date.now() - s * 1e4 - 120e3) / 1e4) * 1e4)")
      tw=$(node -e "console.log($ts - Math.ceil($W2_WARMUP / 1e4) * 1e4)")
      echo "   warm-up: $W2_WARMUP samples, untimed"
      node "$WORK/peer-bench/w2-ingest.mjs" --target "$1-warmup" --url "$2" --format "$3" --samples "$W2_WARMUP" --start "$tw" --pid "$PID" >/dev/null
      start=(--start "$ts")
    fi
    node "$WORK/peer-bench/w2-ingest.mjs" --target "$1" --url "$2" --format "$3" --samples "$W2_SAMPLES" "${start[@]}" --pid "$PID" | grep -v '^W2 '
  done
}

if [ "$W1_SECONDS" != 0 ] && has "$PEERS" node-ceiling; then start_ceiling; w1 node-ceiling "$MS" seed; stop; fi
if [ "$W1_SECONDS" != 0 ] && has "$PEERS" node-ceiling-2; then start_ceiling2; w1 node-ceiling-2 "$MS" seed; stop; fi
if [ "$W1_SECONDS" != 0 ]; then start_ms; w1 metricstream "$MS" seed; stop; fi
if [ "$W1_SECONDS" != 0 ]; then start_vm; w1 victoriametrics "$VM" vmjson; stop; fi
# The W2 runs of MetricStream and the peers speaking format $1, runs $2 to $3.
w2_format() {
  w2 metricstream "$MS" "$1" start_ms "$2" "$3"; stop
  if [ "$1" != seed ]; then w2 victoriametrics "$VM" "$1" start_vm "$2" "$3"; stop; fi
  if [ "$1" = promrw ] && has "$PEERS" prometheus; then w2 prometheus "$PROM" promrw start_prom "$2" "$3"; stop; fi
  if [ "$1" = influx ] && has "$PEERS" influxdb; then w2 influxdb "$INFLUX" influx start_influx "$2" "$3"; stop; fi
}
if [ "$W2_ORDER" = interleaved ]; then
  for f in $FORMATS; do for i in $(seq "$W2_RUNS"); do w2_format "$f" "$i" "$i"; done; done
else
  for f in $FORMATS; do w2 metricstream "$MS" "$f" start_ms; done
  stop
  for f in $FORMATS; do [ "$f" = seed ] || w2 victoriametrics "$VM" "$f" start_vm; done
  stop
  if has "$PEERS" prometheus && has "$FORMATS" promrw; then w2 prometheus "$PROM" promrw start_prom; stop; fi
  if has "$PEERS" influxdb && has "$FORMATS" influx; then w2 influxdb "$INFLUX" influx start_influx; stop; fi
fi

echo
[ "$W2_WARMUP" = 0 ] || echo "(W2: every server took $W2_WARMUP samples untimed before each timed run)"
[ "$W2_ORDER" = grouped ] || echo "(W2: runs interleaved, MetricStream's run i next to each peer's run i)"
echo "== MetricStream vs VictoriaMetrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || echo "?"), Prometheus $(dpkg-query -W -f '${Version}' prometheus 2>/dev/null || echo "-"), InfluxDB $(dpkg-query -W -f '${Version}' influxdb 2>/dev/null || echo "-"), same machine, same run, load average $(cut -d" " -f1-3 /proc/loadavg)"
node "$ROOT/dist/bench/side-by-side-table.js" "$RESULTS" "$RSS"
cp "$RESULTS" "$WORK/results.jsonl"
echo "(raw result lines: $WORK/results.jsonl)"
