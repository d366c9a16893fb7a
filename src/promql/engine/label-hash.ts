// Prometheus's label-set hash (labels.Labels.Hash of the default "stringlabels" build): XXH64
// with seed 0 over the label set's packed form. limit_ratio picks series by this hash, so a
// query must pick the same series here as in Prometheus.
//
// Written by hand rather than taken from a library: what has to match is not only XXH64 but the
// byte layout Prometheus hashes (length-prefixed names and values), and one synchronous 64-bit
// hash over a few dozen bytes per series is short; the npm XXH64 packages are WebAssembly or
// native builds that add an async start-up or a compiler for no gain here.
import type { Labels } from '../../storage/index.js';

const MASK = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P2) & MASK;
  return (rotl(acc, 31n) * P1) & MASK;
}

function mergeRound(acc: bigint, val: bigint): bigint {
  acc ^= round(0n, val);
  return (acc * P1 + P4) & MASK;
}

function u64At(b: Uint8Array, i: number): bigint {
  const lo = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  const hi = (b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function u32At(b: Uint8Array, i: number): bigint {
  return BigInt((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
}

/** XXH64 of `b` with seed 0, as Go's github.com/cespare/xxhash/v2 Sum64. */
export function xxhash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, u64At(b, i));
      v2 = round(v2, u64At(b, i + 8));
      v3 = round(v3, u64At(b, i + 16));
      v4 = round(v4, u64At(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & MASK;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, u64At(b, i));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
  }
  if (i + 4 <= n) {
    h ^= (u32At(b, i) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]!) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const encoder = new TextEncoder();

/** Appends a string with Prometheus's stringlabels length prefix: one byte below 255, else 255 and 3 bytes little-endian. */
function pushString(out: number[], s: string): void {
  const bytes = encoder.encode(s);
  const n = bytes.length;
  if (n < 255) out.push(n);
  else out.push(255, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff);
  for (let i = 0; i < n; i++) out.push(bytes[i]!);
}

/** Prometheus's labels.Labels.Hash(): XXH64 over name and value of each label, each prefixed with its length. */
export function labelsHash(labels: Labels): bigint {
  const bytes: number[] = [];
  for (const l of labels) {
    pushString(bytes, l.name);
    pushString(bytes, l.value);
  }
  return xxhash64(Uint8Array.from(bytes));
}

const offsets = new WeakMap<Labels, number>();

/**
 * Where a series falls in [0, 1] for limit_ratio: its hash over float64(MaxUint64), which is
 * 2^64 once rounded to a float64 (Prometheus's HashRatioSampler.sampleOffset). Remembered per
 * label-set object, since a range query asks at every step.
 */
export function ratioOffset(labels: Labels): number {
  let x = offsets.get(labels);
  if (x === undefined) offsets.set(labels, (x = Number(labelsHash(labels)) / 2 ** 64));
  return x;
}

/** Whether limit_ratio(ratio, …) keeps a series at this offset; a negative ratio keeps the complement. */
export function ratioKeeps(ratio: number, offset: number): boolean {
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
}
