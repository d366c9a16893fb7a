// Line protocol decoding: naming, every field type, escaping, precision, per-line errors, and a
// property test against the formatter of InfluxData's own client library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Point } from '@influxdata/influxdb-client';
import { labelsToRecord } from '../../storage/index.js';
import { batchEntries } from '../series-batch.js';
import { parseLineProtocol, timestampToMs, type InfluxParseOptions, type Precision } from './parse.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const LIMITS = testLimits();
const NS = BigInt(NOW) * 1_000_000n;

function parse(text: string, o: Partial<InfluxParseOptions> = {}) {
  const b = parseLineProtocol(Buffer.from(text), { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [], ...o });
  return { ...b, samples: batchEntries(b).map((s) => ({ labels: labelsToRecord(s.labels), t: s.ts[0], v: s.vs[0] })) };
}

test('measurement_field names, field "value" is the measurement, tags become labels', () => {
  const r = parse(`cpu,host=a,region=eu usage_user=1.5,value=2i,up=t ${NS}\n`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.samples, [
    { labels: { __name__: 'cpu_usage_user', host: 'a', region: 'eu' }, t: NOW, v: 1.5 },
    { labels: { __name__: 'cpu', host: 'a', region: 'eu' }, t: NOW, v: 2 },
    { labels: { __name__: 'cpu_up', host: 'a', region: 'eu' }, t: NOW, v: 1 },
  ]);
});

test('every field type: float forms, integers, unsigned, booleans; string fields skipped', () => {
  const r = parse(
    `m a=1,b=-1.5,c=1e3,d=1.5E-2,e=.5,f=1.,g=-42i,h=42u,i=T,j=false,k=FALSE,l="text, with = and \\" inside",n=+3 ${NS}`,
  );
  assert.deepEqual(r.errors, []);
  const got = Object.fromEntries(r.samples.map((s) => [s.labels.__name__, s.v]));
  assert.deepEqual(got, { m_a: 1, m_b: -1.5, m_c: 1000, m_d: 0.015, m_e: 0.5, m_f: 1, m_g: -42, m_h: 42, m_i: 1, m_j: 0, m_k: 0, m_n: 3 });
  // A line of only string fields stores nothing and is not an error.
  const s = parse(`log msg="hello world" ${NS}`);
  assert.deepEqual([s.errors, s.samples], [[], []]);
});

test('escapes: measurement , and space; tag keys, values and field keys , = and space; other backslashes kept', () => {
  const r = parse(`my\\ meas\\,x,tag\\ k\\=1=v\\,a\\ l\\=ue,path=C:\\dir field\\ k\\=x=1 ${NS}`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.samples[0]!.labels, { __name__: 'my meas,x_field k=x', 'tag k=1': 'v,a l=ue', path: 'C:\\dir' });
  // A backslash hides the next character from the scan, as in InfluxDB: `a\\` ends at the comma.
  const b = parse(`m,t=a\\\\,u=b v=1 ${NS}`);
  assert.deepEqual(b.samples[0]!.labels, { __name__: 'm_v', t: 'a\\\\', u: 'b' });
  // `=` needs no escape in a measurement; `\=` there keeps its backslash.
  assert.equal(parse(`a=b value=1 ${NS}`).samples[0]!.labels.__name__, 'a=b');
});

test('precision: ns default, us, ms, s, m, h; negative timestamps floor; missing timestamp is now', () => {
  const sec = NOW / 1000;
  for (const [p, text] of [['ns', `${NS}`], ['us', `${BigInt(NOW) * 1000n}`], ['ms', `${NOW}`], ['s', `${sec}`], ['m', `${NOW / 60000}`], ['h', `${NOW / 3_600_000}`]] as [Precision, string][]) {
    assert.equal(parse(`m v=1 ${text}`, { precision: p }).samples[0]!.t, NOW, p);
  }
  assert.equal(timestampToMs('1999999', 'ns'), 1);
  assert.equal(timestampToMs('-1', 'ns'), -1);
  assert.equal(timestampToMs('-1000000', 'ns'), -1);
  assert.equal(timestampToMs('-1000001', 'ns'), -2);
  assert.equal(timestampToMs('0', 'ns'), 0);
  assert.equal(parse('m v=1').samples[0]!.t, NOW);
});

test('comments, blank lines, CRLF and surrounding whitespace are fine', () => {
  const r = parse(`# a comment\n\n  m v=1 ${NS}  \r\n\t\nm,t=x v=2 ${NS}\r\n`);
  assert.deepEqual(r.errors, []);
  assert.equal(r.points, 2);
  assert.equal(r.samples.length, 2);
});

