#!/usr/bin/env bash
# Issue 5's overload check: what accepted requests wait, and how much memory the node takes,
# when clients send twice what it can store.
#   1. capacity: `metricstream bench` closed loop against a fresh node (CAP_SECONDS) on
#      CAP_CONNECTIONS connections (bulk 8, as W2; seed 64): the most it accepts when clients
#      wait for each answer. Not on 64 bulk connections: there the node refuses most requests
#      and the clients resend at once, so the refusals' work (bodies read and dropped) halved
#      the accepted rate, and "2x" that rate was about what the node accepts without refusing
#   2. overload: open loop at OVERLOAD x that many requests/s (OVER_SECONDS) on CONNECTIONS
#      connections, latency from each request's intended send time (coordinated omission
#      corrected); the node refuses what it cannot take with 503 + Retry-After
# Prints, per shape: capacity, offered rate, 2xx/503 counts, p50/p99/max of the 2xx answers, and the
# node's peak RSS (VmHWM) and CPU during the overload, and the accepted requests' p50/p99 inside
# the node (metricstream_ingest_request_duration_seconds, from the route's handler starting to
# its answer: without the client's own queueing, which dominates when the client cannot send the
# offered rate, and without what waited in socket buffers before the handler ran, so a lower
# bound of the node's share; "not sent" counts scheduled requests still unsent a grace period
# after the run). Targets (issue 5): p99 of accepted requests
# < 100 ms and RSS < 1 GiB under a 2x overload.
# Usage: bash bench/overload.sh
#   env: PORT (18680) SHAPES ("bulk seed") OVERLOAD (2) CAP_SECONDS (10) OVER_SECONDS (20)
#        CONNECTIONS (64, the overload's) CAP_CONNECTIONS (per shape: bulk 8, seed 64)
#        EXTRA_FLAGS (more `serve` flags)
#        NO_BUILD (set: skip `npm run build`, time the dist/ as it is)
#        SERVER_CPUS / CLIENT_CPUS (taskset CPU lists, e.g. 0 and 1): on a machine where the client
#          cannot offer 2x next to a node using every core (this 2-core one, bulk), pin the node to
#          part of the machine and the client to the rest; capacity is then measured pinned too
#   shapes: bulk = POST /api/v1/import, 1,000 samples per request over 10,000 series;
#           seed = POST /metrics, the seed's 3 samples
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-18680}
SHAPES=${SHAPES:-"bulk seed"}
OVERLOAD=${OVERLOAD:-2}
CAP_SECONDS=${CAP_SECONDS:-10}
OVER_SECONDS=${OVER_SECONDS:-20}
CONNECTIONS=${CONNECTIONS:-64}
URL=http://127.0.0.1:$PORT
if curl -s -o /dev/null "$URL/"; then echo "port $PORT is taken by another process; set PORT"; exit 1; fi
WORK=$(mktemp -d /tmp/ms-overload.XXXXXX)
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
trap 'stop; rm -rf "$WORK"' EXIT
[ -n "${NO_BUILD:-}" ] || (cd "$ROOT" && npm run build --silent)
MS="node $ROOT/bin/metricstream.js"
SERVER=(); CLIENT=()
[ -n "${SERVER_CPUS:-}" ] && SERVER=(taskset -c "$SERVER_CPUS")
[ -n "${CLIENT_CPUS:-}" ] && CLIENT=(taskset -c "$CLIENT_CPUS")

start() {
  stop; rm -rf "$WORK/data"
  # shellcheck disable=SC2086
  "${SERVER[@]}" $MS serve --port "$PORT" --listen 127.0.0.1 --data-dir "$WORK/data" --rate-limit 0 --statsd-port 0 --log-level warn ${EXTRA_FLAGS:-} &
  PID=$!
  for _ in $(seq 300); do curl -sf "$URL/ready" >/dev/null && return 0; sleep 0.1; done
  echo "node not up"; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
field() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); const v = process.argv[1].split(".").reduce((o, k) => o[k], r); console.log(v)' "$1"; }

