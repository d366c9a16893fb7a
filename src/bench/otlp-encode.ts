// The bench's OTLP/HTTP protobuf body: one resource (service.name "metricstream-bench"), one
// scope, and per metric name one Metric (gauge, or cumulative monotonic sum for counters) whose
// data points carry the series' tags as attributes. Each point's time_unix_nano is a fixed64
// patched in place at send time (writeNanos), so the template is encoded once.

/** One series of a batch (protocol.ts's BenchSeries, restated so this file imports nothing). */
interface Series {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly tags: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A pre-encoded body (protocol.ts's Template). */
interface Encoded {
  readonly body: Buffer;
  readonly samples: number;
  readonly tsOffsets: Int32Array;
  readonly writeTime: (body: Buffer, offset: number, ms: number) => void;
  readonly timeWidth: number;
}

/** A growing protobuf writer for the few field types the body needs. */
class Writer {
  private buf = Buffer.alloc(1 << 12);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  varint(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.key(field, 2);
    this.varint(n);
    this.room(n);
    this.pos += this.buf.write(s, this.pos);
  }

  double(field: number, v: number): void {
    this.key(field, 1);
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A fixed64 field of zeros; returns the offset of its 8 bytes. */
  fixed64Placeholder(field: number): number {
    this.key(field, 1);
    this.room(8);
    this.buf.fill(0, this.pos, this.pos + 8);
    const at = this.pos;
    this.pos += 8;
    return at;
  }

  /** Writes a length-delimited field whose content `body` writes into a fresh writer (bodies are built once, before the clock starts). */
  message(field: number, body: (w: Writer) => void): void {
    const inner = new Writer();
    body(inner);
    this.key(field, 2);
    this.varint(inner.pos);
    this.room(inner.pos);
    const base = this.pos;
    inner.buf.copy(this.buf, base, 0, inner.pos);
    this.pos += inner.pos;
    for (const o of inner.offsets) this.offsets.push({ j: o.j, at: base + o.at });
  }

  /** Where each sample's time field is, relative to this writer's bytes. */
  offsets: { j: number; at: number }[] = [];

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function keyValue(w: Writer, field: number, key: string, value: string): void {
  w.message(field, (kv) => {
    kv.string(1, key);
    kv.message(2, (v) => v.string(1, value));
  });
}

const attribute = (w: Writer, key: string, value: string) => keyValue(w, 1, key, value);
const pointAttribute = (w: Writer, key: string, value: string) => keyValue(w, 7, key, value);

/** Encodes a batch as an ExportMetricsServiceRequest; tsOffsets[j] is sample j's time_unix_nano. */
export function encodeOtlpBatch(batch: readonly Series[]): Encoded {
  const byName = new Map<string, number[]>();
  batch.forEach((s, j) => {
    const list = byName.get(s.name);
    if (list === undefined) byName.set(s.name, [j]);
    else list.push(j);
  });
  const w = new Writer();
  w.message(1, (rm) => {
    rm.message(1, (res) => attribute(res, 'service.name', 'metricstream-bench'));
    rm.message(2, (sm) => {
      sm.message(1, (scope) => scope.string(1, 'metricstream-bench'));
      for (const [name, js] of byName) {
        const counter = batch[js[0]!]!.type === 'counter';
        sm.message(2, (m) => {
          m.string(1, name);
          m.message(counter ? 7 : 5, (data) => {
            for (const j of js) {
              const s = batch[j]!;
              data.message(1, (p) => {
                for (const [k, v] of Object.entries(s.tags)) pointAttribute(p, k, v);
                p.offsets.push({ j, at: p.fixed64Placeholder(3) });
                p.double(4, s.value);
              });
            }
            if (counter) {
              data.key(2, 0);
              data.varint(2); // AGGREGATION_TEMPORALITY_CUMULATIVE
              data.key(3, 0);
              data.varint(1); // is_monotonic
            }
          });
        });
      }
    });
  });
  const tsOffsets = new Int32Array(batch.length);
  for (const o of w.offsets) tsOffsets[o.j] = o.at;
  return { body: Buffer.from(w.bytes()), samples: batch.length, tsOffsets, writeTime: writeNanos, timeWidth: 8 };
}

/** Writes `ms` as nanoseconds into the fixed64 at `offset`. */
export function writeNanos(body: Buffer, offset: number, ms: number): void {
  // ms * 10^6 split exactly into 32-bit halves: ms = hi16 * 2^16 + lo16.
  const lo16 = ms % 65536;
  const hi16 = (ms - lo16) / 65536;
  const a = lo16 * 1e6; // < 2^36
  const b = hi16 * 1e6; // times 2^16
  const low = (a % 4294967296) + (b % 65536) * 65536;
  const lo = low % 4294967296;
  const hi = Math.floor(a / 4294967296) + Math.floor(b / 65536) + Math.floor(low / 4294967296);
  body.writeUInt32LE(lo, offset);
  body.writeUInt32LE(hi, offset + 4);
}
