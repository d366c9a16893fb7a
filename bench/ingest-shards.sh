#!/usr/bin/env bash
# What ingest could reach on this machine if the head were split over two threads: the upper
# bound of a sharded head, measured with two whole MetricStream processes.
#   one      one MetricStream node, peer-bench's W2 (10,000 series, 1,000 samples per request,
#            8 connections): today's design, every append on one main thread
#   two      two MetricStream nodes at once, each sent half of it (5,000 series, 4 connections,
#            half the samples): each process appends on its own main thread, nothing shared;
#            samples/s = all samples accepted / the slower of the two runs (the two generators
#            start within a few ms of each other, after encoding; a late start only lowers it)
#   vm       VictoriaMetrics, the same W2 as `one`
# per format, RUNS rounds in that order (one, two, vm), then the medians and ratios.
# Usage: bash bench/ingest-shards.sh
#   env: FORMATS ("influx promrw vmjson") RUNS (3) SAMPLES (2e7) PORT (18580; +1, +2 also used)
#        PEER_BENCH (dir, default ../shared/peer-bench)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PEER_BENCH:-$ROOT/../shared/peer-bench}
PORT=${PORT:-18580}
FORMATS=${FORMATS:-"influx promrw vmjson"}
RUNS=${RUNS:-3}
SAMPLES=${SAMPLES:-2e7}
[ -f "$PB/w2-ingest.mjs" ] || { echo "peer-bench not found at $PB (set PEER_BENCH)"; exit 1; }
# shellcheck source=packages.sh
. "$ROOT/bench/packages.sh"
ensure_command victoria-metrics victoria-metrics
for p in "$PORT" $((PORT + 1)) $((PORT + 2)); do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then echo "port $p is taken by another process; set PORT"; exit 1; fi
done

WORK=$(mktemp -d /tmp/ms-ingest-shards.XXXXXX)
PIDS=()
stop() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  rm -rf "$WORK/data"
}
trap 'stop; rm -rf "$WORK"' EXIT

echo "== preparing (build, harness copy in $WORK)"
(cd "$ROOT" && npm run build --silent)
cp -r "$PB" "$WORK/peer-bench" && rm -rf "$WORK/peer-bench/results"
(cd "$WORK/peer-bench" && npm install --silent --no-audit --no-fund >/dev/null)
W2="node $WORK/peer-bench/w2-ingest.mjs"
RESULTS=$WORK/shards.jsonl
: >"$RESULTS"

wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
start_ms() { # start_ms <port>: a fresh node; prints nothing, adds its pid to PIDS
  node "$ROOT/bin/metricstream.js" serve --port "$1" --listen 127.0.0.1 --data-dir "$WORK/data/ms$1" \
    --rate-limit 0 --statsd-port 0 --log-level warn >"$WORK/ms$1.log" 2>&1 &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$1/ready"
}
# result <format> <setup> <run> <out files...>: one line of $RESULTS from the generators' RESULT lines
result() {
  local f=$1 setup=$2 run=$3 out
  shift 3
  for out in "$@"; do
    grep -q '^RESULT ' "$out" || { echo "no result from the generator ($setup, $f); its output:" >&2; tail -20 "$out" >&2; exit 1; }
  done
  cat "$@" | sed -n 's/^RESULT //p' | node -e '
    const [f, setup, run] = process.argv.slice(1);
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const rs = s.trim().split("\n").map((l) => JSON.parse(l));
      const accepted = rs.reduce((a, r) => a + r.samples_accepted, 0);
      const secs = Math.max(...rs.map((r) => r.seconds));
      const err = rs.map((r) => r.first_error).find((e) => e);
      const out = { format: f, setup, run: Number(run), samples_per_s: Math.round(accepted / secs), seconds: secs,
        server_cpu_pct: rs.reduce((a, r) => a + r.server_cpu_pct, 0), rejected: rs.reduce((a, r) => a + r.samples_rejected, 0), error: err ?? null };
      console.log(JSON.stringify(out));
      process.stderr.write(`   ${setup}: ${out.samples_per_s.toLocaleString("en")} samples/s, server CPU ${out.server_cpu_pct}%${err ? ", first error " + err : ""}\n`);
    });' "$f" "$setup" "$run" >>"$RESULTS"
}

for f in $FORMATS; do
  for r in $(seq "$RUNS"); do
    echo "== $f, round $r of $RUNS"
    start_ms "$PORT"
    $W2 --target ms-one --url "http://127.0.0.1:$PORT" --format "$f" --samples "$SAMPLES" --pid "${PIDS[0]}" >"$WORK/one.out" 2>&1
    result "$f" one "$r" "$WORK/one.out"
    stop

    start_ms "$PORT"; start_ms $((PORT + 1))
    half=$(node -e "console.log(Number('$SAMPLES') / 2)")
    $W2 --target ms-two-a --url "http://127.0.0.1:$PORT" --format "$f" --samples "$half" --hosts 50 --conns 4 --pid "${PIDS[0]}" >"$WORK/two-a.out" 2>&1 &
    a=$!
    $W2 --target ms-two-b --url "http://127.0.0.1:$((PORT + 1))" --format "$f" --samples "$half" --hosts 50 --conns 4 --pid "${PIDS[1]}" >"$WORK/two-b.out" 2>&1 &
    b=$!
    wait "$a" "$b"
    result "$f" two "$r" "$WORK/two-a.out" "$WORK/two-b.out"
    stop

    mkdir -p "$WORK/data"
    victoria-metrics -httpListenAddr=127.0.0.1:$((PORT + 2)) -storageDataPath="$WORK/data/vm" -influxSkipSingleField >"$WORK/vm.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$((PORT + 2))/health"
    $W2 --target vm --url "http://127.0.0.1:$((PORT + 2))" --format "$f" --samples "$SAMPLES" --pid "${PIDS[0]}" >"$WORK/vm.out" 2>&1
    result "$f" vm "$r" "$WORK/vm.out"
    stop
  done
done

echo
echo "== medians over $RUNS rounds (samples/s; server CPU % of one core, summed over both nodes for 'two')"
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  console.log("| format | one node | two nodes, half each | VictoriaMetrics | one / VM | two / VM |");
  console.log("|---|---|---|---|---|---|");
  for (const f of [...new Set(rows.map((r) => r.format))]) {
    const m = {}, cpu = {};
    for (const s of ["one", "two", "vm"]) {
      const rs = rows.filter((r) => r.format === f && r.setup === s);
      m[s] = med(rs.map((r) => r.samples_per_s)); cpu[s] = med(rs.map((r) => r.server_cpu_pct));
    }
    const n = (x) => Math.round(x).toLocaleString("en");
    console.log(`| ${f} | ${n(m.one)} (${cpu.one}%) | ${n(m.two)} (${cpu.two}%) | ${n(m.vm)} (${cpu.vm}%) | ${(m.one / m.vm).toFixed(2)}x | ${(m.two / m.vm).toFixed(2)}x |`);
  }' "$RESULTS"