test('bad lines are reported by number with the reason; good lines are kept', () => {
  const lines = [
    `good v=1 ${NS}`, // 1
    'nofields', // 2
    `m v= ${NS}`, // 3
    `m,t v=1 ${NS}`, // 4
    `m,t= v=1 ${NS}`, // 5
    `m,=x v=1 ${NS}`, // 6
    `m v=1x ${NS}`, // 7
    `m v=tru ${NS}`, // 8
    `m s="open ${NS}`, // 9
    `m v=1 12abc`, // 10
    `m v=99999999999999999999i ${NS}`, // 11
    `m v=1 ${NS} extra`, // 12
    `m,t=a,t=b v=1 ${NS}`, // 13
    `m v=1,v=2 ${NS}`, // 14
    `m,__x=1 v=1 ${NS}`, // 15
    'm v=1 1', // 16 (1 ns after the epoch: older than retention)
    `m v=NaN ${NS}`, // 17
    `m v=-1u ${NS}`, // 18
    `m,t=a=b v=1 ${NS}`, // 19
    `good v=2 ${NS}`, // 20
  ];
  const r = parse(lines.join('\n'));
  assert.deepEqual(r.samples.map((s) => s.v), [1, 2]);
  assert.equal(r.points, 20);
  const byLine = Object.fromEntries(r.errors.map((e) => [e.line_number, e.error_message]));
  assert.deepEqual(Object.keys(byLine).map(Number), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.match(byLine[2]!, /^missing fields/);
  assert.match(byLine[3]!, /^missing field value/);
  assert.match(byLine[4]!, /^missing tag value/);
  assert.match(byLine[5]!, /^missing tag value/);
  assert.match(byLine[6]!, /^missing tag key/);
  assert.match(byLine[7]!, /^invalid field value "1x"/);
  assert.match(byLine[8]!, /^invalid field value "tru"/);
  assert.match(byLine[9]!, /^unbalanced quotes/);
  assert.match(byLine[10]!, /^invalid timestamp "12abc"/);
  assert.match(byLine[11]!, /out of the int64 range/);
  assert.match(byLine[12]!, /^trailing content/);
  assert.match(byLine[13]!, /^duplicate tags/);
  assert.match(byLine[14]!, /appears more than once/);
  assert.match(byLine[15]!, /reserved/);
  assert.match(byLine[16]!, /older than the retention period/);
  assert.match(byLine[17]!, /^invalid field value "NaN"/);
  assert.match(byLine[18]!, /^invalid unsigned integer "-1u".*must not be negative/);
  assert.match(byLine[19]!, /^invalid tag format/);
  assert.equal(r.errors[0]!.original_line, 'nofields');
});

test('a line that is not UTF-8 is reported by number; the others are kept', () => {
  const body = Buffer.concat([Buffer.from(`a v=1 ${NS}\n`), Buffer.from([0x62, 0x20, 0xff, 0xfe, 0x0a]), Buffer.from(`c v=3 ${NS}`)]);
  const r = parseLineProtocol(body, { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [] });
  assert.deepEqual(r.errors.map((e) => [e.line_number, e.error_message]), [[2, 'line is not valid UTF-8']]);
  assert.equal(r.labels.length, 2);
});

test('default labels (db) are added unless the line has a tag of that name', () => {
  const r = parse(`m v=1 ${NS}\nm,db=own v=2 ${NS}`, { defaultLabels: [{ name: 'db', value: 'telegraf' }] });
  assert.deepEqual(r.samples.map((s) => s.labels.db), ['telegraf', 'own']);
});

// Names and values the reference formatter can write unambiguously: no control characters (it
// writes \n as the two characters `\n`) and no backslash (a value ending in one is ambiguous in
// line protocol itself), and not starting with "#" (a comment) or "__" (reserved label names).
const word = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019_-.:/ ,="\'éü€'.split('')), minLength: 1, maxLength: 12 })
  .filter((s) => !s.startsWith('#') && !s.startsWith('__'));

const fieldValue = fc.oneof(
  fc.record({ kind: fc.constant('float' as const), v: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  fc.record({ kind: fc.constant('int' as const), v: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) }),
  fc.record({ kind: fc.constant('uint' as const), v: fc.integer({ min: 0, max: 2 ** 53 - 1 }) }),
  fc.record({ kind: fc.constant('bool' as const), v: fc.boolean() }),
  fc.record({ kind: fc.constant('string' as const), v: fc.string({ maxLength: 10 }).filter((s) => !/[\r\n]/.test(s)) }),
);

test('property: points written by @influxdata/influxdb-client parse back to the same samples', () => {
  fc.assert(
    fc.property(
      word,
      fc.dictionary(word, word, { maxKeys: 4 }),
      fc.dictionary(word, fieldValue, { minKeys: 1, maxKeys: 4 }),
      fc.integer({ min: 0, max: 10 * 86_400_000 }),
      (measurement, tags, fields, ago) => {
        const p = new Point(measurement);
        for (const [k, v] of Object.entries(tags)) p.tag(k, v);
        for (const [k, f] of Object.entries(fields)) {
          if (f.kind === 'float') p.floatField(k, f.v);
          else if (f.kind === 'int') p.intField(k, f.v);
          else if (f.kind === 'uint') p.uintField(k, f.v);
          else if (f.kind === 'bool') p.booleanField(k, f.v);
          else p.stringField(k, f.v);
        }
        const t = NOW - ago;
        p.timestamp(`${BigInt(t) * 1_000_000n + 123_456n}`);
        const line = p.toLineProtocol()!;
        const r = parse(line);
        assert.deepEqual(r.errors, [], line);
        const want = Object.entries(fields)
          .filter(([, f]) => f.kind !== 'string')
          .map(([k, f]) => ({
            labels: { __name__: k === 'value' ? measurement : `${measurement}_${k}`, ...tags },
            t,
            v: f.kind === 'bool' ? (f.v ? 1 : 0) : Object.is(f.v, -0) ? 0 : (f.v as number),
          }));
        const got = r.samples.map((s) => ({ ...s, v: Object.is(s.v, -0) ? 0 : s.v }));
        const byName = (a: { labels: Record<string, string> }, b: { labels: Record<string, string> }) =>
          a.labels.__name__! < b.labels.__name__! ? -1 : a.labels.__name__! > b.labels.__name__! ? 1 : 0;
        assert.deepEqual(got.sort(byName), want.sort(byName), line);
      },
    ),
    { numRuns: 500 },
  );
});

test('fuzz: random and mutated bodies never throw; every line is either samples or an error', () => {
  const seed = Buffer.from(`cpu,host=a\\ b usage=1.5,n=3i,ok=t,s="x\\"y" ${NS}\nmem value=2 ${NS}\n`);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((muts) => {
          const b = Buffer.from(seed);
          for (const [i, v] of muts) b[i] = v;
          return b;
        }),
        fc.nat(seed.length).map((n) => seed.subarray(0, n)),
      ),
      (body) => {
        const r = parseLineProtocol(body, { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [] });
        const goodLines = new Set(r.lineOf);
        assert.ok(goodLines.size + r.errors.length <= r.points);
        for (const e of r.errors) assert.ok(e.error_message.length > 0 && !goodLines.has(e.line_number));
        assert.deepEqual(r.start, Array.from({ length: r.labels.length + 1 }, (_, i) => i));
        for (let i = 0; i < r.ts.length; i++) assert.ok(Number.isFinite(r.vs[i]) && Number.isSafeInteger(r.ts[i]));
      },
    ),
    { numRuns: 2000 },
  );
});

