// BlockChunkIterator: reads a block chunk of any encoding (2: decimal range-coded, decoded into
// typed arrays once per chunk; 1: XOR, decoded sample by sample). Chunks come from disk, so every
// field is checked: bad bytes throw CorruptChunkError, and work is bounded by the sample count.

import type { SampleIterator } from '../../storage/interface.js';
import { BLOCK_MAX_SAMPLES, CorruptChunkError, ENCODING_DECIMAL_RC, TS_GRID, VALUE_DOD } from './block-format.js';
import { MAX_SCALE, POW10 } from './decimal.js';
import { IntCoder } from './int-coder.js';
import { RangeDecoder } from './range-coder.js';
import { ENCODING_XOR, XorIterator } from './xor-chunk.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const EMPTY = new Uint8Array([ENCODING_DECIMAL_RC, 0]);

function corrupt(what: string): never {
  throw new CorruptChunkError(`block chunk is corrupt: ${what}`);
}

/**
 * A reusable pull iterator over one block chunk (`next` / `seek` / `atT` / `atV`), allocation-free
 * per sample. `reset` decodes an encoding-2 chunk whole and throws CorruptChunkError for bad bytes.
 *
 * @example
 * const it = new BlockChunkIterator();
 * it.reset(bytes);
 * if (it.seek(mint)) do { use(it.atT(), it.atV()); } while (it.next());
 */
export class BlockChunkIterator implements SampleIterator {
  private ts = new Float64Array(0);
  private vs = new Float64Array(0);
  private vsBytes = new DataView(this.vs.buffer);
  private n = 0;
  private i = -1;
  /** Set while iterating an XOR chunk. */
  private xor: XorIterator | null = null;
  private xorIt: XorIterator | null = null;
  private readonly rc = new RangeDecoder();
  private readonly tsCoder = new IntCoder();
  private readonly gapCoder = new IntCoder();
  private readonly valueCoder = new IntCoder();
  // Header parsing position.
  private buf: Uint8Array = EMPTY;
  private pos = 0;

  constructor(bytes: Uint8Array = EMPTY) {
    this.reset(bytes);
  }

  /** Number of samples in the chunk. */
  get count(): number {
    return this.xor !== null ? this.xor.count : this.n;
  }

  /** Starts over on another chunk; decodes it now when it is a decimal chunk. */
  reset(bytes: Uint8Array): void {
    this.i = -1;
    this.n = 0;
    this.xor = null;
    if (bytes.length === 0) corrupt('chunk is empty');
    const encoding = bytes[0]!;
    if (encoding === ENCODING_XOR) {
      const it = (this.xorIt ??= new XorIterator());
      it.reset(bytes);
      this.xor = it;
      return;
    }
    if (encoding !== ENCODING_DECIMAL_RC) {
      corrupt(`encoding byte is ${encoding}, block chunks use ${ENCODING_XOR} or ${ENCODING_DECIMAL_RC}`);
    }
    this.decode(bytes);
  }

  next(): boolean {
    if (this.xor !== null) return this.xorNext(this.xor.next());
    const i = this.i + 1;
    if (i < this.n) {
      this.i = i;
      return true;
    }
    this.i = this.n;
    return false;
  }

  seek(t: number): boolean {
    if (this.xor !== null) return this.xorNext(this.xor.seek(t));
    const i = this.i;
    const n = this.n;
    if (i >= n) return false;
    const ts = this.ts;
    if (i >= 0 && ts[i]! >= t) return true;
    // First index ≥ max(i, 0) with ts ≥ t: timestamps are sorted, so binary search.
    let lo = i < 0 ? 0 : i;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
    return lo < n;
  }

  atT(): number {
    return this.xor !== null ? this.xor.atT() : this.ts[this.i]!;
  }

  atV(): number {
    return this.xor !== null ? this.xor.atV() : this.vs[this.i]!;
  }

  /**
   * XorIterator does not bound timestamps built from its 64-bit delta-of-delta bucket, so corrupt
   * XOR chunks could yield unsafe integers; they are checked here, where chunks come from disk.
   */
  private xorNext(ok: boolean): boolean {
    if (ok) {
      const t = this.xor!.atT();
      if (!(t <= MAX_SAFE && t >= -MAX_SAFE)) {
        this.xor = null;
        this.n = 0;
        corrupt(`xor timestamp ${t} is beyond ±(2^53-1)`);
      }
    }
    return ok;
  }

