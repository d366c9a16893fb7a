// /api/v1/query and /api/v1/query_range over HTTP: Prometheus's JSON shapes, GET and form POST,
// and its error types.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, startTestNode, type TestNode } from './node-harness.js';

let n: TestNode;
const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;

before(async () => {
  n = await startTestNode({ rate_limit: '0' });
  const ts = Array.from({ length: 11 }, (_, i) => T0 + i * 60_000);
  const lines = [
    { metric: { __name__: 'q_requests_total', job: 'api' }, values: ts.map((_, i) => i * 60), timestamps: ts },
    { metric: { __name__: 'q_requests_total', job: 'web' }, values: ts.map((_, i) => i * 120), timestamps: ts },
    { metric: { __name__: 'q_other', job: 'api' }, values: ts.map(() => 1), timestamps: ts },
  ];
  const r = await fetch(`${n.url}/api/v1/import`, { method: 'POST', body: lines.map((l) => JSON.stringify(l)).join('\n') });
  assert.equal(r.status, 204);
});
after(async () => {
  await n.stop();
  removeDir(n.dir);
});

async function get(path: string) {
  const r = await fetch(`${n.url}${path}`);
  return { status: r.status, json: (await r.json()) as any };
}

test('instant query: vector and scalar results in Prometheus shape', async () => {
  const t = (T0 + 600_000) / 1000;
  const v = await get(`/api/v1/query?query=${encodeURIComponent('sum by (job) (rate(q_requests_total[5m]))')}&time=${t}`);
  assert.equal(v.status, 200);
  v.json.data.result.sort((a: any, b: any) => (a.metric.job < b.metric.job ? -1 : 1));
  assert.deepEqual(v.json, {
    status: 'success',
    data: {
      resultType: 'vector',
      result: [
        { metric: { job: 'api' }, value: [t, '1'] },
        { metric: { job: 'web' }, value: [t, '2'] },
      ],
    },
  });
  const s = await get(`/api/v1/query?query=1%2B1&time=${t}`);
  assert.deepEqual(s.json, { status: 'success', data: { resultType: 'scalar', result: [t, '2'] } });
  // A range selector: a matrix, as a range query answers it (the same text writer), byte for byte.
  const m = await fetch(`${n.url}/api/v1/query?query=${encodeURIComponent('q_requests_total{job="web"}[3m]')}&time=${t}`);
  assert.equal(m.status, 200);
  assert.equal(
    await m.text(),
    JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [{ metric: { __name__: 'q_requests_total', job: 'web' }, values: [[t - 120, '960'], [t - 60, '1080'], [t, '1200']] }],
      },
    }),
  );
});

