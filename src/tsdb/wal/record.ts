// WAL records: the frame every record is written in (type, length, CRC-32) and the payload
// codecs of the head's record kinds. Byte layouts are documented in docs/format/wal.md.
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import type { Labels } from '../../storage/index.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';

/** New series: ref, tenant and labels. */
export const RECORD_SERIES = 1;
/** Samples of series announced earlier: ref, timestamp, value. */
export const RECORD_SAMPLES = 2;
/** Metric metadata: type, help and unit per tenant and metric name. */
export const RECORD_METADATA = 3;
/** Head chunks of series announced earlier (checkpoints only): ref and encoded head chunks. */
export const RECORD_CHUNKS = 4;
/** Deleted time ranges of series (admin API delete_series): ref, mint, maxt. */
export const RECORD_TOMBSTONES = 5;

/** [type u8][payload length u32 LE][CRC-32 of type + payload, u32 LE]. */
export const RECORD_HEADER_BYTES = 9;
/** Largest payload a record may carry; replay treats larger lengths as corruption. */
export const MAX_RECORD_PAYLOAD = 256 * 1024 * 1024;

// The CRC covers the type byte too; its CRC is the seed for the payload's, precomputed per type.
const TYPE_CRC = new Uint32Array(256);
for (let t = 0; t < 256; t++) TYPE_CRC[t] = crc32(Uint8Array.of(t));

/** CRC-32/IEEE of the type byte followed by the payload. */
export function recordCrc(type: number, payload: Uint8Array): number {
  return crc32(payload, TYPE_CRC[type]!);
}

/** Writes one framed record into `into` at `pos` (which must have room for header + payload). */
export function writeRecord(into: Uint8Array, pos: number, type: number, payload: Uint8Array): void {
  const len = payload.length;
  const crc = recordCrc(type, payload);
  into[pos] = type;
  into[pos + 1] = len & 0xff;
  into[pos + 2] = (len >>> 8) & 0xff;
  into[pos + 3] = (len >>> 16) & 0xff;
  into[pos + 4] = len >>> 24;
  into[pos + 5] = crc & 0xff;
  into[pos + 6] = (crc >>> 8) & 0xff;
  into[pos + 7] = (crc >>> 16) & 0xff;
  into[pos + 8] = crc >>> 24;
  into.set(payload, pos + RECORD_HEADER_BYTES);
}

/** One framed record in a buffer of its own. */
export function frameRecord(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  writeRecord(out, 0, type, payload);
  return out;
}

const LITTLE_ENDIAN = endianness() === 'LE';
// One writer for all encoders: they run to completion synchronously and copy out their result.
const writer = new ByteWriter(64 * 1024);

// ---- SERIES ----

/** A series as the WAL knows it. */
export interface RefSeries {
  readonly ref: number;
  readonly tenant: string;
  readonly labels: Labels;
}

/** Encodes a SERIES payload. Labels must be sorted by name with unique names. */
export function encodeSeries(series: readonly RefSeries[]): Buffer {
  const w = writer;
  w.reset();
  w.uvarint(series.length);
  for (const s of series) {
    w.uvarint(s.ref);
    w.string(s.tenant, 'tenant');
    w.uvarint(s.labels.length);
    let prev = '';
    for (let i = 0; i < s.labels.length; i++) {
      const l = s.labels[i]!;
      // Replay rejects unsorted labels, so never write any.
      if (i > 0 && !(l.name > prev)) {
        throw new RangeError(`labels of series ${s.ref} are not sorted by name or repeat ${JSON.stringify(l.name)}`);
      }
      prev = l.name;
      w.string(l.name, 'label name');
      w.string(l.value, 'label value');
    }
  }
  return w.finish();
}

