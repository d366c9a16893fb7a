// Protobuf wire decoding of opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest
// straight into the columns of model.ts. Written by hand (protobufjs, which builds an object per
// field and a Long per 64-bit number, is only the tests' reference encoder).
import { DecodeError, Kind, nanosToMillis, Points, type Attribute, type OtlpMetric, type OtlpRequest, type OtlpResource, type OtlpScope } from './model.js';
import { expectWire, WireReader as Reader } from '../protobuf/wire-reader.js';

const LEN = 2;
const I64 = 1;
const VARINT = 0;

/** Nesting allowed in attribute values (arrays and key-value lists inside each other). */
const MAX_DEPTH = 16;

/** An int64 (lo/hi two's complement halves) as decimal text. */
function int64Text(lo: number, hi: number): string {
  if (hi === 0 || (hi === 0xffffffff && lo !== 0)) return String(hi === 0 ? lo : lo - 4294967296);
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** AnyValue as the string a label takes (json: as an element of an array or key-value list). */
function anyValue(r: Reader, end: number, json: boolean, depth: number): string {
  if (depth > MAX_DEPTH) throw new DecodeError(`attribute values nest deeper than ${MAX_DEPTH} levels`, r.pos);
  let out = json ? 'null' : '';
  while (r.pos < end) {
    const at = r.pos;
    const key = r.varint(end);
    const field = key >>> 3;
    const wt = key & 7;
    switch (field) {
      case 1: {
        expectWire(wt, LEN, 'AnyValue.string_value', at);
        const s = r.string(end);
        out = json ? JSON.stringify(s) : s;
        break;
      }
      case 2:
        expectWire(wt, VARINT, 'AnyValue.bool_value', at);
        out = r.varint(end) !== 0 ? 'true' : 'false';
        break;
      case 3:
        expectWire(wt, VARINT, 'AnyValue.int_value', at);
        r.varint64(end);
        out = int64Text(r.lo, r.hi);
        break;
      case 4: {
        expectWire(wt, I64, 'AnyValue.double_value', at);
        const v = r.double(end);
        out = json && !Number.isFinite(v) ? JSON.stringify(String(v)) : String(v);
        break;
      }
      case 5:
      case 6: {
        expectWire(wt, LEN, field === 5 ? 'AnyValue.array_value' : 'AnyValue.kvlist_value', at);
        const stop = r.delimited(end);
        const parts: string[] = [];
        while (r.pos < stop) {
          const at2 = r.pos;
          const k2 = r.varint(stop);
          if (k2 >>> 3 !== 1) {
            r.skip(k2 & 7, stop);
            continue;
          }
          expectWire(k2 & 7, LEN, field === 5 ? 'ArrayValue.values' : 'KeyValueList.values', at2);
          const s2 = r.delimited(stop);
          if (field === 5) parts.push(anyValue(r, s2, true, depth + 1));
          else {
            const kv = keyValue(r, s2, true, depth + 1);
            parts.push(`${JSON.stringify(kv.key)}:${kv.value}`);
          }
          if (r.pos !== s2) throw new DecodeError('embedded message overruns its length', r.pos);
        }
        out = field === 5 ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
        break;
      }
      case 7: {
        expectWire(wt, LEN, 'AnyValue.bytes_value', at);
        const s = r.bytesBase64(end);
        out = json ? JSON.stringify(s) : s;
        break;
      }
      default:
        r.skip(wt, end);
    }
  }
  return out;
}

function keyValue(r: Reader, end: number, json: boolean, depth: number): Attribute {
  let key = '';
  let value = json ? 'null' : '';
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    const field = k >>> 3;
    if (field === 1) {
      expectWire(k & 7, LEN, 'KeyValue.key', at);
      key = r.string(end);
    } else if (field === 2) {
      expectWire(k & 7, LEN, 'KeyValue.value', at);
      const stop = r.delimited(end);
      value = anyValue(r, stop, json, depth);
      if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
    } else r.skip(k & 7, end);
  }
  return { key, value };
}

/** One KeyValue field's message, appended to `out`. */
function attribute(r: Reader, end: number, out: Attribute[]): void {
  const stop = r.delimited(end);
  out.push(keyValue(r, stop, false, 0));
  if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
}

function resource(r: Reader, end: number): OtlpResource {
  const attributes: Attribute[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    if (k >>> 3 === 1) {
      expectWire(k & 7, LEN, 'Resource.attributes', at);
      attribute(r, end, attributes);
    } else r.skip(k & 7, end);
  }
  return { attributes };
}

