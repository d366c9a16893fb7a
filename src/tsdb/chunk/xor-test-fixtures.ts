// Shared by the XOR chunk tests: generators of arbitrary and realistic samples, and helpers that
// encode them and check a decode bit by bit. Not a test file itself (no .test suffix).
//
// Values are kept as uint32 bit pairs, never in JS number arrays: V8 quiets signalling NaNs stored
// in double arrays, which would change the staleness marker before the chunk ever saw it.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SampleIterator } from '../../storage/index.js';
import { XorAppender } from './xor-chunk.js';

export const MAX = Number.MAX_SAFE_INTEGER;
export const f64 = new Float64Array(1);
export const u32 = new Uint32Array(f64.buffer);
export const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
export const LO = 1 - HI;

export function fromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** Samples under test: timestamps, and values as (hi, lo) pairs. */
export interface Samples {
  ts: number[];
  bits: Uint32Array;
}

export function samplesOf(ts: number[], pairs: ReadonlyArray<readonly [number, number]>): Samples {
  const bits = new Uint32Array(ts.length * 2);
  for (let i = 0; i < ts.length; i++) {
    const p = pairs[i % pairs.length]!;
    bits[2 * i] = p[0];
    bits[2 * i + 1] = p[1];
  }
  return { ts, bits };
}

export function pairOf(v: number): [number, number] {
  f64[0] = v;
  return [u32[HI]!, u32[LO]!];
}

/** Appends samples [from, to) of `s` to a new XOR chunk, or to `app` (any chunk appender). */
export function encode(s: Samples, from?: number, to?: number): XorAppender;
export function encode<A extends { append(t: number, v: number): void }>(s: Samples, from: number, to: number, app: A): A;
export function encode(s: Samples, from = 0, to = s.ts.length, app: { append(t: number, v: number): void } = new XorAppender()): unknown {
  for (let i = from; i < to; i++) app.append(s.ts[i]!, fromBits(s.bits[2 * i]!, s.bits[2 * i + 1]!));
  return app;
}

/** Asserts that `it` (any chunk iterator) yields exactly samples [0, n) of `s`, bit-exact, then ends. */
export function assertYields(it: SampleIterator, s: Samples, n = s.ts.length): void {
  for (let i = 0; i < n; i++) {
    assert.ok(it.next(), `sample ${i} of ${n} missing`);
    assert.equal(it.atT(), s.ts[i], `timestamp of sample ${i}`);
    f64[0] = it.atV();
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    if (hi !== s.bits[2 * i] || lo !== s.bits[2 * i + 1]) {
      assert.fail(`value bits of sample ${i}: got ${hex(hi, lo)}, want ${hex(s.bits[2 * i]!, s.bits[2 * i + 1]!)}`);
    }
  }
  assert.equal(it.next(), false, 'no sample after the last');
  assert.equal(it.next(), false, 'stays exhausted');
}

export const hex = (hi: number, lo: number): string =>
  '0x' + hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');

// Generators--------------------------------------------------------------------------

const u32Arb = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0);
const nat40 = fc.tuple(fc.nat(0xfffff), fc.nat(0xfffff)).map(([a, b]) => a * 0x100000 + b);

export const STALE: [number, number] = [0x7ff00000, 2];
export const specialPairs: Array<[number, number]> = [
  STALE,
  [0x7ff80000, 0], // canonical NaN
  [0xfff00000, 0xdeadbeef], // negative signalling NaN with payload
  [0x7fffffff, 0xffffffff],
  [0x7ff00000, 0], // +Inf
  [0xfff00000, 0], // -Inf
  [0, 0], // +0
  [0x80000000, 0], // -0
  [0, 1], // smallest denormal
  [0x000fffff, 0xffffffff], // largest denormal
  [0x7fefffff, 0xffffffff], // largest finite
  pairOf(1e300),
  pairOf(-1e-300),
  pairOf(1),
];