test('range query over GET and form POST gives the same matrix', async () => {
  const start = (T0 + 120_000) / 1000;
  const end = (T0 + 240_000) / 1000;
  const q = `query=${encodeURIComponent('q_requests_total{job="api"}')}&start=${start}&end=${end}&step=60s`;
  const g = await get(`/api/v1/query_range?${q}`);
  const want = {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [{ metric: { __name__: 'q_requests_total', job: 'api' }, values: [[start, '120'], [start + 60, '180'], [end, '240']] }],
    },
  };
  assert.deepEqual(g.json, want);
  const p = await fetch(`${n.url}/api/v1/query_range`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: q });
  assert.deepEqual(await p.json(), want);
  // Parameters in the URL and in the form together, as Prometheus takes them.
  const split = await fetch(`${n.url}/api/v1/query_range?start=${start}&end=${end}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `query=${encodeURIComponent('q_requests_total{job="api"}')}&step=60s`,
  });
  assert.deepEqual(await split.json(), want);
});

test('errors: bad_data 400 for parse errors and bad parameters, execution 422', async () => {
  const parse = await get(`/api/v1/query?query=${encodeURIComponent('sum(')}`);
  assert.equal(parse.status, 400);
  assert.deepEqual(parse.json, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' });
  const steps = await get(`/api/v1/query_range?query=q_other&start=0&end=100000&step=1`);
  assert.equal(steps.status, 400);
  assert.match(steps.json.error, /exceeded maximum resolution of 11,000 points per timeseries/);
  const t = (T0 + 600_000) / 1000;
  const exec = await get(`/api/v1/query?query=${encodeURIComponent('-{job="api"}')}&time=${t}`);
  assert.equal(exec.status, 422);
  assert.deepEqual(exec.json, { status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' });
  const time = await get('/api/v1/query?query=1&time=yesterday');
  assert.equal(time.status, 400);
  assert.equal(time.json.errorType, 'bad_data');
});

test('series, labels and label values, with match[], as Grafana asks for them', async () => {
  const s = await get(`/api/v1/series?match[]=${encodeURIComponent('q_requests_total')}`);
  s.json.data.sort((a: any, b: any) => (a.job < b.job ? -1 : 1));
  assert.deepEqual(s.json, {
    status: 'success',
    data: [
      { __name__: 'q_requests_total', job: 'api' },
      { __name__: 'q_requests_total', job: 'web' },
    ],
  });
  assert.deepEqual((await get('/api/v1/series')).json, { status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
  const l = await get(`/api/v1/labels?match[]=q_other`);
  assert.deepEqual(l.json, { status: 'success', data: ['__name__', 'job'] });
  const v = await get(`/api/v1/label/job/values?match[]=${encodeURIComponent('{__name__=~"q_.*"}')}`);
  assert.deepEqual(v.json, { status: 'success', data: ['api', 'web'] });
  const names = await get('/api/v1/label/__name__/values?limit=1');
  assert.equal(names.json.data.length, 1);
  assert.deepEqual(names.json.warnings, ['results truncated due to limit']);
});

test('buildinfo, runtimeinfo and format_query', async () => {
  const b = await get('/api/v1/status/buildinfo');
  assert.equal(b.json.status, 'success');
  assert.match(b.json.data.version, /^\d+\.\d+\.\d+$/);
  const r = await get('/api/v1/status/runtimeinfo');
  assert.equal(r.json.data.storageRetention, '2w1d');
  const f = await get(`/api/v1/format_query?query=${encodeURIComponent('sum(rate(x{a="b"}[5m]))by(job)')}`);
  assert.deepEqual(f.json, { status: 'success', data: 'sum by (job) (rate(x{a="b"}[5m]))' });
});

test('parse_query answers the syntax tree in Prometheus 3 shape, byte for byte, over GET and form POST', async () => {
  const query = 'sum by (job) (rate(x{code=~"5.."}[5m] offset 1m)) / on (job) group_left (instance) up @ start()';
  const want =
    '{"status":"success","data":{"bool":false,' +
    '"lhs":{"expr":{"args":[{"matchers":[{"name":"code","type":"=~","value":"5.."},{"name":"__name__","type":"=","value":"x"}],' +
    '"name":"x","offset":60000,"range":300000,"startOrEnd":null,"timestamp":null,"type":"matrixSelector"}],' +
    '"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},' +
    '"grouping":["job"],"op":"sum","param":null,"type":"aggregation","without":false},' +
    '"matching":{"card":"many-to-one","include":["instance"],"labels":["job"],"on":true},"op":"/",' +
    '"rhs":{"matchers":[{"name":"__name__","type":"=","value":"up"}],"name":"up","offset":0,"startOrEnd":"start","timestamp":null,"type":"vectorSelector"},' +
    '"type":"binaryExpr"}}';
  const g = await fetch(`${n.url}/api/v1/parse_query?query=${encodeURIComponent(query)}`);
  assert.equal(g.status, 200);
  assert.equal(await g.text(), want);
  const p = await fetch(`${n.url}/api/v1/parse_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `query=${encodeURIComponent(query)}`,
  });
  assert.equal(await p.text(), want);
  // Numbers print as Go's FormatFloat(v, 'f', -1, 64); a scalar operand leaves matching null; subqueries and @ times in ms.
  const s = await get(`/api/v1/parse_query?query=${encodeURIComponent('-1e21 * (max_over_time(y[10m:1m] @ 100.5) > bool 0.5)')}`);
  assert.deepEqual(s.json, {
    status: 'success',
    data: {
      bool: false,
      lhs: { type: 'numberLiteral', val: '-1000000000000000000000' },
      matching: null,
      op: '*',
      rhs: {
        expr: {
          bool: true,
          lhs: {
            args: [
              {
                expr: { matchers: [{ name: '__name__', type: '=', value: 'y' }], name: 'y', offset: 0, startOrEnd: null, timestamp: null, type: 'vectorSelector' },
                offset: 0,
                range: 600000,
                startOrEnd: null,
                step: 60000,
                timestamp: 100500,
                type: 'subquery',
              },
            ],
            func: { argTypes: ['matrix'], name: 'max_over_time', returnType: 'vector', variadic: 0 },
            type: 'call',
          },
          matching: null,
          op: '>',
          rhs: { type: 'numberLiteral', val: '0.5' },
          type: 'binaryExpr',
        },
        type: 'parenExpr',
      },
      type: 'binaryExpr',
    },
  });
  const bad = await get(`/api/v1/parse_query?query=${encodeURIComponent('sum(')}`);
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' });
  const none = await get('/api/v1/parse_query');
  assert.equal(none.status, 400);
  assert.deepEqual(none.json, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": unknown position: parse error: no expression found in input' });
});

