// Whole bodies through decodeImportLines against the text path line by line (JSON.parse +
// parseImportLine after trim()): bodies shaped as senders write them (the same series again and
// again in one order, compact lines, so most lines take scanPredictedLine) with odd lines mixed
// in (other number forms, several samples, CRLF, blank and byte-mutated lines, series out of
// order) give the same entries, samples (bits), line numbers and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseImportLine } from './parse.js';
import { decodeImportLines, MAX_LISTED } from './decode-import-lines.js';
import { bits, mutation, numberToken, timestampToken } from '../json-scan/json-fixtures.js';
import { ImportScratch, scanPredictedLine } from '../json-scan/import-scan.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = 1_790_000_000_000;
const LIMITS = testLimits({ retentionMs: 86_400_000 });
const SETTINGS = { limits: LIMITS, maxBytes: 1 << 26, maxMetrics: 1 << 20 };
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

type Entry = { labels: [string, string][]; ts: string[]; vs: string[]; line: number };

/** What the text path makes of a body: entries, or the bad lines as decodeImportLines lists them. */
function reference(body: Buffer): { entries: Entry[] } | { bad: { line: number; message: string }[]; count: number } {
  const lines = body.toString('latin1').split('\n');
  if (body.length === 0 || body[body.length - 1] === 10) lines.pop();
  const entries: Entry[] = [];
  const bad: { line: number; message: string }[] = [];
  let count = 0;
  lines.forEach((latin1, i) => {
    const text = Buffer.from(latin1, 'latin1').toString('utf8').trim();
    if (text.length === 0) return;
    const r = parseImportLine(text, NOW, LIMITS);
    if (Array.isArray(r)) {
      count++;
      if (bad.length < MAX_LISTED) bad.push({ line: i + 1, message: r.map((p) => `${p.field}: ${p.message}`).join('; ') });
      return;
    }
    entries.push({ labels: r.labels.map((l) => [l.name, l.value]), ts: bits(r.ts), vs: bits(r.vs), line: i + 1 });
  });
  return count > 0 ? { bad, count } : { entries };
}

function decoded(body: Buffer): ReturnType<typeof reference> {
  const r = decodeImportLines(body, { now: NOW, params: {} }, SETTINGS);
  if (!r.ok) {
    const info = r.refusal.info as { bad: number };
    return { bad: r.refusal.details as { line: number; message: string }[], count: info.bad };
  }
  const b = r.batch;
  const lineOf = r.extra.lineOf!;
  return {
    entries: b.labels.map((ls, k) => ({
      labels: ls.map((l) => [l.name, l.value] as [string, string]),
      ts: bits(Array.from(b.ts).slice(b.start[k]!, b.start[k + 1]!)),
      vs: bits(Array.from(b.vs).slice(b.start[k]!, b.start[k + 1]!)),
      line: lineOf[k]!,
    })),
  };
}

/** Series as compact label objects. */
const seriesArb = fc.uniqueArray(
  fc.tuple(fc.constantFrom('cpu', 'mem', 'req_total', 'é_x'), fc.stringMatching(/^[a-z0-9-]{1,6}$/), fc.constantFrom('eu', 'us', 'ünï')),
  { minLength: 1, maxLength: 6, selector: ([n, h]) => `${n}/${h}` },
).map((xs) => xs.map(([n, h, r]) => JSON.stringify({ __name__: n, host: h, region: r })));

/** A line of series s: usually compact with a plain decimal, sometimes another form. */
const lineArb = (series: string[]) =>
  fc
    .tuple(
      fc.nat(series.length - 1),
      fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }).map((x) => String(x / 100)) }, { weight: 2, arbitrary: numberToken }),
      fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -7_200_000, max: 60_000 }).map((d) => String(NOW + d)) }, { weight: 1, arbitrary: timestampToken(NOW) }),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant('plain') },
        { weight: 1, arbitrary: fc.constantFrom('two', 'crlf', 'space', 'blank', 'late', 'future', 'spaced') },
        { weight: 1, arbitrary: mutation },
      ),
    )
    .map(([k, v, t, form]) => {
      const m = series[k]!;
      let line = `{"metric":${m},"values":[${v}],"timestamps":[${t}]}`;
      if (typeof form === 'function') return form(Buffer.from(line)).toString('latin1').replace(/\n/g, ' ');
      switch (form) {
        case 'two':
          line = `{"metric":${m},"values":[${v},${v}],"timestamps":[${t},${t}]}`;
          break;
        case 'crlf':
          line += '\r';
          break;
        case 'space':
          line += ' ';
          break;
        case 'blank':
          line = '  ';
          break;
        case 'late':
          line = `{"metric":${m},"values":[${v}],"timestamps":[${NOW - 2 * 86_400_000}]}`;
          break;
        case 'future':
          line = `{"metric":${m},"values":[${v}],"timestamps":[${NOW + 3_600_000}]}`;
          break;
        case 'spaced':
          line = `{"metric": ${m}, "values": [${v}], "timestamps": [${t}]}`;
          break;
      }
      return line;
    });