  private byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) corrupt('header is truncated');
    return b;
  }

  private uvarint(what: string): number {
    let x = 0;
    let scale = 1;
    for (let k = 0; k < 8; k++) {
      const b = this.byte();
      x += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (x > MAX_SAFE) break;
        return x;
      }
      scale *= 128;
    }
    return corrupt(`${what} is not a valid uvarint`);
  }

  private varint(what: string): number {
    const low = this.byte();
    const rest = low < 0x80 ? 0 : this.uvarint(what);
    const a = rest * 64 + ((low & 0x7f) >>> 1);
    const x = (low & 1) === 0 ? a : -a - 1;
    if (!Number.isSafeInteger(x)) corrupt(`${what} is beyond ±(2^53-1)`);
    return x;
  }

  private decode(bytes: Uint8Array): void {
    this.buf = bytes;
    this.pos = 1;
    const n = this.uvarint('sample count');
    if (n > BLOCK_MAX_SAMPLES) corrupt(`sample count ${n} is above the limit ${BLOCK_MAX_SAMPLES}`);
    if (n === 0) {
      if (bytes.length !== this.pos) corrupt('bytes follow an empty chunk');
      return;
    }
    const t0 = this.varint('first timestamp');
    const modes = this.byte();
    if (modes > (TS_GRID | VALUE_DOD)) corrupt(`modes byte ${modes} has unknown bits`);
    const grid = (modes & TS_GRID) !== 0;
    const valueDod = (modes & VALUE_DOD) !== 0;
    let step = 0;
    let a = 0;
    if (grid) {
      step = this.uvarint('grid step');
      if (step < 1) corrupt('grid step is 0');
      a = t0 - this.uvarint('grid offset');
      if (!Number.isSafeInteger(a)) corrupt('grid offset puts the grid beyond ±(2^53-1)');
    }
    const scale = this.byte();
    if (scale > MAX_SCALE) corrupt(`decimal scale ${scale} is above ${MAX_SCALE}`);
    const p = POW10[scale]!;
    let m = this.varint('first mantissa');
    const exceptions = this.uvarint('exception count');
    if (exceptions > n) corrupt(`${exceptions} exceptions in ${n} samples`);
    const excStart = this.pos;
    let idx = -1;
    for (let j = 0; j < exceptions; j++) {
      idx += 1 + this.uvarint('exception index');
      if (idx >= n) corrupt(`exception index ${idx} is beyond the ${n} samples`);
      this.pos += 8;
    }
    if (this.pos > bytes.length) corrupt('exceptions are truncated');

    if (this.ts.length < n) {
      const size = Math.max(n, 2 * this.ts.length);
      this.ts = new Float64Array(size);
      this.vs = new Float64Array(size);
      this.vsBytes = new DataView(this.vs.buffer);
    }
    const ts = this.ts;
    const vs = this.vs;
    ts[0] = t0;
    vs[0] = m / p;
    const rc = this.rc;
    if (n > 1 && !rc.reset(bytes, this.pos, bytes.length)) corrupt('range-coded data starts with an impossible code');
    const tc = this.tsCoder;
    const gc = this.gapCoder;
    const vc = this.valueCoder;
    tc.reset();
    gc.reset();
    vc.reset();
    let t = t0;
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
    if (n > 1) {
      if (rc.invalid) corrupt('range-coded data holds an impossible code');
      if (rc.position !== bytes.length) corrupt(`${bytes.length - rc.position} bytes follow the last sample`);
    } else if (this.pos !== bytes.length) {
      corrupt('bytes follow the only sample');
    }
    // Raw values last: their bits overwrite what the mantissa stream held at their indices.
    this.pos = excStart;
    idx = -1;
    const view = this.vsBytes;
    for (let j = 0; j < exceptions; j++) {
      idx += 1 + this.uvarint('exception index');
      const b = bytes;
      const o = this.pos;
      const hi = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
      const lo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
      view.setUint32(idx * 8 + (LITTLE ? 4 : 0), hi, LITTLE);
      view.setUint32(idx * 8 + (LITTLE ? 0 : 4), lo, LITTLE);
      this.pos = o + 8;
    }
    this.n = n;
  }
}
