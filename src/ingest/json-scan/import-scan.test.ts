// Equivalence fuzz of the /api/v1/import line scanner against the text path (JSON.parse +
// parseImportLine after trim()): valid lines in every JSON form, off-schema lines and
// byte-mutated lines give the same decision, the same problems and the same samples (bits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pieces } from '../import/handler.js';
import { parseImportLine } from '../import/parse.js';
import type { ValidationLimits } from '../validate.js';
import { anyString, arr, bits, fromValue, mutation, numberToken, obj, raw, rng, str, timestampToken, write, type Node } from './json-fixtures.js';
import { ImportScratch, importLine, scanImportLine } from './import-scan.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = 1_790_000_000_000;
const LIMITS = testLimits({ retentionMs: 86_400_000 });
const TIGHT: ValidationLimits = { maxMetricNameLength: 12, maxLabelNameLength: 6, maxLabelValueLength: 5, maxLabelsPerSeries: 2, retentionMs: 0, maxFutureMs: 600_000 };
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** The handler's line before the scanner: decode, trim, skip blank, parseImportLine. */
function reference(line: Buffer, limits: ValidationLimits): unknown {
  const text = line.toString('utf8').trim();
  if (text.length === 0) return 'blank';
  const r = parseImportLine(text, NOW, limits);
  if (Array.isArray(r)) return r;
  return { labels: r.labels.map((l) => [l.name, l.value]), ts: bits(r.ts), vs: bits(r.vs) };
}

const scratch = new ImportScratch();
function scanned(line: Buffer, limits: ValidationLimits): unknown {
  // Inside a larger buffer, so nothing relies on the line starting at 0 or ending at the buffer's end.
  const b = Buffer.concat([Buffer.from('x\n'), line, Buffer.from('\ny')]);
  const labels = importLine(b, 2, 2 + line.length, NOW, limits, scratch);
  if (labels === null) return scratch.problems ?? 'blank';
  return { labels: labels.map((l) => [l.name, l.value]), ts: bits(scratch.ts.subarray(0, scratch.n)), vs: bits(scratch.vs.subarray(0, scratch.n)) };
}

/** Compares twice (label cache cold, then warm); returns whether the line was valid and whether the scanner answered it. */
function same(line: Buffer, limits: ValidationLimits): { ok: boolean; fast: boolean } {
  const want = reference(line, limits);
  for (let k = 0; k < 2; k++) assert.deepStrictEqual(scanned(line, limits), want, `line: ${JSON.stringify(line.toString('latin1'))}`);
  const ok = want !== 'blank' && !Array.isArray(want);
  const fast = scanImportLine(line, 0, line.length, NOW, limits, new ImportScratch());
  return { ok, fast: fast !== null && fast !== 'blank' };
}

const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('cpu_usage', 'memory_usage', 'requests_total', 'é_metric') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,14}$/) },
  { weight: 1, arbitrary: anyString },
);
const labelName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('host', 'region', 'env', 'ünï') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('__x', ''), anyString) },
);
const labelValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('server1', 'us-east-1', '', 'é', '😀', 'a"b\\c/d') }, { weight: 3, arbitrary: anyString });
const valueToken = fc.oneof(
  { weight: 6, arbitrary: numberToken.map(raw) },
  // Written without escapes (raw): an escaped "NaN" is valid but left to the text path.
  { weight: 1, arbitrary: fc.constantFrom('NaN', '+Inf', '-Inf', 'Inf').map((x) => raw(`"${x}"`)) },
  { weight: 1, arbitrary: fc.constantFrom(str('nan'), str('toString'), raw('null'), str('1')) },
);

interface Gen {
  readonly sorted: boolean;
  readonly wrong: number;
}