function scope(r: Reader, end: number, s: { name: string; version: string }): void {
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    const field = k >>> 3;
    if (field === 1 || field === 2) {
      expectWire(k & 7, LEN, field === 1 ? 'InstrumentationScope.name' : 'InstrumentationScope.version', at);
      if (field === 1) s.name = r.string(end);
      else s.version = r.string(end);
    } else r.skip(k & 7, end);
  }
}

/** A NumberDataPoint (gauge, sum), a HistogramDataPoint or a SummaryDataPoint into a new row. */
function dataPoint(r: Reader, end: number, kind: Kind, p: Points): void {
  const attrs: Attribute[] = [];
  const i = p.add(attrs);
  // Field numbers differ by kind: attributes are 7 (number, summary) or 9 (histogram); flags 8 or 10.
  const attrField = kind === Kind.Histogram ? 9 : 7;
  const flagsField = kind === Kind.Histogram ? 10 : 8;
  // The attributes' bytes, while they are one run (as senders write them): the cache key of their labels.
  let runFrom = -1;
  let runTo = -1;
  let oneRun = true;
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    const field = k >>> 3;
    const wt = k & 7;
    if (field === attrField) {
      expectWire(wt, LEN, 'DataPoint.attributes', at);
      if (runFrom < 0) runFrom = at;
      else if (runTo !== at) oneRun = false;
      attribute(r, end, attrs);
      runTo = r.pos;
    } else if (field === 2 || field === 3) {
      expectWire(wt, I64, field === 2 ? 'DataPoint.start_time_unix_nano' : 'DataPoint.time_unix_nano', at);
      r.fixed64(end);
      (field === 2 ? p.start : p.time)[i] = nanosToMillis(r.lo, r.hi);
    } else if (field === flagsField) {
      expectWire(wt, VARINT, 'DataPoint.flags', at);
      p.flags[i] = r.varint(end) >>> 0;
    } else if (kind === Kind.Gauge || kind === Kind.Sum) {
      if (field === 4) {
        expectWire(wt, I64, 'NumberDataPoint.as_double', at);
        p.value[i] = r.double(end);
      } else if (field === 6) {
        expectWire(wt, I64, 'NumberDataPoint.as_int', at);
        r.fixed64(end);
        p.value[i] = (r.hi | 0) * 4294967296 + r.lo;
      } else r.skip(wt, end);
    } else if (field === 4) {
      expectWire(wt, I64, 'DataPoint.count', at);
      p.count[i] = r.uint64Fixed(end);
    } else if (field === 5) {
      expectWire(wt, I64, 'DataPoint.sum', at);
      p.value[i] = r.double(end);
      p.hasSum[i] = 1;
    } else if (kind === Kind.Histogram && (field === 6 || field === 7)) {
      // Packed (wire type 2) as senders write them, or one value per field (wire type 1).
      const counts = field === 6;
      if (wt === LEN) {
        const stop = r.delimited(end);
        if ((stop - r.pos) % 8 !== 0) throw new DecodeError('packed fixed64/double field length is not a multiple of 8', r.pos);
        while (r.pos < stop) {
          if (counts) p.pushCount(r.uint64Fixed(stop));
          else p.pushBound(r.double(stop));
        }
      } else {
        expectWire(wt, I64, counts ? 'HistogramDataPoint.bucket_counts' : 'HistogramDataPoint.explicit_bounds', at);
        if (counts) p.pushCount(r.uint64Fixed(end));
        else p.pushBound(r.double(end));
      }
      if (counts) p.bTo[i] = p.nCounts;
      else p.eTo[i] = p.nBounds;
    } else if (kind === Kind.Summary && field === 6) {
      expectWire(wt, LEN, 'SummaryDataPoint.quantile_values', at);
      const stop = r.delimited(end);
      let q = 0;
      let v = 0;
      while (r.pos < stop) {
        const at2 = r.pos;
        const k2 = r.varint(stop);
        if (k2 >>> 3 === 1 || k2 >>> 3 === 2) {
          expectWire(k2 & 7, I64, 'ValueAtQuantile', at2);
          if (k2 >>> 3 === 1) q = r.double(stop);
          else v = r.double(stop);
        } else r.skip(k2 & 7, stop);
      }
      p.pushBound(q);
      p.pushCount(v);
      p.bTo[i] = p.nCounts;
      p.eTo[i] = p.nBounds;
    } else r.skip(wt, end);
  }
  // A byte key starts with the field's tag (':' or 'J'), a key built by attributeKey with a digit: they never meet.
  if (oneRun && runFrom >= 0) p.attributeKeys[i] = r.latin1(runFrom, runTo);
}

