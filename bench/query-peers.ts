// The query side of bench/query-peers.sh: loads the W4 data (the peers' W2 set, a classic
// histogram and a 10,000-series gauge) into one server in its push format, times the four W4 queries with curl
// like ../shared/peer-bench/w4-query.mjs, and prints the side-by-side table. Asserts nothing.
//   node dist/bench/query-peers.js load  --url U --format vmjson|promrw --lib <peer-bench>/lib.mjs --start MS --steps N
//   node dist/bench/query-peers.js time  --url U --target NAME --end MS --runs N [--warmup N] --out results.jsonl [--pid server pid] [--save DIR]
//   node dist/bench/query-peers.js floor --port P --end MS --answers DIR
//   node dist/bench/query-peers.js table results.jsonl
// `floor` is the node-floor target: a bare node:net server that answers each W4 query with the
// bytes another target answered it with (saved by `time --save`), doing no other work, so the
// table shows what curl measures for a Node server that only accepts, reads and writes. Next to
// curl's time_total each row gives the median time from the request sent to the answer's first
// byte (time_starttransfer - time_pretransfer): the server's part, without curl's start-up,
// connect and reading of the rest (approximate: curl takes its pretransfer time around its send,
// and a curl that loses its core there reports less, down to ~0 with the answer already in).
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The parts of the peers' harness (lib.mjs) used here. */
interface PeerLib {
  makeSeries(hosts?: number, metrics?: number): { labels: Record<string, string> }[];
  step(s: { labels: Record<string, string> }): number;
  encode: Record<'vmjson' | 'promrw', (samples: { labels: Record<string, string>; value: number; ts: number }[]) => Buffer>;
  FORMATS: Record<string, { path: string; headers: Record<string, string> }>;
  buildRequest(url: string, method: string, path: string, headers: Record<string, string>, body: Buffer): Buffer;
  connect(url: string): { ready: Promise<void>; send(req: Buffer): Promise<{ status: number; text: string }>; close(): void };
}

function args(): Map<string, string> {
  const m = new Map<string, string>();
  const a = process.argv.slice(3);
  for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i]!.replace(/^--/, ''), a[i + 1]!);
  return m;
}

function need(a: Map<string, string>, k: string): string {
  const v = a.get(k);
  if (v === undefined) throw new Error(`--${k} is required`);
  return v;
}

/** Deterministic stream per series, so every server gets the same values. */
function prng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

const HOSTS = 100;
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const WIDE = 10_000;
/** The wide gauge covers the last 15 minutes of the data (90 steps of 10 s). */
const WIDE_STEPS = 90;

interface Sample {
  labels: Record<string, string>;
  value: number;
  ts: number;
}

/**
 * Per worker w of `workers`, its share of every series, step by step in time order (Prometheus
 * refuses samples more than an hour older than the newest it holds, so the sets are sent
 * interleaved, not one after the other): the peers' W2 series, `bench_request_duration_seconds_bucket` (100 hosts x 12 buckets, cumulative
 * counts of ~20 observations per host and step) over all steps, and `bench_wide_gauge` (10,000
 * instances, random walk) over the last 90 steps.
 */
function* allBatches(lib: PeerLib, w2: { labels: Record<string, string> }[], w: number, workers: number, start: number, steps: number, batch: number): Generator<Sample[]> {
  const own = w2.filter((_, i) => i % workers === w);
  const hosts = Array.from({ length: HOSTS }, (_, h) => h).filter((h) => h % workers === w);
  // Label objects are made once per series: the harness's encoders cache each series' encoded labels on them.
  const hist = hosts.map((h) => ({
    labels: LE.map((le) => ({ __name__: 'bench_request_duration_seconds_bucket', host: `host${String(h).padStart(3, '0')}`, le })),
    rnd: prng(h * 7919 + 17),
    counts: new Array<number>(LE.length).fill(0),
  }));
  const bounds = LE.map((le) => (le === '+Inf' ? Infinity : Number(le)));
  const wide = Array.from({ length: WIDE }, (_, i) => i)
    .filter((i) => i % workers === w)
    .map((i) => ({ labels: { __name__: 'bench_wide_gauge', instance: `i${String(i).padStart(5, '0')}` }, rnd: prng(i * 104729 + 3), value: 50 }));
  let cur: Sample[] = [];
  for (let k = 0; k < steps; k++) {
    const ts = start + k * 10_000;
    const out: Sample[] = [];
    // The peers' W2 series with the harness's own value streams (so the same values as w2-ingest.mjs sends).
    for (const s of own) out.push({ labels: s.labels, value: lib.step(s), ts });
    for (const s of hist) {
      // 15-24 observations, log-uniform between 1 ms and 20 s, counted into every bucket they fit.
      const n = 15 + Math.floor(s.rnd() * 10);
      for (let o = 0; o < n; o++) {
        const x = Math.exp(Math.log(0.001) + s.rnd() * (Math.log(20) - Math.log(0.001)));
        for (let b = 0; b < bounds.length; b++) if (x <= bounds[b]!) s.counts[b]!++;
      }
      for (let b = 0; b < LE.length; b++) out.push({ labels: s.labels[b]!, value: s.counts[b]!, ts });
    }
    if (k >= steps - WIDE_STEPS) {
      for (const s of wide) {
        s.value = Math.min(100, Math.max(0, s.value + (s.rnd() - 0.5) * 4));
        out.push({ labels: s.labels, value: Math.round(s.value * 100) / 100, ts });
      }
    }
    for (const x of out) {
      cur.push(x);
      if (cur.length === batch) {
        yield cur;
        cur = [];
      }
    }
  }
  if (cur.length > 0) yield cur;
}