const doubleBits = fc.double().map(pairOf);
const rawBits = fc.tuple(u32Arb, u32Arb);
const specialBits = fc.constantFrom(...specialPairs);
const nanPayloadBits = fc.tuple(fc.constantFrom(0x7ff00000, 0xfff00000, 0x7ff80000), u32Arb).map(
  ([hi, lo]): [number, number] => [hi, lo === 0 ? 1 : lo],
);

function valuesArb(n: number): fc.Arbitrary<Array<[number, number]>> {
  const each = (a: fc.Arbitrary<[number, number]>) => fc.array(a, { minLength: n, maxLength: n });
  const counter = fc
    .tuple(fc.nat(1_000_000), fc.array(fc.integer({ min: 0, max: 199 }), { minLength: n, maxLength: n }))
    .map(([start, incs]) => {
      let c = start;
      return incs.map((d) => pairOf((c += d)));
    });
  const walk = fc
    .tuple(fc.integer({ min: 0, max: 10000 }), fc.array(fc.integer({ min: -150, max: 150 }), { minLength: n, maxLength: n }))
    .map(([start, steps]) => {
      let cents = start;
      return steps.map((d) => {
        cents = Math.min(10000, Math.max(0, cents + d));
        return pairOf(cents / 100);
      });
    });
  const constant = fc.oneof(doubleBits, specialBits).map((p) => Array.from({ length: n }, () => p));
  return fc.oneof(
    each(doubleBits),
    each(rawBits),
    each(fc.oneof(doubleBits, rawBits, specialBits, nanPayloadBits)),
    counter,
    walk,
    constant,
  );
}

function timestampsArb(n: number): fc.Arbitrary<number[]> {
  const t0 = fc.oneof(
    fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((x) => x * 2 ** 30),
  );
  const delta = fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 10 }) },
    { weight: 2, arbitrary: fc.nat() },
    { weight: 1, arbitrary: nat40 },
  );
  const fromDeltas = fc
    .tuple(t0, fc.array(delta, { minLength: n - 1, maxLength: n - 1 }))
    .map(([start, ds]) => {
      const ts = [start];
      for (const d of ds) ts.push(ts[ts.length - 1]! + d);
      return ts;
    });
  const regular = fc
    .tuple(
      t0,
      fc.constantFrom(1, 1000, 10_000, 15_000, 60_000),
      fc.constantFrom(0, 3, 60, 2000, 300_000),
      fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: n, maxLength: n }),
    )
    .map(([start, interval, jitter, noise]) => {
      const ts: number[] = [];
      let prev = -Infinity;
      for (let i = 0; i < n; i++) {
        const t = Math.max(prev, start + i * interval + (noise[i]! % (jitter + 1)));
        ts.push(t);
        prev = t;
      }
      return ts;
    });
  // Anywhere in the safe range, spanning up to 2^53 - 1 ms: exercises the 64-bit bucket's edges.
  const extreme = fc
    .tuple(fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-MAX, MAX, MAX - 1000, -MAX + 1000)), fc.array(fc.maxSafeNat(), { minLength: n - 1, maxLength: n - 1 }))
    .map(([start, offs]) => {
      const limit = Math.min(MAX, MAX - start);
      const sorted = offs.map((o) => o % (limit + 1)).sort((a, b) => a - b);
      return [start, ...sorted.map((o) => start + o)];
    });
  return fc.oneof({ weight: 3, arbitrary: fromDeltas }, { weight: 3, arbitrary: regular }, { weight: 1, arbitrary: extreme });
}

export const samplesArb = (maxLen = 300): fc.Arbitrary<Samples> =>
  fc
    .integer({ min: 1, max: maxLen })
    .chain((n) => fc.tuple(timestampsArb(n), valuesArb(n)))
    .map(([ts, vs]) => samplesOf(ts, vs));

/** Small seeded PRNG so the size figures are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