test('limits: the timeout parameter answers 503 timeout; too many samples answers 422', async () => {
  const t = (T0 + 600_000) / 1000;
  const slow = await get(`/api/v1/query?query=${encodeURIComponent('count_over_time(q_other[30m:1ms])')}&time=${t}&timeout=0.05`);
  assert.equal(slow.status, 503);
  assert.deepEqual(slow.json, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
  const small = await startTestNode({ rate_limit: '0', query_max_samples: '5' });
  try {
    const line = { metric: { __name__: 'many' }, values: [1, 2, 3, 4, 5, 6], timestamps: [1, 2, 3, 4, 5, 6].map((i) => T0 + i * 1000) };
    assert.equal((await fetch(`${small.url}/api/v1/import`, { method: 'POST', body: JSON.stringify(line) })).status, 204);
    const r = await fetch(`${small.url}/api/v1/query?query=${encodeURIComponent('many[1m]')}&time=${(T0 + 10_000) / 1000}`);
    assert.equal(r.status, 422);
    assert.deepEqual(await r.json(), { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
  } finally {
    await small.stop();
    removeDir(small.dir);
  }
});

test('`metricstream query` prints a table, or the JSON with --json; errors exit 1 with the message', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { BIN } = await import('./node-harness.js');
  const run = promisify(execFile);
  const t = String((T0 + 600_000) / 1000);
  const r = await run(process.execPath, [BIN, 'query', '--url', n.url, '--time', t, 'q_other']);
  const iso = new Date(Number(t) * 1000).toISOString();
  assert.equal(r.stdout, `${'SERIES'.padEnd(18)}  ${'TIME'.padEnd(iso.length)}  VALUE\nq_other{job="api"}  ${iso}  1\n`);
  const j = await run(process.execPath, [BIN, 'query', '--url', n.url, '--time', t, '--json', 'q_other']);
  assert.equal(JSON.parse(j.stdout).data.resultType, 'vector');
  const range = await run(process.execPath, [BIN, 'query', '--url', n.url, '--start', t, '--end', String(Number(t) + 60), '--step', '60', 'q_other']);
  assert.equal(range.stdout.trim().split('\n').length, 3);
  await assert.rejects(run(process.execPath, [BIN, 'query', '--url', n.url, 'sum(']), (e: { code: number; stderr: string }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis/);
    return true;
  });
});

test('a long range query does not hold up ingest', async () => {
  const t = (T0 + 600_000) / 1000;
  // Thousands of steps, each a 1000-point subquery: a few seconds of work.
  const q = `query=${encodeURIComponent('count_over_time(q_other[1m:60ms])')}&start=${t - 3000}&end=${t}&step=1`;
  const started = Date.now();
  let queryDone = 0;
  const query = fetch(`${n.url}/api/v1/query_range?${q}`).then(async (r) => {
    await r.text();
    queryDone = Date.now();
    return r.status;
  });
  await new Promise((r) => setTimeout(r, 100));
  const ingest = await fetch(`${n.url}/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics: [{ name: 'during_query', value: 1 }] }) });
  const ingestDone = Date.now();
  assert.equal(ingest.status, 200);
  assert.equal(await query, 200);
  assert.ok(queryDone - started > 500, `the query took only ${queryDone - started} ms: too short to tell`);
  assert.ok(ingestDone < queryDone, 'the ingest request was answered only after the query');
});

test('a long instant query does not hold up ingest', async () => {
  const t = (T0 + 600_000) / 1000;
  // One instant query with a subquery of 3,000,000 steps: a few seconds of work.
  const q = `query=${encodeURIComponent('count_over_time(q_other[50m:1ms])')}&time=${t}`;
  const started = Date.now();
  let queryDone = 0;
  const query = fetch(`${n.url}/api/v1/query?${q}`).then(async (r) => {
    const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
    queryDone = Date.now();
    return { status: r.status, body };
  });
  await new Promise((r) => setTimeout(r, 100));
  const ingest = await fetch(`${n.url}/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics: [{ name: 'during_instant_query', value: 1 }] }) });
  const ingestDone = Date.now();
  assert.equal(ingest.status, 200);
  const { status, body } = await query;
  assert.equal(status, 200);
  // q_other has a sample every minute from T0 = t - 10m: the subquery finds one at each of its 1 ms steps from T0 to t.
  assert.equal(body.data.result[0]!.value[1], String(600_001));
  assert.ok(queryDone - started > 500, `the query took only ${queryDone - started} ms: too short to tell`);
  assert.ok(ingestDone < queryDone, 'the ingest request was answered only after the query');
});

