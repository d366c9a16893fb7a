// Prints the side-by-side table of bench/side-by-side.sh from the peer-bench result lines
// (W1 and W2 of each target) and the RSS lines the script wrote beside them.
// node dist/bench/side-by-side-table.js <results.jsonl> <rss.jsonl>
import { readFileSync } from 'node:fs';

interface Row {
  workload: string;
  target: string;
  format: string;
  rps?: number;
  p50_ms?: number;
  p99_ms?: number;
  non2xx_total?: number;
  samples_per_s?: number;
  samples_rejected?: number;
  server_cpu_pct: number;
  server_rss_mib?: number;
  rss_mib?: number;
}

const read = (file: string): Row[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as Row);
const [resultsFile, rssFile] = process.argv.slice(2);
if (resultsFile === undefined || rssFile === undefined) {
  console.error('usage: side-by-side-table <results.jsonl> <rss.jsonl>');
  process.exit(2);
}
// Warm-up runs (W2_WARMUP) are recorded by peer-bench as targets "<target>-warmup": not shown.
const rows = read(resultsFile).filter((r) => !r.target.endsWith('-warmup'));
const rss = read(rssFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const k = (n: number) => Math.round(n).toLocaleString('en-US');
const FORMAT: Record<string, string> = {
  seed: 'seed JSON, POST /metrics',
  vmjson: 'JSON lines, POST /api/v1/import',
  promrw: 'remote write 1.0, POST /api/v1/write',
  influx: 'Influx line protocol, POST /write',
};

const out: string[][] = [['workload', 'server', 'format', 'throughput', 'vs VictoriaMetrics', 'p50 ms', 'p99 ms', 'server CPU %', 'server RSS MiB', 'refused']];
const vm1 = rows.find((r) => r.workload === 'W1' && r.target === 'victoriametrics');
for (const r of rows.filter((x) => x.workload === 'W1')) {
  const m = rss.find((x) => x.workload === 'W1' && x.target === r.target && x.format === r.format);
  out.push(['W1 seed requests (3 samples)', r.target, FORMAT[r.format] ?? r.format, `${k(r.rps!)} req/s`, vm1 ? `${(r.rps! / vm1.rps!).toFixed(2)}x` : '-',
    String(r.p50_ms), String(r.p99_ms), String(r.server_cpu_pct), m ? String(m.rss_mib) : '-', String(r.non2xx_total)]);
}
// W2: the run with the median samples/s per target and format (peer-bench's RESULTS.md rule).
const groups = new Map<string, Row[]>();
for (const r of rows.filter((x) => x.workload === 'W2')) groups.set(`${r.target} ${r.format}`, [...(groups.get(`${r.target} ${r.format}`) ?? []), r]);
const medianRow = (rs: Row[]) => rs.find((r) => r.samples_per_s === median(rs.map((x) => x.samples_per_s!)))!;
// Each W2 row against VictoriaMetrics in the same format (seed JSON against JSON lines).
const vmRate = (format: string): number | undefined => {
  const vm = groups.get(`victoriametrics ${format === 'seed' ? 'vmjson' : format}`);
  return vm ? medianRow(vm).samples_per_s! : undefined;
};
for (const rs of groups.values()) {
  const m = medianRow(rs);
  const vm2rate = vmRate(m.format);
  out.push([`W2 bulk, 1000/request (${rs.length} run${rs.length === 1 ? '' : 's'}: ${rs.map((r) => k(r.samples_per_s!)).join(' / ')})`, m.target, FORMAT[m.format] ?? m.format,
    `${k(m.samples_per_s!)} samples/s`, vm2rate ? `${(m.samples_per_s! / vm2rate).toFixed(2)}x` : '-', '-', '-', String(m.server_cpu_pct), String(m.server_rss_mib),
    String(rs.reduce((a, r) => a + r.samples_rejected!, 0))]);
}
const widths = out[0]!.map((_, i) => Math.max(...out.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log([line(out[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...out.slice(1).map(line)].join('\n'));

// Issue 5's and 6's targets against this run's figures (W2: the median run per target and format).
const w1 = (target: string) => rows.find((r) => r.workload === 'W1' && r.target === target);
const w2 = (target: string, format: string): number | undefined => {
  const rs = groups.get(`${target} ${format}`);
  return rs ? medianRow(rs).samples_per_s! : undefined;
};
const checks: string[] = [];
const check = (what: string, ratio: number | undefined, want: number, detail: string): void => {
  if (ratio === undefined || !Number.isFinite(ratio)) return;
  checks.push(`- ${what}: ${ratio.toFixed(2)}x (${detail}), target >= ${want}x: ${ratio >= want ? 'met' : 'not met'}`);
};
const ms1 = w1('metricstream');
const ceil1 = w1('node-ceiling');
if (ms1 && ceil1) check('W1 req/s vs the bare node:http ceiling', ms1.rps! / ceil1.rps!, 0.9, `${k(ms1.rps!)} vs ${k(ceil1.rps!)}`);
// Not a target: the bare server in two processes (PEERS node-ceiling-2), what both cores give a Node server that stores nothing.
const ceil2 = w1('node-ceiling-2');
if (ceil2 && vm1) checks.push(`- (not a target) the bare node:http server in two processes vs VictoriaMetrics: ${(ceil2.rps! / vm1.rps!).toFixed(2)}x (${k(ceil2.rps!)} vs ${k(vm1.rps!)} req/s)`);
if (ms1 && vm1) {
  check('W1 req/s vs VictoriaMetrics', ms1.rps! / vm1.rps!, 0.9, `${k(ms1.rps!)} vs ${k(vm1.rps!)}`);
  checks.push(`- W1 p99: ${ms1.p99_ms} ms vs VictoriaMetrics ${vm1.p99_ms} ms, target at or below: ${ms1.p99_ms! <= vm1.p99_ms! ? 'met' : 'not met'}`);
}
const vmJson = w2('victoriametrics', 'vmjson');
for (const f of ['seed', 'vmjson']) {
  const m = w2('metricstream', f);
  if (m !== undefined && vmJson !== undefined) check(`W2 ${FORMAT[f]} vs VictoriaMetrics JSON lines`, m / vmJson, 1, `${k(m)} vs ${k(vmJson)} samples/s`);
}
const msRw = w2('metricstream', 'promrw');
const vmRw = w2('victoriametrics', 'promrw');
const promRw = w2('prometheus', 'promrw');
if (msRw !== undefined && promRw !== undefined) check('remote write vs Prometheus', msRw / promRw, 2, `${k(msRw)} vs ${k(promRw)} samples/s`);
if (msRw !== undefined && vmRw !== undefined) check('remote write vs VictoriaMetrics', msRw / vmRw, 1, `${k(msRw)} vs ${k(vmRw)} samples/s`);
const msIn = w2('metricstream', 'influx');
const vmIn = w2('victoriametrics', 'influx');
if (msIn !== undefined && vmIn !== undefined) check('Influx line protocol vs VictoriaMetrics', msIn / vmIn, 1, `${k(msIn)} vs ${k(vmIn)} samples/s`);
if (checks.length > 0) console.log(['', 'Targets (issues 5 and 6), this run:', ...checks].join('\n'));
