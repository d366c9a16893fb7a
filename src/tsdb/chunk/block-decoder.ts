// BlockChunkDecoder: decodes a whole block chunk of any encoding (1 XOR, 2 range coded, 3 packed)
// into timestamp and value arrays in one call. Decoding a chunk whole, in loops per stream, is what
// makes block reads fast: no per-sample dispatch, and for encoding 3 no entropy decoder at all.
// Chunks come from disk, so every field is checked and bad bytes throw CorruptChunkError.

import { BLOCK_MAX_SAMPLES, ENCODING_DECIMAL_PACKED, ENCODING_DECIMAL_RC } from './block-format.js';
import { BlockHeaderReader, corrupt } from './block-header.js';
import { POW10 } from './decimal.js';
import { IntCoder } from './int-coder.js';
import { decodePackedPayload, type PackedScratch } from './packed-decoder.js';
import { RangeDecoder } from './range-coder.js';
import { ENCODING_XOR, XOR_HEADER_BYTES, XorIterator } from './xor-chunk.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Number of samples a block chunk holds, from its first bytes (no decoding, few checks: `decode`
 * checks the rest), at most BLOCK_MAX_SAMPLES. Throws CorruptChunkError when that cannot be read.
 */
export function blockChunkCount(bytes: Uint8Array): number {
  const enc = bytes[0];
  if (enc === ENCODING_XOR) {
    if (bytes.length < XOR_HEADER_BYTES) corrupt('xor header is truncated');
    return (bytes[1]! << 8) | bytes[2]!;
  }
  if (enc !== ENCODING_DECIMAL_RC && enc !== ENCODING_DECIMAL_PACKED) {
    return corrupt(enc === undefined ? 'chunk is empty' : `encoding byte is ${enc}, block chunks use ${ENCODING_XOR}, ${ENCODING_DECIMAL_RC} or ${ENCODING_DECIMAL_PACKED}`);
  }
  let x = 0;
  let scale = 1;
  for (let k = 1; k < 9; k++) {
    const b = bytes[k];
    if (b === undefined) break;
    x += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (x > BLOCK_MAX_SAMPLES) break;
      return x;
    }
    scale *= 128;
  }
  return corrupt(`sample count is not a uvarint of at most ${BLOCK_MAX_SAMPLES}`);
}

interface RangeCoded {
  rc: RangeDecoder;
  ts: IntCoder;
  gap: IntCoder;
  value: IntCoder;
}

/**
 * Decodes whole block chunks into caller-provided arrays; one instance keeps its scratch between
 * chunks (use one per thread of work).
 *
 * @example
 * const dec = new BlockChunkDecoder();
 * const n = blockChunkCount(bytes); // size ts and vs for n samples
 * dec.decode(bytes, ts, vs);
 */
export class BlockChunkDecoder {
  /**
   * The decoder shared by iterators on this thread: decode() runs to completion, so one set of
   * scratch serves every iterator, and opening an iterator per series allocates no decoder state.
   */
  static readonly shared = new BlockChunkDecoder();
  private readonly h = new BlockHeaderReader();
  /** Encoding-2 state, made on first use (~1.5 KB of models that packed chunks never touch). */
  private rc: RangeCoded | null = null;
  private xorIt: XorIterator | null = null;
  private readonly packed: PackedScratch = { gaps: new Float64Array(0), one: new Float64Array(1) };
  /** A view of the last value array that held exceptions (their raw bits are written through it). */
  private view: DataView | null = null;

