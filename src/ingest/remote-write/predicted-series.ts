// Remote write's common case read in one go: a TimeSeries of a series the label cache holds,
// followed by one sample written as senders write it. Most are the series the cache predicts
// (the one that followed the previous series last time: senders resend their series in the same
// order every interval): their labels are one byte compare against the cached key, without
// walking the label fields; others are looked up by hash. No per-series object is made and the
// sample is read in place. Anything else (a series not cached, more samples, exemplars, fields in
// another order, a refused timestamp, metadata) stops the read there and the general decoder
// (write-request.ts + parse.ts) takes the rest of the message, which gives the same answer
// (predicted-series.test.ts holds the two to each other).
import type { Label } from '../../storage/index.js';
import type { BytesCache } from '../bytes-cache.js';
import type { SeriesRef } from '../series-batch.js';
import { checkTimestamp, type ValidationLimits } from '../validate.js';
import { SampleColumns } from './write-request.js';

/** A cached series: its checked labels, and its storage reference once appended (see SeriesRef). */
export interface CachedSeries extends SeriesRef {
  readonly labels: Label[];
}

/**
 * Where the one-go read puts what it takes: the batch's series so far and its sample columns
 * (`n` samples taken; as many TimeSeries, one sample each).
 */
export class PredictedOut extends SampleColumns {
  readonly labels: Label[][] = [];
  readonly refs: SeriesRef[] = [];
  /** start[k]..start[k + 1]: series k's samples in ts/vs. */
  readonly start: number[] = [0];

  /** Takes a TimeSeries of one sample. */
  take(labels: Label[], ref: SeriesRef, t: number, v: number): void {
    this.push(t, v);
    this.labels.push(labels);
    this.refs.push(ref);
    this.start.push(this.n);
  }
}

/** Protobuf tags: WriteRequest.timeseries, TimeSeries.labels, TimeSeries.samples, Sample.value (fixed64), Sample.timestamp (varint). */
const TIMESERIES = 0x0a;
const LABELS = 0x0a;
const SAMPLES = 0x12;
const VALUE = 0x09;
const TIMESTAMP = 0x10;

/**
 * Takes the TimeSeries of the WriteRequest `buf` from `pos` on while each is a series the cache
 * holds (the predicted one, else found by hash) with one sample, `[0x0a len] labels [0x12 len
 * [0x09 double] [0x10 varint]]` and nothing else (value 0 may be left out, as proto3 encoders
 * do), appending them to `out`; returns where it stopped: the end of the message, or the first
 * TimeSeries it leaves for the general decoder.
 */
export function scanPredictedSeries(
  buf: Buffer,
  view: DataView,
  pos: number,
  cache: BytesCache<CachedSeries | string>,
  out: PredictedOut,
  now: number,
  limits: ValidationLimits,
): number {
  const end = buf.length;
  while (pos < end) {
    if (buf[pos] !== TIMESERIES || pos + 2 >= end) return pos;
    // The TimeSeries' length: one or two varint bytes (up to 16 KiB).
    let p = pos + 1;
    let len = buf[p++]!;
    if (len >= 0x80) {
      const b = buf[p++]!;
      if (b >= 0x80) return pos;
      len = (len & 0x7f) + b * 128;
    }
    const tsEnd = p + len;
    if (tsEnd > end) return pos;
    let e = cache.predicted();
    let labelsTo = e < 0 ? -1 : cache.matchFirstAt(e, buf, p, tsEnd);
    if (labelsTo < 0 || buf[labelsTo] !== SAMPLES) {
      // Not the predicted series (each body of a sender starts where another body left the
      // prediction): find where its label fields end and look it up by hash.
      labelsTo = p;
      while (labelsTo < tsEnd && buf[labelsTo] === LABELS) {
        const n = buf[labelsTo + 1]!;
        if (n >= 0x80) return pos;
        labelsTo += 2 + n;
      }
      if (labelsTo === p || labelsTo >= tsEnd || buf[labelsTo] !== SAMPLES) return pos;
      e = cache.find(buf, p, labelsTo, labelsTo, labelsTo);
      if (e < 0) return pos;
    }
    if (labelsTo + 2 > tsEnd) return pos;
    // The one Sample: its length (one byte) ends the TimeSeries.
    let q = labelsTo + 2;
    if (q + buf[labelsTo + 1]! !== tsEnd) return pos;
    let v = 0;
    if (buf[q] === VALUE) {
      if (q + 9 > tsEnd) return pos;
      v = view.getFloat64(q + 1, true);
      q += 9;
    }
    let t = 0;
    if (q < tsEnd) {
      if (buf[q++] !== TIMESTAMP) return pos;
      // A varint of at most 7 bytes (times below 2^49 ms; negative ones take 10 and go the long way).
      let mul = 1;
      let k = 0;
      for (;;) {
        if (q >= tsEnd || k === 7) return pos;
        const b = buf[q++]!;
        t += (b & 0x7f) * mul;
        k++;
        if (b < 0x80) break;
        mul *= 128;
      }
    }
    if (q !== tsEnd) return pos;
    const known = cache.value(e);
    // A cached problem, or a time the checks refuse: the general decoder reports it.
    if (typeof known === 'string' || checkTimestamp(t, now, limits) !== null) return pos;
    cache.hit(e);
    out.take(known.labels, known, t, v);
    pos = tsEnd;
  }
  return pos;
}