test('bodies: the same entries, samples and refusals as the text path line by line', () => {
  let fastBodies = 0;
  fc.assert(
    fc.property(
      seriesArb.chain((series) => fc.tuple(fc.constant(series), fc.array(lineArb(series), { maxLength: 40 }), fc.nat(3), fc.boolean())),
      ([series, odd, passes, finalNewline]) => {
        // The series in order (as senders resend them), odd lines spliced in at random places.
        const lines: string[] = [];
        for (let p = 0; p < passes; p++) for (const m of series) lines.push(`{"metric":${m},"values":[${p}.5],"timestamps":[${NOW - p}]}`);
        odd.forEach((l, i) => lines.splice((i * 7919) % (lines.length + 1), 0, l));
        const body = Buffer.from(lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : ''), 'latin1');
        // Twice: the label cache cold, then warm (predicting each series' successor).
        for (let k = 0; k < 2; k++) assert.deepStrictEqual(decoded(body), reference(body), `body: ${JSON.stringify(body.toString('latin1'))}`);
        if (passes > 1) fastBodies++;
      },
    ),
    { numRuns: RUNS },
  );
  assert.ok(fastBodies > RUNS / 4);
});

test('lines of the predicted series are read by scanPredictedLine; others are left to importLine', () => {
  const series = ['{"__name__":"a","h":"1"}', '{"__name__":"a","h":"2"}', '{"__name__":"b","h":"1"}'];
  const body = (v: string, t: number) => Buffer.from(series.map((m) => `{"metric":${m},"values":[${v}],"timestamps":[${t}]}\n`).join(''));
  // A label cache of its own (one per limits object), taught the order a,1 -> a,2 -> b,1 -> a,1.
  const limits = { ...LIMITS };
  for (let k = 0; k < 2; k++) assert.ok(decodeImportLines(body('1', NOW), { now: NOW, params: {} }, { ...SETTINGS, limits }).ok);
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new ImportScratch();
  const b = body('-0.25', NOW - 10);
  let at = 0;
  for (const m of series) {
    const labels = scanPredictedLine(b, view(b), at, b.length, NOW, limits, out);
    assert.ok(labels !== null, `not read: ${m}`);
    assert.deepStrictEqual(Object.fromEntries(labels.map((l) => [l.name, l.value])), JSON.parse(m));
    assert.deepStrictEqual([out.n, out.ts[0], out.vs[0]], [1, NOW - 10, -0.25]);
    at = b.indexOf(10, at) + 1;
  }
  // Left to importLine: another number form, a second sample, a refused timestamp, CRLF, spaces.
  for (const line of [
    `{"metric":${series[0]},"values":[1e3],"timestamps":[${NOW}]}`,
    `{"metric":${series[0]},"values":[1,2],"timestamps":[${NOW},${NOW}]}`,
    `{"metric":${series[0]},"values":[1],"timestamps":[${NOW + 3_600_000}]}`,
    `{"metric":${series[0]},"values":[1],"timestamps":[${NOW}]}\r`,
    `{"metric":${series[0]},"values":[1],"timestamps":[${NOW}]} `,
    `{"metric":${series[0]},"values":[01],"timestamps":[${NOW}]}`,
    `{"metric":${series[0]},"values":[1],"timestamps":[0${NOW}]}`,
    `{"metric": ${series[0]},"values":[1],"timestamps":[${NOW}]}`,
  ]) {
    const lb = Buffer.from(line);
    assert.equal(scanPredictedLine(lb, view(lb), 0, lb.length, NOW, limits, out), null, line);
  }
});
