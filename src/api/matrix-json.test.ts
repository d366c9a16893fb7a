// Tests of the matrix answer writer: byte for byte what JSON.stringify gives for the object form
// of arbitrary answers (timestamps of any sign and size, fractional ones, every kind of value,
// non-ASCII labels), with and without points the result cache held as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatNumber } from '../promql/index.js';
import type { CachedRangeSeries } from '../promql/engine/index.js';
import { labelsFromRecord, labelsToRecord } from '../storage/index.js';
import { matrixAnswerBytes, pointText } from './matrix-json.js';

function reference(series: readonly CachedRangeSeries[]): string {
  return JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((s) => ({ metric: labelsToRecord(s.labels), values: Array.from(s.ts, (t, i) => [t / 1000, formatNumber(s.vs[i]!)]) })),
    },
  });
}

const timeArb = fc.oneof(
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  fc.integer({ min: -1e15 + 1, max: 1e15 - 1 }),
  fc.integer({ min: -5000, max: 5000 }),
  // the int32 fast path of JsonBytes.points: seconds just below and above 2^31, and whole seconds at the edge
  fc.integer({ min: 2 ** 31 * 1000 - 5000, max: 2 ** 31 * 1000 + 5000 }),
  fc.constantFrom(2 ** 31 * 1000 - 1, 2 ** 31 * 1000, 2 ** 31 * 1000 + 1, (2 ** 31 - 1) * 1000),
  fc.constantFrom(0, -0, 1e15, -1e15, 2 ** 53 - 1, 1e15 - 1, 999, 1000, 1001, 1010, 1100),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e18, max: 1e18 }),
);
const valueArb = fc.oneof(
  fc.double(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.integer({ min: -1000, max: 1000 }).map((c) => c / 100),
  fc.integer({ min: -(1e14 + 10), max: 1e14 + 10 }).map((c) => c / 100),
  // values and cents around the int32 edges the fast path checks
  fc.integer({ min: -(2 ** 31) - 3, max: -(2 ** 31) + 3 }),
  fc.integer({ min: 2 ** 31 - 3, max: 2 ** 31 + 3 }),
  fc.integer({ min: 2 ** 31 - 300, max: 2 ** 31 + 300 }).map((c) => c / 100),
  fc.integer({ min: -(2 ** 31) - 300, max: -(2 ** 31) + 300 }).map((c) => c / 100),
  // rounding to zero hundredths, an ulp off when multiplied, the largest two-decimal fast value
  fc.constantFrom(0.004, -0.004, 0.005, -0.005, 0.001, -0.001, 10.03, -10.03, 21474836.47, -21474836.47, 21474836.48),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1e21, 1e-7, 123456789012345680000),
);
const seriesArb = fc
  .tuple(
    fc.dictionary(fc.constantFrom('__name__', 'host', 'le', 'é', 'job'), fc.string({ unit: 'grapheme', maxLength: 6 }), { maxKeys: 4 }),
    fc.array(fc.tuple(timeArb, valueArb), { maxLength: 40 }),
    fc.nat(),
  )
  .map(([labels, pts, cut]): CachedRangeSeries => {
    const ts = pts.map((p) => p[0]);
    const vs = pts.map((p) => p[1]);
    const held = ts.length === 0 ? 0 : cut % (ts.length + 1);
    if (held === 0) return { labels: labelsFromRecord(labels), ts, vs };
    // The first `held` points come printed, as the range cache keeps them.
    let text = '';
    for (let i = 0; i < held; i++) text += pointText(ts[i]!, vs[i]!);
    return { labels: labelsFromRecord(labels), ts, vs, text: Buffer.from(text, 'utf8'), textPoints: held };
  });

describe('matrixAnswerBytes', () => {
  it('writes what JSON.stringify writes for the object form, held text or not', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 5 }), (series) => {
        assert.equal(matrixAnswerBytes(series).toString('utf8'), reference(series));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes millisecond timestamps as seconds with up to three decimals', () => {
    const one = (t: number) => JSON.parse(matrixAnswerBytes([{ labels: [], ts: [t], vs: [1] }]).toString()).data.result[0].values[0][0];
    const text = (t: number) => matrixAnswerBytes([{ labels: [], ts: [t], vs: [1] }]).toString().match(/"values":\[\[([^,]*),/)![1];
    assert.equal(text(1_700_000_000_000), '1700000000');
    assert.equal(text(1_700_000_000_100), '1700000000.1');
    assert.equal(text(1_700_000_000_010), '1700000000.01');
    assert.equal(text(1_700_000_000_001), '1700000000.001');
    assert.equal(text(-1500), '-1.5');
    assert.equal(text(5), '0.005');
    assert.equal(one(1234.5), 1.2345);
  });

  it('prints values of one or two decimals as formatNumber does', () => {
    const text = (v: number) => matrixAnswerBytes([{ labels: [], ts: [0], vs: [v] }]).toString().match(/"values":\[\[0,"([^"]*)"/)![1];
    for (const v of [0.01, 0.1, 0.5, 0.05, 10.39, 11.4, -0.01, -12.3, 99.99, 1e11 + 0.25, 999999999999.99, -999999999999.9, 1e12 + 0.5, 0.1 + 0.2, 1.005, 5e-324]) {
      assert.equal(text(v), formatNumber(v), String(v));
    }
  });
});