async function load(a: Map<string, string>): Promise<void> {
  const lib = (await import(pathToFileURL(need(a, 'lib')).href)) as PeerLib;
  const url = need(a, 'url');
  const format = need(a, 'format') as 'vmjson' | 'promrw';
  const start = Number(need(a, 'start'));
  const steps = Number(need(a, 'steps'));
  const workers = 8;
  const w2 = lib.makeSeries(100, 100);
  const fmt = lib.FORMATS[format]!;
  const t0 = performance.now();
  let sent = 0;
  let rejected = 0;
  let firstError = '';
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const c = lib.connect(url);
      await c.ready;
      for (const b of allBatches(lib, w2, w, workers, start, steps, 1000)) {
        const r = await c.send(lib.buildRequest(url, 'POST', fmt.path, fmt.headers, lib.encode[format](b)));
        if (r.status < 300) sent += b.length;
        else {
          rejected += b.length;
          if (firstError === '') firstError = `${r.status} ${r.text.slice(0, 200)}`;
        }
      }
      c.close();
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `loaded ${sent} samples (W2 10,000 series, histogram 1200 series, wide gauge ${WIDE} series) in ${secs.toFixed(1)} s, ` +
      `${Math.round(sent / secs)} samples/s${firstError ? `; ${rejected} rejected, first error: ${firstError}` : ''}`,
  );
  if (firstError !== '') process.exitCode = 1;
}

/** The four W4 queries of issue 4, over the last hour of the data, and the two range queries uncached. */
function queries(end: number): [name: string, path: string, params: Record<string, string>][] {
  const e = String(end / 1000);
  const s = String(end / 1000 - 3600);
  return [
    ['sum(rate) 1h/15s', '/api/v1/query_range', { query: 'sum by (host) (rate(bench_counter_07_total[5m]))', start: s, end: e, step: '15' }],
    ['histogram_quantile 1h/15s', '/api/v1/query_range', { query: 'histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))', start: s, end: e, step: '15' }],
    ['raw [1h], 1 series', '/api/v1/query', { query: 'bench_gauge_07{host="host042"}[1h]', time: e }],
    ['topk(avg_over_time) 10k series', '/api/v1/query', { query: 'topk(10, avg_over_time(bench_wide_gauge[10m]))', time: e }],
    // The range queries again with result caches skipped (MetricStream and VictoriaMetrics take
    // nocache=1; Prometheus has no such cache and ignores it): what evaluation alone costs.
    ['sum(rate) 1h/15s, nocache=1', '/api/v1/query_range', { query: 'sum by (host) (rate(bench_counter_07_total[5m]))', start: s, end: e, step: '15', nocache: '1' }],
    ['histogram_quantile 1h/15s, nocache=1', '/api/v1/query_range', { query: 'histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))', start: s, end: e, step: '15', nocache: '1' }],
  ];
}

