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
const rows = read(resultsFile);
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
