// `metricstream query '<expr>'`: asks a running node's Prometheus API and prints the result as
// a table (series, time, value), or as the API's JSON with --json.

export interface QueryOptions {
  readonly url: string;
  readonly expr: string;
  readonly time?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly step?: string | undefined;
  readonly json: boolean;
  readonly authorization?: string | undefined;
}

interface ApiAnswer {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: unknown };
}

function formatMetric(m: Record<string, string>): string {
  const { __name__: name, ...rest } = m;
  const labels = Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name ?? ''}{${labels.join(', ')}}`;
}

const iso = (secs: number) => new Date(secs * 1000).toISOString();

/** Lines of a plain-text table, columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The API answer as table rows (header first). */
export function resultRows(data: { resultType: string; result: unknown }): string[][] {
  const rows: string[][] = [['SERIES', 'TIME', 'VALUE']];
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    const [t, v] = data.result as [number, string];
    rows.push([data.resultType, iso(t), v]);
  } else if (data.resultType === 'vector') {
    for (const s of data.result as { metric: Record<string, string>; value: [number, string] }[]) rows.push([formatMetric(s.metric), iso(s.value[0]), s.value[1]]);
  } else {
    for (const s of data.result as { metric: Record<string, string>; values: [number, string][] }[]) {
      for (const [t, v] of s.values) rows.push([formatMetric(s.metric), iso(t), v]);
    }
  }
  return rows;
}

/** Runs the query; returns the text to print, throws with the server's message on errors. */
export async function runQuery(o: QueryOptions): Promise<string> {
  const isRange = o.start !== undefined || o.end !== undefined || o.step !== undefined;
  if (isRange && (o.start === undefined || o.end === undefined || o.step === undefined)) {
    throw new Error('a range query needs --start, --end and --step together');
  }
  const form = new URLSearchParams({ query: o.expr });
  if (isRange) {
    form.set('start', o.start!);
    form.set('end', o.end!);
    form.set('step', o.step!);
  } else if (o.time !== undefined) form.set('time', o.time);
  const u = new URL(isRange ? '/api/v1/query_range' : '/api/v1/query', o.url);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  let res: Response;
  try {
    res = await fetch(u, { method: 'POST', headers, body: form });
  } catch (e) {
    throw new Error(`cannot reach ${o.url}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let answer: ApiAnswer;
  try {
    answer = JSON.parse(text) as ApiAnswer;
  } catch {
    throw new Error(`${res.status} ${text.slice(0, 200)}`);
  }
  if (answer.status !== 'success' || answer.data === undefined) throw new Error(`${answer.errorType ?? res.status}: ${answer.error ?? text}`);
  if (o.json) return JSON.stringify(answer);
  const rows = resultRows(answer.data);
  return rows.length === 1 ? '(empty result)' : table(rows);
}
