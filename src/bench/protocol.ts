// Wire formats `metricstream bench` can send. Each encodes a batch of series once, before the
// clock starts, into a template whose timestamps (if the format carries them) are patched in
// place at send time. A new protocol (remote write, Influx, StatsD, OTLP) is one more entry.
import { encodeMetrics } from '../client/index.js';
import { encodeOtlpBatch } from './otlp-encode.js';

/** One generated series and the value it is sent with. */
export interface BenchSeries {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly tags: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A pre-encoded request body. */
export interface Template {
  readonly body: Buffer;
  readonly samples: number;
  /** Byte offset of each sample's 13-digit millisecond timestamp, or null when the server stamps them. */
  readonly tsOffsets: Int32Array | null;
  /** How a time is written at an offset, when not as 13 ASCII digits (writeTimestamp): e.g. OTLP's fixed64 nanoseconds. */
  readonly writeTime?: (body: Buffer, offset: number, ms: number) => void;
}

export interface Protocol {
  readonly name: string;
  readonly path: string;
  readonly contentType: string;
  /** Whether samples carry client timestamps (then a series must stay on one connection, in order). */
  readonly timestamped: boolean;
  encode(batch: readonly BenchSeries[]): Template;
}

/** Width of a millisecond timestamp until the year 2286; placeholders are this many zeros. */
export const TS_WIDTH = 13;
const TS_PLACEHOLDER = '0'.repeat(TS_WIDTH);

/** The seed's POST /metrics body; no timestamps: the node stamps the time it received them, as the seed's clients did. */
const json: Protocol = {
  name: 'json',
  path: '/metrics',
  contentType: 'application/json',
  timestamped: false,
  encode(batch) {
    // The SDK's encoder: bench and client send the very same bytes.
    const body = encodeMetrics(batch.map((s) => ({ name: s.name, value: s.value, type: s.type, tags: s.tags })));
    return { body: Buffer.from(body), samples: batch.length, tsOffsets: null };
  },
};

/** VictoriaMetrics-style JSON lines for POST /api/v1/import, one sample per line. */
const vmImport: Protocol = {
  name: 'import',
  path: '/api/v1/import',
  contentType: 'application/json',
  timestamped: true,
  encode(batch) {
    const parts: string[] = [];
    const offsets = new Int32Array(batch.length);
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      const head = `{"metric":${JSON.stringify({ __name__: s.name, ...s.tags })},"values":[${s.value}],"timestamps":[`;
      bytes += Buffer.byteLength(head);
      offsets[i] = bytes;
      const line = `${head}${TS_PLACEHOLDER}]}\n`;
      bytes += Buffer.byteLength(line) - Buffer.byteLength(head);
      parts.push(line);
    }
    return { body: Buffer.from(parts.join('')), samples: batch.length, tsOffsets: offsets };
  },
};

/** OTLP/HTTP protobuf (POST /v1/metrics): gauges and cumulative counters grouped by metric name. */
const otlp: Protocol = {
  name: 'otlp',
  path: '/v1/metrics',
  contentType: 'application/x-protobuf',
  timestamped: true,
  encode: encodeOtlpBatch,
};

export const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([json, vmImport, otlp].map((p) => [p.name, p]));
export const PROTOCOL_NAMES: readonly string[] = [...PROTOCOLS.keys()];

/** Writes `ts` as TS_WIDTH ASCII digits at `offset` (ts must have exactly that many digits). */
export function writeTimestamp(body: Buffer, offset: number, ts: number): void {
  let v = ts;
  for (let i = offset + TS_WIDTH - 1; i >= offset; i--) {
    body[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}