/** Decodes a SERIES payload; throws WalCorruptionError when malformed. */
export function decodeSeries(payload: Uint8Array): RefSeries[] {
  const r = new ByteReader(payload, 'series record');
  const count = r.uvarint();
  // Each entry takes at least 3 bytes: bounds the array before trusting the count.
  if (count * 3 > r.remaining) r.fail(`count ${count} does not fit the payload`);
  const out: RefSeries[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const ref = r.uvarint();
    const tenant = r.string();
    const nl = r.uvarint();
    if (nl * 2 > r.remaining) r.fail(`label count ${nl} does not fit the payload`);
    const labels: { name: string; value: string }[] = new Array(nl);
    let prev = '';
    for (let j = 0; j < nl; j++) {
      const name = r.string();
      if (j > 0 && !(name > prev)) r.fail('labels are not sorted by name or repeat a name');
      prev = name;
      labels[j] = { name, value: r.string() };
    }
    out[i] = { ref, tenant, labels };
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the last entry`);
  return out;
}

// ---- SAMPLES ----

/** Decoded samples as parallel arrays (may be longer than `n`): no object per sample. */
export interface SampleBatch {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

/** Timestamps as zigzag varint deltas to the first timestamp. */
const TS_DELTA = 0;
/** Timestamps as int64: used when a delta would not be a safe integer. */
const TS_INT64 = 1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Encodes a SAMPLES payload from parallel arrays: entries [from, from + n) of refs (integers in
 * [0, 2^53)), timestamps (safe integers, ms) and values (any float64; pass a Float64Array to
 * keep NaN payloads such as staleness markers bit-exact — plain arrays quiet signalling NaNs).
 * `from` instead of subarray() views: three views per record cost more than encoding a few samples.
 * @example encodeSamples(Float64Array.of(1, 2), [1000, 1000], Float64Array.of(0.5, NaN), 2)
 */
export function encodeSamples(refs: ArrayLike<number>, ts: ArrayLike<number>, vs: ArrayLike<number>, n: number, from = 0): Buffer {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(from) && from >= 0)) {
    throw new RangeError(`sample count ${n} from ${from} is not a pair of non-negative integers`);
  }
  const to = from + n;
  if (to > refs.length || to > ts.length || to > vs.length) {
    throw new RangeError(`samples [${from}, ${to}) do not fit the arrays' length`);
  }
  const base = n > 0 ? ts[from]! : 0;
  let enc = TS_DELTA;
  for (let i = from; i < to; i++) {
    const t = ts[i]!;
    if (!Number.isSafeInteger(t)) throw new RangeError(`timestamp ${t} is not a safe integer`);
    const d = t - base;
    // Exact whenever |d| < 2^53; larger (rounded) deltas are caught here all the same.
    if (d > MAX_SAFE || d < -MAX_SAFE) enc = TS_INT64;
  }
  const w = writer;
  w.reset();
  w.u8(enc);
  w.uvarint(n);
  if (enc === TS_DELTA && n > 0) w.varint(base);
  w.uvarintRun(refs, from, to);
  if (enc === TS_DELTA) w.varintRun(ts, from, to, base);
  else for (let i = from; i < to; i++) w.i64(ts[i]!);
  if (LITTLE_ENDIAN && vs instanceof Float64Array) {
    // A few values are copied through a scratch: a byte view per record costs more than that
    // for a small request's samples, and pays only for longer runs.
    if (n <= 16) w.f64sOf(vs, from, to);
    else w.bytes(new Uint8Array(vs.buffer, vs.byteOffset + from * 8, n * 8));
  } else {
    for (let i = from; i < to; i++) w.f64(vs[i]!);
  }
  return w.finish();
}

/**
 * Decodes a SAMPLES payload into `into`'s arrays when they are large enough (else into new
 * ones) and returns the batch; throws WalCorruptionError when malformed.
 */