ROWS=()
for shape in $SHAPES; do
  case $shape in
    bulk) ARGS=(--protocol import --batch 1000 --series 10000); CAPC=${CAP_CONNECTIONS:-8}; PROTO=import ;;
    seed) ARGS=(--protocol json --batch 3 --series 3); CAPC=${CAP_CONNECTIONS:-64}; PROTO=json ;;
    *) echo "unknown shape $shape (bulk, seed)"; exit 1 ;;
  esac
  start
  echo "== $shape: capacity, closed loop, $CAPC connections, ${CAP_SECONDS} s"
  "${CLIENT[@]}" $MS bench --target "$URL" "${ARGS[@]}" --connections "$CAPC" --duration "${CAP_SECONDS}s" --json >"$WORK/cap.json"
  CAP=$(field ok_requests_per_s <"$WORK/cap.json")
  RATE=$(node -e "console.log(Math.round($CAP * $OVERLOAD))")
  echo "   $CAP requests/s accepted ($(field samples_per_s <"$WORK/cap.json") samples/s), answers: $(field status <"$WORK/cap.json" | tr -d '\n')"
  # The overload runs on the same warmed node: its series exist, as on a node in service.
  echo "== $shape: overload, open loop at $RATE requests/s (${OVERLOAD}x), $CONNECTIONS connections, ${OVER_SECONDS} s"
  curl -s -H 'accept: text/plain' "$URL/metrics" >"$WORK/m0.txt"
  T0=$(cpu_ticks); S0=$(date +%s.%N)
  "${CLIENT[@]}" $MS bench --target "$URL" "${ARGS[@]}" --connections "$CONNECTIONS" --rate "$RATE" --duration "${OVER_SECONDS}s" --json >"$WORK/over.json"
  T1=$(cpu_ticks); S1=$(date +%s.%N)
  curl -s -H 'accept: text/plain' "$URL/metrics" >"$WORK/m1.txt"
  # The node's own view of the accepted requests: p50/p99 from metricstream_ingest_request_duration_seconds
  # (head to answer, no client queueing), interpolated in the bucket as histogram_quantile does.
  NODE_Q=$(node -e '
    const [f0, f1, proto] = process.argv.slice(1);
    const read = (f) => { const m = new Map();
      for (const l of require("fs").readFileSync(f, "utf8").split("\n")) {
        const r = /^metricstream_ingest_request_duration_seconds_bucket\{le="([^"]+)",protocol="([^"]+)",code="(2\d\d)"\} (\S+)$/.exec(l);
        if (r && r[2] === proto) m.set(r[1], (m.get(r[1]) ?? 0) + Number(r[4]));
      } return m; };
    const a = read(f0), b = read(f1);
    const bk = [...b.keys()].map((le) => [le === "+Inf" ? Infinity : Number(le), b.get(le) - (a.get(le) ?? 0)]).sort((x, y) => x[0] - y[0]);
    const total = bk.at(-1)?.[1] ?? 0;
    const q = (p) => { if (total === 0) return "-"; const want = p * total; let lo = 0, prev = 0;
      for (const [le, c] of bk) { if (c >= want) return le === Infinity ? ">" + lo * 1000 : (1000 * (lo + (le - lo) * (want - prev) / Math.max(c - prev, 1))).toFixed(1); lo = le; prev = c; } return "-"; };
    console.log(q(0.5) + " " + q(0.99));
  ' "$WORK/m0.txt" "$WORK/m1.txt" "$PROTO")
  HWM=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$PID/status")
  CPU=$(node -e "console.log(Math.round(100 * ($T1 - $T0) / $(getconf CLK_TCK) / ($S1 - $S0)))")
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = r.status, l = r.ok_latency_ms, all = r.latency_ms;
    console.log(`   offered ${r.scheduled} requests (${r.missed} not sent), answered ${r.requests}: ` +
      Object.entries(s).map(([c, n]) => c + ": " + n).join(", ") + (r.errors ? `, connection errors: ${r.errors}` : ""));
    console.log(`   2xx ${r.ok_requests_per_s} req/s = ${r.samples_per_s} samples/s; 2xx latency p50 ${l.p50} p99 ${l.p99} p99.9 ${l.p999} max ${l.max} ms (all answers p99 ${all.p99} ms)`);
  ' "$WORK/over.json"
  echo "   node peak RSS $HWM MiB, CPU ${CPU} % of one core during the overload; in the node (head to answer) 2xx p50 ${NODE_Q% *} p99 ${NODE_Q#* } ms"
  ROWS+=("$(node -e '
    const [f, shape, cap, rate, hwm, cpu, nodeQ] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
    const refused = Object.entries(r.status).filter(([c]) => c === "503").reduce((a, [, n]) => a + n, 0);
    const [n50, n99] = nodeQ.split(" ");
    console.log(`| ${shape} | ${cap} | ${rate} | ${r.missed} | ${r.ok_requests_per_s} | ${refused} | ${r.ok_latency_ms.p50} | ${r.ok_latency_ms.p99} | ${r.ok_latency_ms.max} | ${n50} | ${n99} | ${hwm} | ${cpu} % |`);
  ' "$WORK/over.json" "$shape" "$CAP" "$RATE" "$HWM" "$CPU" "$NODE_Q")")
  stop
done

echo
echo "== overload ${OVERLOAD}x, load average $(cut -d' ' -f1-3 /proc/loadavg)${SERVER_CPUS:+, node on CPUs $SERVER_CPUS}${CLIENT_CPUS:+, client on CPUs $CLIENT_CPUS}"
echo "| shape | capacity req/s | offered req/s | not sent | 2xx req/s | 503 | 2xx p50 ms | 2xx p99 ms | 2xx max ms | in-node 2xx p50 ms | in-node 2xx p99 ms | peak RSS MiB | node CPU |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
