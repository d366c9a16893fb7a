// The contract between a protocol's decoder and the decode stage: a decoder is a pure function
// from request bytes to a SampleBatch (or a refusal), registered under its protocol's name, so
// the same function runs on the main thread or in a decode worker.
import type { MetricType } from '../../storage/index.js';
import type { SampleBatch } from '../series-batch.js';
import type { ValidationLimits } from '../validate.js';

/** What a decoder knows besides the bytes. Plain data: it is posted to workers. */
export interface DecodeContext {
  /** Server time (ms) the request was received at. */
  readonly now: number;
  /** Per-request parameters of the protocol (e.g. Influx `precision`, `db`; import `firstLine`). */
  readonly params: Readonly<Record<string, string>>;
}

/** What stays the same for every request of a node (sent to each worker once). */
export interface DecodeSettings {
  readonly limits: ValidationLimits;
  /** Largest decompressed body. */
  readonly maxBytes: number;
  /** Metrics allowed in one POST /metrics request. */
  readonly maxMetrics: number;
}

/** Per-batch data a handler needs besides the samples; structured-cloneable. */
export interface DecodeExtra {
  /** Metadata per metric name found in the request: name, type, help and unit (undefined: keep what is stored). */
  readonly metadata?: ReadonlyArray<readonly [string, MetricType, string | undefined, string | undefined]>;
  /** Per entry: the 1-based line it came from (line-based protocols). */
  readonly lineOf?: Uint32Array;
  /** Protocol-specific counts and lists (e.g. Influx's refused lines), structured-cloneable. */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** A request the decoder refused, as the HTTP answer should say it. */
export interface DecodeRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: readonly object[];
  /** Protocol-specific counts (e.g. import's bad and total lines), structured-cloneable. */
  readonly info?: Readonly<Record<string, unknown>>;
}

export type Decoded =
  | { readonly ok: true; readonly batch: SampleBatch; readonly extra: DecodeExtra }
  | { readonly ok: false; readonly refusal: DecodeRefusal };

/** A protocol's decode function. Must not keep `bytes` after returning. */
export type Decoder = (bytes: Uint8Array, ctx: DecodeContext, settings: DecodeSettings) => Decoded;