export function decodeSamples(payload: Uint8Array, into?: SampleBatch): SampleBatch {
  const r = new ByteReader(payload, 'samples record');
  const enc = r.u8();
  if (enc !== TS_DELTA && enc !== TS_INT64) r.fail(`unknown timestamp encoding ${enc}`);
  const n = r.uvarint();
  // Smallest sample: 1-byte ref, 1-byte (or 8-byte) timestamp, 8-byte value.
  if (n * (enc === TS_DELTA ? 10 : 17) > r.remaining) r.fail(`sample count ${n} does not fit the payload`);
  let out = into;
  if (out === undefined || out.refs.length < n || out.ts.length < n || out.vs.length < n) {
    out = { refs: new Float64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), n };
  }
  const { refs, ts, vs } = out;
  const base = enc === TS_DELTA && n > 0 ? r.varint() : 0;
  for (let i = 0; i < n; i++) refs[i] = r.uvarint();
  if (enc === TS_DELTA) {
    for (let i = 0; i < n; i++) {
      const t = base + r.varint();
      if (t > MAX_SAFE || t < -MAX_SAFE) r.fail('timestamp is outside ±(2^53 - 1)');
      ts[i] = t;
    }
  } else {
    for (let i = 0; i < n; i++) ts[i] = r.i64();
  }
  r.need(n * 8);
  if (LITTLE_ENDIAN) {
    // Byte copy: NaN payloads survive untouched.
    new Uint8Array(vs.buffer, vs.byteOffset, n * 8).set(r.buf.subarray(r.pos, r.pos + n * 8));
  } else {
    for (let i = 0; i < n; i++) vs[i] = r.view.getFloat64(r.pos + i * 8, true);
  }
  r.pos += n * 8;
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the last sample`);
  out.n = n;
  return out;
}

// ---- METADATA ----

/** Metadata of one metric name of one tenant. `type` is kept as written. */
export interface RefMetadata {
  readonly tenant: string;
  readonly metricName: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

/** Encodes a METADATA payload. */
export function encodeMetadata(entries: readonly RefMetadata[]): Buffer {
  const w = writer;
  w.reset();
  w.uvarint(entries.length);
  for (const m of entries) {
    w.string(m.tenant, 'tenant');
    w.string(m.metricName, 'metric name');
    w.string(m.type, 'metric type');
    w.string(m.help, 'help text');
    w.string(m.unit, 'unit');
  }
  return w.finish();
}

/** Decodes a METADATA payload; throws WalCorruptionError when malformed. */
export function decodeMetadata(payload: Uint8Array): RefMetadata[] {
  const r = new ByteReader(payload, 'metadata record');
  const count = r.uvarint();
  if (count * 5 > r.remaining) r.fail(`count ${count} does not fit the payload`);
  const out: RefMetadata[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const tenant = r.string();
    const metricName = r.string();
    const type = r.string();
    const help = r.string();
    out[i] = { tenant, metricName, type, help, unit: r.string() };
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the last entry`);
  return out;
}

// ---- CHUNKS (checkpoints) ----

/** One head chunk as a checkpoint stores it: its time range, sample count and encoded bytes (XOR or decimal varint). */
export interface RefChunk {
  readonly minT: number;
  readonly maxT: number;
  readonly count: number;
  readonly data: Uint8Array;
}

/** The head chunks of one series. */
export interface RefChunks {
  readonly ref: number;
  readonly chunks: readonly RefChunk[];
}

/** Encodes a CHUNKS payload. */
export function encodeChunks(entries: readonly RefChunks[]): Buffer {
  const w = writer;
  w.reset();
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.ref);
    w.uvarint(e.chunks.length);
    for (const c of e.chunks) {
      w.varint(c.minT);
      w.uvarint(c.maxT - c.minT);
      w.uvarint(c.count);
      w.uvarint(c.data.length);
      w.bytes(c.data);
    }
  }
  return w.finish();
}

/** Decodes a CHUNKS payload (chunk bytes are copied out); throws WalCorruptionError when malformed. */
export function decodeChunks(payload: Uint8Array): RefChunks[] {
  const r = new ByteReader(payload, 'chunks record');
  const count = r.uvarint();
  if (count * 2 > r.remaining) r.fail(`count ${count} does not fit the payload`);
  const out: RefChunks[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const ref = r.uvarint();
    const n = r.uvarint();
    if (n * 4 > r.remaining) r.fail(`chunk count ${n} does not fit the payload`);
    const chunks: RefChunk[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const minT = r.varint();
      const maxT = minT + r.uvarint();
      if (maxT > MAX_SAFE) r.fail('chunk end time is outside ±(2^53 - 1)');
      const cnt = r.uvarint();
      const len = r.uvarint();
      r.need(len);
      chunks[j] = { minT, maxT, count: cnt, data: r.buf.slice(r.pos, r.pos + len) };
      r.pos += len;
    }
    out[i] = { ref, chunks };
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the last entry`);
  return out;
}

// ---- TOMBSTONES ----

/** A deleted range [mint, maxt] of one series. */
export interface RefTombstone {
  readonly ref: number;
  readonly mint: number;
  readonly maxt: number;
}

export function encodeTombstones(entries: readonly RefTombstone[]): Buffer {
  const w = writer;
  w.reset();
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.ref);
    w.varint(e.mint);
    w.varint(e.maxt);
  }
  return w.finish();
}

export function decodeTombstones(payload: Uint8Array): RefTombstone[] {
  const r = new ByteReader(payload, 'tombstones record');
  const count = r.uvarint();
  if (count * 3 > r.remaining) r.fail(`count ${count} does not fit the payload`);
  const out: RefTombstone[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { ref: r.uvarint(), mint: r.varint(), maxt: r.varint() };
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the last entry`);
  return out;
}