test('range queries repeated: settled steps come from the cache, and an import into the past is seen at once', async () => {
  const ts = Array.from({ length: 11 }, (_, i) => T0 + i * 60_000);
  const line = { metric: { __name__: 'q_cached', job: 'api' }, values: ts.map((_, i) => i), timestamps: ts };
  assert.equal((await fetch(`${n.url}/api/v1/import`, { method: 'POST', body: JSON.stringify(line) })).status, 204);
  const hits = async () => {
    const text = await (await fetch(`${n.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
    return Number(/^metricstream_query_range_cache_requests_total\{result="hit"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const path = (nocache: boolean) =>
    `/api/v1/query_range?query=${encodeURIComponent('sum(q_cached)')}&start=${T0 / 1000}&end=${(T0 + 600_000) / 1000}&step=60${nocache ? '&nocache=1' : ''}`;
  const first = await get(path(false));
  const hitsBefore = await hits();
  const second = await get(path(false));
  assert.equal(await hits(), hitsBefore + 1);
  assert.deepEqual(second.json, first.json);
  assert.deepEqual(first.json.data.result[0].values.slice(0, 3), [[T0 / 1000, '0'], [T0 / 1000 + 60, '1'], [T0 / 1000 + 120, '2']]);
  // A second series imported into the cached range: the cached steps from its first sample on are recomputed.
  const late = { metric: { __name__: 'q_cached', job: 'web' }, values: [100], timestamps: [T0 + 120_000] };
  assert.equal((await fetch(`${n.url}/api/v1/import`, { method: 'POST', body: JSON.stringify(late) })).status, 204);
  const third = await get(path(false));
  assert.deepEqual(third.json, (await get(path(true))).json);
  // Byte for byte: the cached points' text (printed by the cache) and fresh points' text agree.
  const text = async (nocache: boolean) => (await fetch(`${n.url}${path(nocache)}`)).text();
  assert.equal(await text(false), await text(true));
  assert.deepEqual(third.json.data.result[0].values.slice(0, 4), [[T0 / 1000, '0'], [T0 / 1000 + 60, '1'], [T0 / 1000 + 120, '102'], [T0 / 1000 + 180, '103']]);
});

test('time parameters: unix seconds as Go floats, RFC 3339 with offsets, Prometheus min/max time; errors worded as Prometheus', async () => {
  const t = (T0 + 600_000) / 1000;
  const e = await get(`/api/v1/query?query=q_other&time=${encodeURIComponent(t.toExponential())}`);
  assert.equal(e.status, 200);
  assert.deepEqual(e.json.data.result[0].value, [t, '1']);
  const iso = await get(`/api/v1/query?query=q_other&time=${encodeURIComponent(new Date(T0 + 600_000 + 3_600_000).toISOString().replace('.000Z', '.123456+01:00'))}`);
  assert.deepEqual(iso.json.data.result[0].value, [t + 0.123, '1']);
  // client_golang sends Prometheus's MinTime/MaxTime for open ranges.
  const open = await get(`/api/v1/labels?match[]=q_other&start=-292273086-05-16T16:47:06Z&end=292277025-08-18T07:12:54.999999999Z`);
  assert.deepEqual(open.json, { status: 'success', data: ['__name__', 'job'] });
  // No offset: not RFC 3339.
  const local = await get('/api/v1/query?query=1&time=2015-07-01T20:10:51');
  assert.deepEqual(local.json, {
    status: 'error',
    errorType: 'bad_data',
    error: `invalid parameter "time": Invalid time value for 'time': cannot parse "2015-07-01T20:10:51" to a valid timestamp`,
  });
  const start = await get('/api/v1/labels?start=x');
  assert.equal(start.json.error, `invalid parameter "start": Invalid time value for 'start': cannot parse "x" to a valid timestamp`);
  const range = await get('/api/v1/query_range?query=1&start=x&end=1&step=1');
  assert.equal(range.json.error, 'invalid parameter "start": cannot parse "x" to a valid timestamp');
});

test('step and timeout as Prometheus parses them: a negative step gets the zero-or-negative message, timeout=0 has passed', async () => {
  for (const step of ['-1', '-0.5', '0', '-1e1']) {
    const r = await get(`/api/v1/query_range?query=1&start=0&end=10&step=${step}`);
    assert.equal(r.status, 400, step);
    assert.deepEqual(
      r.json,
      { status: 'error', errorType: 'bad_data', error: 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer' },
      step,
    );
  }
  const exp = await get('/api/v1/query_range?query=1&start=0&end=20&step=1e1');
  assert.deepEqual(exp.json.data.result[0].values, [[0, '1'], [10, '1'], [20, '1']]);
  for (const timeout of ['0', '-1']) {
    const r = await get(`/api/v1/query?query=1&timeout=${timeout}`);
    assert.equal(r.status, 503, timeout);
    assert.deepEqual(r.json, { status: 'error', errorType: 'timeout', error: 'query timed out in query queue' }, timeout);
  }
});

test('label values: U__-escaped names as Prometheus unescapes them; a bad escape is taken as is, a bad URL escape is 400', async () => {
  for (const raw of ['U__x_FFFFFFF_', 'U__x_D800_', 'U__a_b']) {
    const r = await get(`/api/v1/label/${raw}/values`);
    assert.deepEqual(r, { status: 200, json: { status: 'success', data: [] } }, raw);
  }
  const job = await get(`/api/v1/label/U__j_6f_b/values?match[]=q_other`);
  assert.deepEqual(job.json, { status: 'success', data: ['api'] });
  const bad = await get('/api/v1/label/%E0%A4%A/values');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.errorType, 'bad_data');
});

test('match[] and limit on series, labels and label values: refused with Prometheus messages', async () => {
  const all = encodeURIComponent('{job=~".*"}');
  assert.deepEqual((await get(`/api/v1/series?match[]=up&match[]=${all}`)).json, {
    status: 'error',
    errorType: 'bad_data',
    error: 'invalid parameter "match[]": match[] must contain at least one non-empty matcher',
  });
  // /labels and /label/<name>/values word match[] errors bare.
  for (const path of ['/api/v1/labels', '/api/v1/label/job/values']) {
    assert.deepEqual((await get(`${path}?match[]=${all}`)).json, { status: 'error', errorType: 'bad_data', error: 'match[] must contain at least one non-empty matcher' }, path);
    assert.deepEqual((await get(`${path}?match[]=up%7B`)).json, { status: 'error', errorType: 'bad_data', error: '1:4: parse error: unexpected end of input inside braces' }, path);
  }
  assert.equal((await get('/api/v1/series?match[]=up%7B')).json.error, 'invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces');
  for (const path of ['/api/v1/series?match[]=q_other&', '/api/v1/labels?', '/api/v1/label/job/values?']) {
    assert.equal((await get(`${path}limit=-1`)).json.error, 'invalid parameter "limit": limit must be non-negative', path);
    assert.equal((await get(`${path}limit=1.0`)).json.error, 'invalid parameter "limit": strconv.Atoi: parsing "1.0": invalid syntax', path);
  }
  // limit=0 is no limit.
  assert.deepEqual((await get('/api/v1/label/job/values?match[]=q_requests_total&limit=0')).json, { status: 'success', data: ['api', 'web'] });
});

test('form POST as Prometheus reads it: /series and /labels take POST, form values win over the URL, other bodies are ignored', async () => {
  const post = async (path: string, body: string, contentType?: string) => {
    const r = await fetch(`${n.url}${path}`, { method: 'POST', ...(contentType !== undefined ? { headers: { 'content-type': contentType } } : {}), body });
    return { status: r.status, json: (await r.json()) as any };
  };
  const form = 'application/x-www-form-urlencoded';
  const s = await post('/api/v1/series', `match[]=q_other&start=${T0 / 1000}`, form);
  assert.deepEqual(s, { status: 200, json: { status: 'success', data: [{ __name__: 'q_other', job: 'api' }] } });
  const l = await post('/api/v1/labels?match[]=q_other', 'limit=1', form);
  assert.deepEqual(l, { status: 200, json: { status: 'success', data: ['__name__'], warnings: ['results truncated due to limit'] } });
  // Go's Request.FormValue: the form's value comes before the URL's.
  const both = await post('/api/v1/query?query=1&time=5', 'query=2', form);
  assert.deepEqual(both.json, { status: 'success', data: { resultType: 'scalar', result: [5, '2'] } });
  // A body that is not a form (or none at all) is ignored: the URL's parameters are used.
  const json = await post('/api/v1/query?query=3&time=5', '{"query":"4"}', 'application/json');
  assert.deepEqual(json, { status: 200, json: { status: 'success', data: { resultType: 'scalar', result: [5, '3'] } } });
  const bare = await fetch(`${n.url}/api/v1/query?query=5&time=5`, { method: 'POST' });
  assert.deepEqual(await bare.json(), { status: 'success', data: { resultType: 'scalar', result: [5, '5'] } });
});

test('the 11,000 points limit counts whole steps, as Prometheus divides durations', async () => {
  // (end - start) / step = 11000.5 steps: Prometheus's integer division makes it 11000, allowed.
  const ok = await get('/api/v1/query_range?query=1&start=0&end=110005&step=10');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.data.result[0].values.length, 11001);
  const over = await get('/api/v1/query_range?query=1&start=0&end=110010&step=10');
  assert.deepEqual(over, {
    status: 400,
    json: { status: 'error', errorType: 'bad_data', error: 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)' },
  });
});

test('metadata: limit=0 answers no families, a negative limit none left out; limits read as strconv.Atoi with Prometheus messages', async () => {
  const body = { metrics: [{ name: 'q_meta_a', value: 1, type: 'counter' }, { name: 'q_meta_b', value: 1, type: 'gauge' }] };
  const w = await fetch(`${n.url}/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(w.status, 200);
  const all = await get('/api/v1/metadata');
  assert.ok(Object.keys(all.json.data).length >= 2);
  // Prometheus stops when len(res) >= limit for any limit >= 0.
  assert.deepEqual(await get('/api/v1/metadata?limit=0'), { status: 200, json: { status: 'success', data: {} } });
  assert.deepEqual((await get('/api/v1/metadata?limit=-1')).json, all.json);
  assert.equal(Object.keys((await get('/api/v1/metadata?limit=1')).json.data).length, 1);
  assert.deepEqual((await get('/api/v1/metadata?metric=q_meta_b&limit_per_metric=1')).json, {
    status: 'success',
    data: { q_meta_b: [{ type: 'gauge', help: '', unit: '' }] },
  });
  for (const [q, error] of [
    ['limit=x', 'limit must be a number'],
    ['limit=1.0', 'limit must be a number'],
    ['limit_per_metric=few', 'limit_per_metric must be a number'],
  ]) {
    assert.deepEqual(await get(`/api/v1/metadata?${q}`), { status: 400, json: { status: 'error', errorType: 'bad_data', error } }, q);
  }
});

test('format_query answers Prometheus Prettify: expressions over 100 characters split over indented lines', async () => {
  // Prometheus's own answer to this query (checked against a running Prometheus).
  const q =
    'sum by (job, instance) (rate(http_requests_total{job="api-server",handler=~"/api/v1/.*",code=~"5.."}[5m])) / ignoring(code) group_left sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m]))';
  const f = await get(`/api/v1/format_query?query=${encodeURIComponent(q)}`);
  assert.deepEqual(f.json, {
    status: 'success',
    data:
      '  sum by (job, instance) (\n    rate(http_requests_total{code=~"5..",handler=~"/api/v1/.*",job="api-server"}[5m])\n  )\n' +
      '/ ignoring (code) group_left ()\n  sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m]))',
  });
});

test('series: several match[] are merged in label order, as Prometheus merges them, before the limit cuts', async () => {
  const s = await get(`/api/v1/series?match[]=q_requests_total&match[]=q_other&match[]=${encodeURIComponent('q_requests_total{job="api"}')}`);
  assert.deepEqual(s.json, {
    status: 'success',
    data: [
      { __name__: 'q_other', job: 'api' },
      { __name__: 'q_requests_total', job: 'api' },
      { __name__: 'q_requests_total', job: 'web' },
    ],
  });
  const cut = await get('/api/v1/series?match[]=q_requests_total&match[]=q_other&limit=1');
  assert.deepEqual(cut.json, { status: 'success', data: [{ __name__: 'q_other', job: 'api' }], warnings: ['results truncated due to limit'] });
});

test('query parameters are checked in Prometheus order: times, step and timeout before the query', async () => {
  const e = (path: string) => get(path).then((r) => r.json.error);
  assert.equal(await e('/api/v1/query?time=x'), `invalid parameter "time": Invalid time value for 'time': cannot parse "x" to a valid timestamp`);
  assert.equal(await e('/api/v1/query?query=sum(&timeout=soon'), 'invalid parameter "timeout": cannot parse "soon" to a valid duration');
  assert.equal(await e('/api/v1/query_range?start=x'), 'invalid parameter "start": cannot parse "x" to a valid timestamp');
  assert.equal(await e('/api/v1/query_range?query=sum(&start=0&end=1&step=0'), 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  // A deadline that has passed is met only by a query that parses.
  assert.equal(await e('/api/v1/query?query=sum(&timeout=0'), 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis');
});