  /**
   * Decodes `bytes` into ts[0, n) and vs[0, n) (values bit-exact) and returns n. The arrays must
   * hold at least `blockChunkCount(bytes)` samples; throws CorruptChunkError for bad bytes.
   */
  decode(bytes: Uint8Array, ts: Float64Array, vs: Float64Array): number {
    const enc = bytes[0];
    if (enc === ENCODING_XOR) return this.decodeXor(bytes, ts, vs);
    if (enc !== ENCODING_DECIMAL_RC && enc !== ENCODING_DECIMAL_PACKED) return blockChunkCount(bytes); // throws
    const h = this.h;
    h.read(bytes);
    const n = h.n;
    if (n === 0) {
      if (bytes.length !== h.pos) corrupt('bytes follow an empty chunk');
      return 0;
    }
    if (ts.length < n || vs.length < n) throw new RangeError(`arrays hold ${Math.min(ts.length, vs.length)} samples, the chunk ${n}`);
    ts[0] = h.t0;
    vs[0] = h.m0 / POW10[h.scale]!;
    if (n === 1) {
      if (h.pos !== bytes.length) corrupt('bytes follow the only sample');
    } else if (enc === ENCODING_DECIMAL_PACKED) {
      const sc = this.packed;
      if (sc.gaps.length < n) sc.gaps = new Float64Array(Math.max(n, 2 * sc.gaps.length));
      decodePackedPayload(bytes, h, ts, vs, sc);
    } else {
      this.decodeRangeCoded(bytes, ts, vs);
    }
    if (h.exceptions > 0) {
      // Raw values last: their bits overwrite what the mantissa stream held at their indices.
      let view = this.view;
      if (view === null || view.buffer !== vs.buffer || view.byteOffset !== vs.byteOffset || view.byteLength !== vs.byteLength) {
        view = this.view = new DataView(vs.buffer, vs.byteOffset, vs.byteLength);
      }
      h.applyExceptions(view);
    }
    return n;
  }

  /** Encoding 2: the range coder decodes the streams interleaved, sample by sample. */
  private decodeRangeCoded(bytes: Uint8Array, ts: Float64Array, vs: Float64Array): void {
    const h = this.h;
    const n = h.n;
    const st = (this.rc ??= { rc: new RangeDecoder(), ts: new IntCoder(), gap: new IntCoder(), value: new IntCoder() });
    const rc = st.rc;
    if (!rc.reset(bytes, h.pos, bytes.length)) corrupt('range-coded data starts with an impossible code');
    const tc = st.ts;
    const gc = st.gap;
    const vc = st.value;
    tc.reset();
    gc.reset();
    vc.reset();
    const grid = h.grid;
    const step = h.step;
    const valueDod = h.valueDod;
    const p = POW10[h.scale]!;
    let a = h.a0;
    let m = h.m0;
    let t = h.t0;
    let delta = 0;
    let mDelta = 0;
    for (let i = 1; i < n; i++) {
      let next: number;
      if (grid) {
        const q = gc.decode(rc);
        const move = step * (1 + q);
        if (!Number.isSafeInteger(move)) corrupt(`grid move at sample ${i} is not a safe integer`);
        a += move;
        next = a + tc.decode(rc);
        if (!(Math.abs(a) <= MAX_SAFE)) corrupt(`grid point at sample ${i} is beyond ±(2^53-1)`);
      } else {
        const x = tc.decode(rc);
        delta = i === 1 ? x : delta + x;
        if (!(delta >= 0 && delta <= MAX_SAFE)) corrupt(`timestamp delta at sample ${i} is not in 0…2^53-1`);
        next = t + delta;
      }
      if (!(next >= t && next <= MAX_SAFE)) corrupt(`timestamp at sample ${i} decreases or is beyond 2^53-1`);
      t = next;
      ts[i] = t;
      const x = vc.decode(rc);
      if (valueDod && i >= 2) mDelta += x;
      else mDelta = x;
      m += mDelta;
      if (!(Math.abs(mDelta) <= MAX_SAFE && Math.abs(m) <= MAX_SAFE)) corrupt(`mantissa at sample ${i} is beyond ±(2^53-1)`);
      vs[i] = m / p;
      if (rc.overrun > 0) corrupt(`data ends inside sample ${i} of ${n}`);
    }
    if (rc.invalid) corrupt('range-coded data holds an impossible code');
    if (rc.position !== bytes.length) corrupt(`${bytes.length - rc.position} bytes follow the last sample`);
  }

  /**
   * Encoding 1 (XOR, kept when nothing else is smaller): sample by sample through XorIterator,
   * which does not bound timestamps built from its 64-bit bucket, so they are checked here.
   */
  private decodeXor(bytes: Uint8Array, ts: Float64Array, vs: Float64Array): number {
    const it = (this.xorIt ??= new XorIterator());
    it.reset(bytes);
    const n = it.count;
    if (ts.length < n || vs.length < n) throw new RangeError(`arrays hold ${Math.min(ts.length, vs.length)} samples, the chunk ${n}`);
    let k = 0;
    while (it.next()) {
      const t = it.atT();
      if (!(t <= MAX_SAFE && t >= -MAX_SAFE)) corrupt(`xor timestamp ${t} is beyond ±(2^53-1)`);
      ts[k] = t;
      vs[k] = it.atV();
      k++;
    }
    return k;
  }
}