/** CPU seconds (user + system) the server has used so far, from /proc (NaN without a pid). */
function cpuSeconds(pid: string | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** Times each query with curl's time_total (fresh connection, request sent to last byte), as the peers' W4. */
function time(a: Map<string, string>): void {
  const url = need(a, 'url');
  const target = need(a, 'target');
  const runs = Number(a.get('runs') ?? '10');
  const warmup = Number(a.get('warmup') ?? '0');
  const body = join(tmpdir(), `ms-w4-${process.pid}.json`);
  const curl = (path: string, params: Record<string, string>) =>
    execFileSync('curl', ['-s', '-o', body, '-w', '%{http_code} %{time_total} %{size_download} %{time_pretransfer} %{time_starttransfer}', '--data-binary', new URLSearchParams(params).toString(),
      '-H', 'content-type: application/x-www-form-urlencoded', url + path], { encoding: 'utf8' });
  const save = a.get('save');
  if (save !== undefined) mkdirSync(save, { recursive: true });
  for (const [qi, [name, path, params]] of queries(Number(need(a, 'end'))).entries()) {
    const ms: number[] = [];
    // Request sent to first byte of the answer: the server's part of time_total, without curl's
    // own start, connect and read of the rest.
    const serverMs: number[] = [];
    let info = '';
    // Untimed runs first, the same number for every server (a long-running server is warm: JIT, caches).
    for (let i = 0; i < warmup; i++) curl(path, params);
    // Server CPU per query: on a shared machine it moves less than wall time does.
    const cpu0 = cpuSeconds(a.get('pid'));
    for (let i = 0; i < runs; i++) {
      const out = curl(path, params);
      const [code, secs, size, pre, start] = out.split(' ');
      ms.push(Number(secs) * 1000);
      serverMs.push((Number(start) - Number(pre)) * 1000);
      const j = JSON.parse(readFileSync(body, 'utf8')) as { data?: { result?: { values?: unknown[] }[] } };
      const r = j.data?.result ?? [];
      info = code !== '200' ? `HTTP ${code}` : `${r.length} series, ${r.reduce((n, x) => n + (x.values?.length ?? 1), 0)} points, ${size} B`;
    }
    const cpuMs = ((cpuSeconds(a.get('pid')) - cpu0) * 1000) / runs;
    if (save !== undefined) copyFileSync(body, join(save, `q${qi}.json`));
    const row = { target, query: name, cpu_ms: Number.isNaN(cpuMs) ? null : +cpuMs.toFixed(1), first_ms: +ms[0]!.toFixed(2), median_ms: +median(ms).toFixed(2), server_ms: +median(serverMs).toFixed(2), min_ms: +Math.min(...ms).toFixed(2), max_ms: +Math.max(...ms).toFixed(2), result: info };
    console.log(JSON.stringify(row));
    appendFileSync(need(a, 'out'), JSON.stringify(row) + '\n');
  }
  rmSync(body, { force: true });
}

/** One table: a row per query, a column per server (median ms, min-max, what came back). */
function table(file: string): void {
  type Row = { target: string; query: string; cpu_ms: number | null; median_ms: number; server_ms?: number; min_ms: number; max_ms: number; first_ms: number; result: string };
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const targets = [...new Set(rows.map((r) => r.target))];
  const names = [...new Set(rows.map((r) => r.query))];
  console.log(`| query | ${targets.map((t) => `${t}: median ms (min-max), to first byte, server CPU ms/query`).join(' | ')} |`);
  console.log(`|---|${targets.map(() => '---').join('|')}|`);
  for (const q of names) {
    const cells = targets.map((t) => {
      const r = rows.find((x) => x.target === t && x.query === q);
      return r === undefined ? '-' : `**${r.median_ms}** (${r.min_ms}-${r.max_ms}), first byte ${r.server_ms ?? '?'}, cpu ${r.cpu_ms ?? '?'}; ${r.result}`;
    });
    console.log(`| ${q} | ${cells.join(' | ')} |`);
  }
}

/**
 * Answers every W4 request with the saved answer of the same query (by path and form body), as
 * a bare node:net server: no HTTP library, no query, one write and the connection's end.
 */
function floor(a: Map<string, string>): void {
  const dir = need(a, 'answers');
  const answers = new Map<string, Buffer>();
  for (const [qi, [, path, params]] of queries(Number(need(a, 'end'))).entries()) {
    const file = join(dir, `q${qi}.json`);
    if (!existsSync(file)) continue;
    const body = readFileSync(file);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    answers.set(`${path} ${new URLSearchParams(params).toString()}`, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }
  const notFound = Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'latin1');
  createServer({ noDelay: true }, (sock) => {
    let buf: Buffer | null = null;
    sock.on('data', (d: Buffer) => {
      buf = buf === null ? d : Buffer.concat([buf, d]);
      const he = buf.indexOf('\r\n\r\n');
      if (he < 0) return;
      const head = buf.toString('latin1', 0, he);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? '0');
      if (buf.length < he + 4 + len) return;
      const path = head.split(' ', 2)[1] ?? '';
      const form = buf.toString('latin1', he + 4, he + 4 + len);
      buf = null;
      sock.end(answers.get(`${path} ${form}`) ?? notFound);
    });
    sock.on('error', () => {});
  }).listen(Number(need(a, 'port')), '127.0.0.1', () => console.log(`node-floor: ${answers.size} saved answers from ${dir}`));
}

const cmd = process.argv[2];
if (cmd === 'load') await load(args());
else if (cmd === 'time') time(args());
else if (cmd === 'floor') floor(args());
else if (cmd === 'table') table(process.argv[3] ?? '');
else {
  console.error('usage: query-peers.js load|time|floor|table ... (see the header of bench/query-peers.ts)');
  process.exitCode = 2;
}