test('series parts seen before: the same labels objects, checks kept per limits and default labels', () => {
  const text = `sp,host=a,dc=x value=1,b=2 ${NS}\nsp,host=a,dc=x value=3 ${NS}\n`;
  const first = parseLineProtocol(Buffer.from(text), { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [] });
  const again = parseLineProtocol(Buffer.from(text), { precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [] });
  assert.deepEqual(again.labels, first.labels);
  // One Labels object per (series, field), across lines and bodies.
  assert.equal(first.labels[2], first.labels[0]);
  assert.equal(again.labels[0], first.labels[0]);
  assert.notEqual(first.labels[1], first.labels[0]);
  // Tighter limits: the series part seen under LIMITS is checked again, and refused.
  const tight = parse(text, { limits: { ...LIMITS, maxLabelsPerSeries: 1 } });
  assert.equal(tight.samples.length, 0);
  assert.match(tight.errors[0]!.error_message, /series has 2 labels, the limit is 1/);
  // A default label (db) makes other series of the same text.
  const withDb = parse(text, { defaultLabels: [{ name: 'db', value: 'telegraf' }] });
  assert.deepEqual(withDb.samples[0]!.labels, { __name__: 'sp', host: 'a', dc: 'x', db: 'telegraf' });
  // A field whose metric name is too long is refused on every line, cached part or not.
  const longField = 'f'.repeat(300);
  for (let k = 0; k < 2; k++) {
    const r = parse(`sp,host=a,dc=x ${longField}=1 ${NS}\n`);
    assert.equal(r.samples.length, 0);
    assert.equal(r.errors.length, 1);
  }
});
