// Wire formats `metricstream bench` can send. Each encodes a batch of series once, before the
// clock starts, into a template whose timestamps (if the format carries them) are patched in
// place at send time. A new protocol is one more entry. StatsD's go over UDP or TCP instead of
// HTTP (statsd-load.ts runs them).
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
  /** Bytes writeTime writes (default TS_WIDTH). */
  readonly timeWidth?: number;
}

export interface Protocol {
  readonly name: string;
  /** StatsD's: sent to the StatsD listener over this transport, not over HTTP (path and contentType unused). */
  readonly transport?: 'udp' | 'tcp';
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

/** Influx line protocol (POST /write, millisecond precision), one sample per line. */
const influx: Protocol = {
  name: 'influx',
  path: '/write?precision=ms',
  contentType: 'text/plain; charset=utf-8',
  timestamped: true,
  encode(batch) {
    const parts: string[] = [];
    const offsets = new Int32Array(batch.length);
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      let head = s.name;
      for (const k of Object.keys(s.tags).sort()) head += `,${k}=${s.tags[k]!.replace(/[ ,=\\]/g, '\\$&')}`;
      head += ` value=${s.value} `;
      offsets[i] = bytes + Buffer.byteLength(head);
      const line = `${head}${TS_PLACEHOLDER}\n`;
      bytes += Buffer.byteLength(line);
      parts.push(line);
    }
    return { body: Buffer.from(parts.join('')), samples: batch.length, tsOffsets: offsets };
  },
};

/** Bytes of a protobuf varint holding a millisecond time from 2^35 (1971) to 2^42 (2109). */
const TS_VARINT_WIDTH = 6;

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function lengthDelimited(out: number[], field: number, body: number[]): void {
  out.push((field << 3) | 2);
  varint(out, body.length);
  for (const b of body) out.push(b);
}

/**
 * Prometheus remote write 1.0: a protobuf WriteRequest, one TimeSeries per sample, in a snappy
 * block made of one literal (valid snappy that any decoder takes, but not compressed), so that the
 * timestamps can be patched in place; the server's snappy step is then a copy.
 */
const remoteWrite: Protocol = {
  name: 'remote-write',
  path: '/api/v1/write',
  contentType: 'application/x-protobuf',
  timestamped: true,
  encode(batch) {
    const raw: number[] = [];
    const rawOffsets: number[] = [];
    const utf8 = (x: string) => [...Buffer.from(x)];
    for (const s of batch) {
      const ts: number[] = [];
      const labels = [['__name__', s.name], ...Object.entries(s.tags)].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
      for (const [n, v] of labels) {
        const l: number[] = [];
        lengthDelimited(l, 1, utf8(n!));
        lengthDelimited(l, 2, utf8(v!));
        lengthDelimited(ts, 1, l);
      }
      const sample: number[] = [(1 << 3) | 1, ...new Uint8Array(new Float64Array([s.value]).buffer), (2 << 3) | 0];
      const tsAt = sample.length;
      for (let i = 0; i < TS_VARINT_WIDTH; i++) sample.push(0);
      lengthDelimited(ts, 2, sample);
      // The timestamp's place inside this TimeSeries: after its tag and length, then the sample's bytes up to it.
      const sampleStart = ts.length - sample.length;
      const tsHeader: number[] = [];
      varint(tsHeader, ts.length);
      rawOffsets.push(raw.length + 1 + tsHeader.length + sampleStart + tsAt);
      lengthDelimited(raw, 1, ts);
    }
    // Snappy block: the uncompressed length, then one literal (tag 0xfc: a 4-byte length - 1 follows).
    const head: number[] = [];
    varint(head, raw.length);
    head.push(0xfc, (raw.length - 1) & 0xff, ((raw.length - 1) >>> 8) & 0xff, ((raw.length - 1) >>> 16) & 0xff, ((raw.length - 1) >>> 24) & 0xff);
    const body = Buffer.from([...head, ...raw]);
    return { body, samples: batch.length, tsOffsets: Int32Array.from(rawOffsets, (o) => o + head.length), writeTime: writeTimestampVarint, timeWidth: TS_VARINT_WIDTH };
  },
};

/** A DogStatsD line per sample: gauges as `name:value|g`, counters as an increment of 1 (`name:1|c`), tags as `|#k:v,...`. */
function statsdBody(batch: readonly BenchSeries[]): Template {
  let text = '';
  for (const s of batch) {
    const tags = Object.entries(s.tags).map(([k, v]) => `${k}:${v}`).join(',');
    text += `${s.name}:${s.type === 'counter' ? 1 : s.value}|${s.type === 'counter' ? 'c' : 'g'}${tags === '' ? '' : `|#${tags}`}\n`;
  }
  return { body: Buffer.from(text), samples: batch.length, tsOffsets: null };
}

/** StatsD over UDP: one datagram of --batch lines per send. */
const statsdUdp: Protocol = { name: 'statsd', transport: 'udp', path: '', contentType: '', timestamped: false, encode: statsdBody };

/** StatsD over TCP: --batch newline-terminated lines per write. */
const statsdTcp: Protocol = { name: 'statsd-tcp', transport: 'tcp', path: '', contentType: '', timestamped: false, encode: statsdBody };

export const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([json, vmImport, influx, remoteWrite, otlp, statsdUdp, statsdTcp].map((p) => [p.name, p]));
export const PROTOCOL_NAMES: readonly string[] = [...PROTOCOLS.keys()];

/** Writes `ts` as a 6-byte protobuf varint at `offset` (2^35 <= ts < 2^42). */
export function writeTimestampVarint(body: Buffer, offset: number, ts: number): void {
  let v = ts;
  for (let i = 0; i < TS_VARINT_WIDTH - 1; i++) {
    body[offset + i] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  body[offset + TS_VARINT_WIDTH - 1] = v;
}

/** Writes `ts` as TS_WIDTH ASCII digits at `offset` (ts must have exactly that many digits). */
export function writeTimestamp(body: Buffer, offset: number, ts: number): void {
  let v = ts;
  for (let i = offset + TS_WIDTH - 1; i >= offset; i--) {
    body[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}