/** Gauge / Sum / Histogram / ExponentialHistogram / Summary message of one metric. */
function metricData(r: Reader, end: number, m: OtlpMetric, p: Points): void {
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    const field = k >>> 3;
    const wt = k & 7;
    if (field === 1) {
      expectWire(wt, LEN, 'data_points', at);
      const stop = r.delimited(end);
      if (m.kind === Kind.ExponentialHistogram) {
        m.skipped++;
        r.pos = stop;
      } else dataPoint(r, stop, m.kind, p);
      if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
    } else if (field === 2 && m.kind !== Kind.Gauge && m.kind !== Kind.Summary) {
      expectWire(wt, VARINT, 'aggregation_temporality', at);
      m.temporality = r.varint(end);
    } else if (field === 3 && m.kind === Kind.Sum) {
      expectWire(wt, VARINT, 'Sum.is_monotonic', at);
      m.monotonic = r.varint(end) !== 0;
    } else r.skip(wt, end);
  }
}

function metric(r: Reader, end: number, scopeIndex: number, p: Points): OtlpMetric {
  const m: OtlpMetric = { scope: scopeIndex, name: '', description: '', unit: '', kind: Kind.None, temporality: 0, monotonic: false, from: p.n, to: p.n, skipped: 0 };
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    const field = k >>> 3;
    const wt = k & 7;
    if (field >= 1 && field <= 3) {
      expectWire(wt, LEN, 'Metric string', at);
      const s = r.string(end);
      if (field === 1) m.name = s;
      else if (field === 2) m.description = s;
      else m.unit = s;
    } else if (field === 5 || field === 7 || field === 9 || field === 10 || field === 11) {
      expectWire(wt, LEN, 'Metric.data', at);
      const stop = r.delimited(end);
      if (m.kind !== field) {
        // A oneof: the last member on the wire wins, so earlier points of another kind go.
        p.truncate(m.from);
        m.skipped = 0;
        m.temporality = 0;
        m.monotonic = false;
        m.kind = field as Kind;
      }
      metricData(r, stop, m, p);
      if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
    } else r.skip(wt, end);
  }
  m.to = p.n;
  return m;
}

/**
 * Decodes a serialized ExportMetricsServiceRequest; throws DecodeError on malformed input.
 * @example decodeProtoRequest(readFileSync('request.pb'))
 */
export function decodeProtoRequest(bytes: Uint8Array): OtlpRequest {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf);
  const resources: OtlpResource[] = [];
  const scopes: OtlpScope[] = [];
  const metrics: OtlpMetric[] = [];
  const p = new Points(Math.max(16, Math.min(1 << 16, buf.length >>> 6)));
  const end = buf.length;
  while (r.pos < end) {
    const at = r.pos;
    const k = r.varint(end);
    if (k >>> 3 !== 1) {
      r.skip(k & 7, end);
      continue;
    }
    expectWire(k & 7, LEN, 'ExportMetricsServiceRequest.resource_metrics', at);
    const rmEnd = r.delimited(end);
    const resourceIndex = resources.length;
    const res: OtlpResource = { attributes: [] };
    resources.push(res);
    while (r.pos < rmEnd) {
      const at2 = r.pos;
      const k2 = r.varint(rmEnd);
      const f2 = k2 >>> 3;
      if (f2 === 1) {
        expectWire(k2 & 7, LEN, 'ResourceMetrics.resource', at2);
        const stop = r.delimited(rmEnd);
        res.attributes.push(...resource(r, stop).attributes);
        if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
      } else if (f2 === 2) {
        expectWire(k2 & 7, LEN, 'ResourceMetrics.scope_metrics', at2);
        const smEnd = r.delimited(rmEnd);
        const s = { resource: resourceIndex, name: '', version: '' };
        const scopeIndex = scopes.length;
        scopes.push(s);
        while (r.pos < smEnd) {
          const at3 = r.pos;
          const k3 = r.varint(smEnd);
          const f3 = k3 >>> 3;
          if (f3 === 1 || f3 === 2) {
            expectWire(k3 & 7, LEN, f3 === 1 ? 'ScopeMetrics.scope' : 'ScopeMetrics.metrics', at3);
            const stop = r.delimited(smEnd);
            if (f3 === 1) scope(r, stop, s);
            else metrics.push(metric(r, stop, scopeIndex, p));
            if (r.pos !== stop) throw new DecodeError('embedded message overruns its length', r.pos);
          } else r.skip(k3 & 7, smEnd);
        }
        if (r.pos !== smEnd) throw new DecodeError('embedded message overruns its length', r.pos);
      } else r.skip(k2 & 7, rmEnd);
    }
    if (r.pos !== rmEnd) throw new DecodeError('embedded message overruns its length', r.pos);
  }
  return { resources, scopes, metrics, points: p };
}
