// Shared by the block chunk tests: turning fixture samples into the encoder's typed arrays, checking
// a decode bit by bit, and generators of decimal-friendly values with the odd raw one mixed in.
// Not a test file itself (no .test suffix).

import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BlockChunkIterator } from './block-chunk.js';
import { HI, LO, STALE, assertYields, pairOf, samplesOf, type Samples } from './xor-test-fixtures.js';

/** The samples as encoder input; values written through uint32 halves so NaN payloads survive. */
export function arraysOf(s: Samples): { ts: Float64Array; vs: Float64Array } {
  const n = s.ts.length;
  const ts = Float64Array.from(s.ts);
  const vs = new Float64Array(n);
  const u = new Uint32Array(vs.buffer);
  for (let i = 0; i < n; i++) {
    u[2 * i + HI] = s.bits[2 * i]!;
    u[2 * i + LO] = s.bits[2 * i + 1]!;
  }
  return { ts, vs };
}

/** Asserts that `it` yields exactly the samples of `s`, values bit-exact, then ends. */
export function assertBlockYields(it: BlockChunkIterator, s: Samples): void {
  assert.equal(it.count, s.ts.length);
  assertYields(it, s);
}

/** Decimal series (fixed digits, walks, counters) with occasional NaN / stale / ±Inf / −0 / 1/3. */
export const decimalSamplesArb = (maxLen = 300): fc.Arbitrary<Samples> =>
  fc
    .record({
      n: fc.integer({ min: 1, max: maxLen }),
      t0: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
      step: fc.constantFrom(1000, 10_000, 15_000, 60_000),
      jitter: fc.constantFrom(0, 5, 40, 2000),
      gapEvery: fc.constantFrom(0, 7, 50),
      digits: fc.integer({ min: 0, max: 8 }),
      start: fc.integer({ min: -1e9, max: 1e9 }),
      maxStep: fc.constantFrom(0, 1, 200, 1e6, 1e12),
      counter: fc.boolean(),
      oddEvery: fc.constantFrom(0, 3, 97),
      seed: fc.integer(),
    })
    .map(({ n, t0, step, jitter, gapEvery, digits, start, maxStep, counter, oddEvery, seed }) => {
      let r = seed >>> 0;
      const rnd = (): number => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const odd: Array<[number, number]> = [STALE, [0x7ff80000, 0], [0xfff00000, 0xdeadbeef], pairOf(Infinity), pairOf(-Infinity), [0x80000000, 0], pairOf(1 / 3)];
      const ts: number[] = [];
      const pairs: Array<[number, number]> = [];
      let grid = t0;
      let m = start;
      let prev = -Infinity;
      const scale = 10 ** digits;
      for (let i = 0; i < n; i++) {
        grid += step * (gapEvery > 0 && i % gapEvery === gapEvery - 1 ? 3 : 1);
        const t = Math.max(prev, grid + Math.floor(rnd() * (jitter + 1)));
        ts.push(t);
        prev = t;
        const d = Math.floor(rnd() * (maxStep + 1));
        m += counter ? d : d - Math.floor(maxStep / 2);
        pairs.push(oddEvery > 0 && i % oddEvery === 1 ? odd[i % odd.length]! : pairOf(m / scale));
      }
      return samplesOf(ts, pairs);
    });