function lineArb(g: Gen): fc.Arbitrary<Node> {
  const n = fc.integer({ min: 0, max: 5 });
  return fc
    .tuple(
      name,
      fc.array(fc.tuple(labelName, labelValue), { maxLength: 5 }),
      n.chain((k) => fc.tuple(fc.array(valueToken, { minLength: k, maxLength: k }), fc.array(timestampToken(NOW), { minLength: k, maxLength: k }))),
      fc.option(fc.jsonValue({ maxDepth: 2 }).map(fromValue), { freq: 5 }),
      fc.integer(),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([nm, labels, [vs, ts], other, seed, wrongDraw]) => {
      const r = rng(seed);
      const tsSorted = g.sorted ? [...ts].sort((a, b) => Number(a) - Number(b)) : ts;
      const metric: [string, Node][] = [['__name__', str(nm)], ...labels.map(([k, v]) => [k, str(v)] as [string, Node])];
      for (let i = metric.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [metric[i], metric[j]] = [metric[j]!, metric[i]!];
      }
      const e: [string, Node][] = [
        ['metric', obj(metric)],
        ['values', arr(vs)],
        ['timestamps', arr(tsSorted.map(raw))],
      ];
      if (other !== null) e.push(['other', other]);
      if (wrongDraw < g.wrong) e[Math.floor(r() * 3)] = [e[Math.floor(r() * 3)]![0], r() < 0.5 ? raw('null') : str('x')];
      for (let i = e.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [e[i], e[j]] = [e[j]!, e[i]!];
      }
      if (r() < 0.1) e.unshift(['values', raw('null')]); // shadowed by the later key
      return obj(e);
    });
}

test('valid lines: same samples as parseImportLine, on the fast path', () => {
  let valid = 0;
  fc.assert(
    fc.property(lineArb({ sorted: true, wrong: 0 }), fc.integer(), fc.boolean(), (line, seed, tight) => {
      const b = Buffer.from(write(line, rng(seed), 0.05, true));
      const r = same(b, tight ? TIGHT : LIMITS);
      if (r.ok) {
        valid++;
        // A shadowed "values": null before the real key is valid but left to the text path.
        if (!r.fast && !/"values"\s*:\s*null/.test(b.toString())) assert.fail(`valid line not on the fast path: ${b.toString()}`);
      }
    }),
    { numRuns: RUNS * 2 },
  );
  assert.ok(valid > RUNS / 4, `too few valid lines generated (${valid})`);
  if (process.env.FUZZ_VERBOSE) console.log(`${valid} valid lines of ${RUNS * 2}`);
});

test('unsorted, wrongly typed and off-schema lines: same answers', () => {
  fc.assert(
    fc.property(lineArb({ sorted: false, wrong: 0.3 }), fc.integer(), (line, seed) => {
      same(Buffer.from(write(line, rng(seed), 0.05, true)), LIMITS);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer(), (v, seed) => {
      same(Buffer.from(write(fromValue(v), rng(seed), 0.05, true)), LIMITS);
      same(Buffer.from(write(obj([['metric', fromValue(v)], ['values', arr([raw('1')])], ['timestamps', arr([raw(String(NOW))])]]), rng(seed), 0.05, true)), LIMITS);
    }),
    { numRuns: RUNS },
  );
});

test('byte-mutated valid lines: same answers', () => {
  fc.assert(
    fc.property(lineArb({ sorted: true, wrong: 0 }), fc.integer(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (line, seed, muts) => {
      let b: Buffer = Buffer.from(write(line, rng(seed), 0.05, true));
      for (const mu of muts) b = mu(b);
      // The handler cuts lines on \n before they get here.
      const nl = b.indexOf(10);
      same(nl < 0 ? b : b.subarray(0, nl), LIMITS);
    }),
    { numRuns: RUNS * 2 },
  );
});

/** The compact layout most senders write: the three keys in order, no whitespace (scanCompact). */
const compactLineArb = fc
  .tuple(
    name,
    fc.array(fc.tuple(labelName, labelValue), { maxLength: 5 }),
    fc.integer({ min: 0, max: 4 }).chain((k) => fc.tuple(fc.array(valueToken, { minLength: k, maxLength: k }), fc.array(timestampToken(NOW), { minLength: k, maxLength: k }))),
    fc.integer(),
  )
  .map(([nm, labels, [vs, ts], seed]) => {
    const sorted = [...ts].sort((a, b) => Number(a) - Number(b)).map(raw);
    const metric = obj([['__name__', str(nm)], ...labels.map(([k, v]) => [k, str(v)] as [string, Node])]);
    // No whitespace (ws() adds none for draws below 0.7); escapes at random in the metric's strings.
    const r = rng(seed);
    const noWs = (): number => 0.69 * r();
    return `{"metric":${write(metric, noWs, 0.05, true)},"values":${write(arr(vs), noWs, 0, true)},"timestamps":${write(arr(sorted), noWs, 0, true)}}`;
  });

test('compact lines (keys in order, no spaces), also byte-mutated: same answers, valid ones on the fast path', () => {
  let valid = 0;
  fc.assert(
    fc.property(compactLineArb, fc.array(mutation, { maxLength: 2 }), (line, muts) => {
      let b: Buffer = Buffer.from(line);
      for (const mu of muts) b = mu(b);
      const nl = b.indexOf(10);
      const r = same(nl < 0 ? b : b.subarray(0, nl), LIMITS);
      if (muts.length === 0 && r.ok) {
        valid++;
        assert.ok(r.fast, `valid compact line not on the fast path: ${line}`);
      }
    }),
    { numRuns: RUNS * 2 },
  );
  assert.ok(valid > RUNS / 4, `too few valid compact lines generated (${valid})`);
});

test('edge cases by hand', () => {
  const T = String(NOW);
  const cases = [
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]}`,
    `\u00a0{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]}\u2028`,
    `\ufeff{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]}`,
    `\v{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]}\r`,
    `  \r`,
    `\u00a0`,
    `{"metric":{"__name__":"a"},"values":[1,2],"timestamps":[${T},${NOW - 5}]}`,
    `{"metric":{"__name__":"a"},"values":[1,2],"timestamps":[${T},${T}]}`,
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}],"values":[2]}`,
    `{"metric":{"__name__":"a"},"values":["toString"],"timestamps":[${T}]}`,
    `{"metric":{"__name__":"a"},"values":["N\\u0061N"],"timestamps":[${T}]}`,
    `{"metric":{"__name__":"a","__name__":"b"},"values":[1],"timestamps":[${T}]}`,
    `{"metric":{"__name__":"a","__proto__":"x"},"values":[1],"timestamps":[${T}]}`,
    `{"metric":{"__name__":"a","x":{"y":1}},"values":[1],"timestamps":[${T}]}`,
    `{"metric":{"__name__":"a"},"values":[],"timestamps":[]}`,
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}.5]}`,
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[-0]}`,
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]}}`,
    `{"metric":{"__name__":"a"},"values":[1],"timestamps":[${T}]`,
    `{"metric":{"__name__":"\xff"},"values":[1],"timestamps":[${T}]}`,
    `[]`,
    ``,
  ];
  for (const c of cases) same(Buffer.from(c), LIMITS);
  for (const c of cases) same(Buffer.from(c, 'latin1'), LIMITS);
  same(Buffer.from(`{"metric":{"__name__":"a"},"values":[1],"timestamps":[-0]}`), { ...LIMITS, retentionMs: 0 });
  // Object.prototype's names are not special values (parseImportLine once took them, via `in`).
  assert.ok(Array.isArray(parseImportLine(`{"metric":{"__name__":"a"},"values":["toString"],"timestamps":[${T}]}`, NOW, LIMITS)));
});

test('import pieces cut any chunking into the same lines as one buffer', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom('a', 'bc', '\n', 'é', '\n\n', 'xyz'), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 9 }), async (parts, cuts, pieceBytes) => {
      const body = Buffer.from(parts.join(''));
      const chunks: Buffer[] = [];
      for (let i = 0, c = 0; i < body.length; c++) {
        const n = cuts[c % cuts.length]!;
        chunks.push(body.subarray(i, i + n));
        i += n;
      }
      const got: string[] = [];
      for await (const block of pieces((async function* () { yield* chunks; })(), pieceBytes)) {
        assert.ok(block.length > 0);
        const s = block.toString();
        const ls = s.split('\n');
        if (s.endsWith('\n')) ls.pop();
        got.push(...ls);
      }
      const want = body.toString().split('\n');
      if (body.length > 0 && body[body.length - 1] === 10) want.pop();
      if (body.length === 0) want.pop();
      assert.deepStrictEqual(got, want);
    }),
    { numRuns: RUNS },
  );
});
