// OTLP/JSON decoding (the protobuf JSON mapping with OTLP's rules): lowerCamelCase field names
// (the proto names are accepted too, as protobuf's JSON parsers do), 64-bit integers as decimal
// strings or numbers, enums as numbers or names, doubles as numbers or "NaN"/"Infinity", bytes
// as base64 (trace and span ids, hex in OTLP, are only in exemplars, which are not read).
// Unknown fields are ignored, null is a field's default; a field of the wrong type refuses the
// request, naming its path.
import { DecodeError, Kind, Points, type Attribute, type OtlpMetric, type OtlpRequest, type OtlpResource, type OtlpScope } from './model.js';

type Json = Record<string, unknown>;

const MAX_DEPTH = 16;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function bad(path: string, want: string, v: unknown): DecodeError {
  return new DecodeError(`${path} must be ${want}, got ${typeName(v)}`);
}

/** A field by its JSON name or its proto name; null counts as absent. */
function get(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  const w = o[snake];
  return w === null ? undefined : w;
}

function asObject(v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'an object', v);
  return v as Json;
}

/** A repeated field; null is its default (empty), as for every field in protobuf's JSON mapping. */
function asArray(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(path, 'an array', v);
  return v;
}

function asString(v: unknown, path: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw bad(path, 'a string', v);
  return v;
}

function asBool(v: unknown, path: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw bad(path, 'true or false', v);
  return v;
}

const INT_TEXT = /^-?\d+$/;

/** An int64/uint64 as a number (exact up to 2^53). */
function asInt(v: unknown, path: string, unsigned: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (unsigned && v < 0) throw bad(path, 'a non-negative integer', v);
    return v;
  }
  if (typeof v === 'string' && INT_TEXT.test(v) && !(unsigned && v.startsWith('-'))) return Number(v);
  throw bad(path, unsigned ? 'a non-negative integer (number or decimal string)' : 'an integer (number or decimal string)', v);
}

/** Nanoseconds since the epoch (fixed64, number or string) → whole milliseconds. */
function asMillis(v: unknown, path: string): number {
  if (typeof v === 'string' && INT_TEXT.test(v) && !v.startsWith('-')) {
    // Exact for any length: drop the last six digits rather than divide a rounded number.
    return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  }
  return Math.floor(asInt(v, path, true) / 1e6);
}

function asDouble(v: unknown, path: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw bad(path, 'a number (or "NaN", "Infinity", "-Infinity")', v);
}

const TEMPORALITY: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function asTemporality(v: unknown, path: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && TEMPORALITY[v] !== undefined) return TEMPORALITY[v];
  throw bad(path, 'an AggregationTemporality (number or name)', v);
}

/** AnyValue as the string a label takes (json: as an element of an array or key-value list). */
function anyValue(v: unknown, path: string, json: boolean, depth: number): string {
  if (depth > MAX_DEPTH) throw new DecodeError(`${path}: attribute values nest deeper than ${MAX_DEPTH} levels`);
  const o = asObject(v, path);
  if (o === undefined) return json ? 'null' : '';
  let x: unknown;
  if ((x = get(o, 'stringValue', 'string_value')) !== undefined) {
    const s = asString(x, `${path}.stringValue`);
    return json ? JSON.stringify(s) : s;
  }
  if ((x = get(o, 'boolValue', 'bool_value')) !== undefined) return asBool(x, `${path}.boolValue`) ? 'true' : 'false';
  if ((x = get(o, 'intValue', 'int_value')) !== undefined) {
    const p = `${path}.intValue`;
    if (typeof x === 'string' && INT_TEXT.test(x)) return BigInt.asIntN(64, BigInt(x)).toString();
    return String(asInt(x, p, false));
  }
  if ((x = get(o, 'doubleValue', 'double_value')) !== undefined) {
    const d = asDouble(x, `${path}.doubleValue`);
    return json && !Number.isFinite(d) ? JSON.stringify(String(d)) : String(d);
  }
  if ((x = get(o, 'arrayValue', 'array_value')) !== undefined) {
    const p = `${path}.arrayValue`;
    const a = asObject(x, p);
    const values = a === undefined ? [] : asArray(a['values'], `${p}.values`);
    return `[${values.map((e, i) => anyValue(e, `${p}.values[${i}]`, true, depth + 1)).join(',')}]`;
  }
  if ((x = get(o, 'kvlistValue', 'kvlist_value')) !== undefined) {
    const p = `${path}.kvlistValue`;
    const a = asObject(x, p);
    const values = a === undefined ? [] : asArray(a['values'], `${p}.values`);
    return `{${values
      .map((e, i) => {
        const kv = keyValue(e, `${p}.values[${i}]`, true, depth + 1);
        return `${JSON.stringify(kv.key)}:${kv.value}`;
      })
      .join(',')}}`;
  }
  if ((x = get(o, 'bytesValue', 'bytes_value')) !== undefined) {
    const s = asString(x, `${path}.bytesValue`);
    return json ? JSON.stringify(s) : s;
  }
  return json ? 'null' : '';
}

function keyValue(v: unknown, path: string, json: boolean, depth: number): Attribute {
  const o = asObject(v, path) ?? {};
  return { key: asString(get(o, 'key', 'key'), `${path}.key`), value: anyValue(get(o, 'value', 'value'), `${path}.value`, json, depth) };
}

function attributes(v: unknown, path: string): Attribute[] {
  const list = asArray(v, path);
  const out: Attribute[] = new Array<Attribute>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = keyValue(list[i], `${path}[${i}]`, false, 0);
  return out;
}

function dataPoint(v: unknown, path: string, kind: Kind, p: Points): void {
  const o = asObject(v, path) ?? {};
  const i = p.add(attributes(o['attributes'], `${path}.attributes`));
  let x: unknown;
  if ((x = get(o, 'startTimeUnixNano', 'start_time_unix_nano')) !== undefined) p.start[i] = asMillis(x, `${path}.startTimeUnixNano`);
  if ((x = get(o, 'timeUnixNano', 'time_unix_nano')) !== undefined) p.time[i] = asMillis(x, `${path}.timeUnixNano`);
  if ((x = o['flags']) !== undefined && x !== null) p.flags[i] = asInt(x, `${path}.flags`, true) >>> 0;
  if (kind === Kind.Gauge || kind === Kind.Sum) {
    if ((x = get(o, 'asDouble', 'as_double')) !== undefined) p.value[i] = asDouble(x, `${path}.asDouble`);
    else if ((x = get(o, 'asInt', 'as_int')) !== undefined) p.value[i] = asInt(x, `${path}.asInt`, false);
    return;
  }
  p.count[i] = asInt(o['count'] ?? undefined, `${path}.count`, true);
  if ((x = o['sum']) !== undefined && x !== null) {
    p.value[i] = asDouble(x, `${path}.sum`);
    p.hasSum[i] = 1;
  }
  if (kind === Kind.Histogram) {
    const counts = asArray(get(o, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`);
    for (let j = 0; j < counts.length; j++) p.pushCount(asInt(counts[j], `${path}.bucketCounts[${j}]`, true));
    p.bTo[i] = p.nCounts;
    const bounds = asArray(get(o, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`);
    for (let j = 0; j < bounds.length; j++) p.pushBound(asDouble(bounds[j], `${path}.explicitBounds[${j}]`));
    p.eTo[i] = p.nBounds;
  } else {
    const qs = asArray(get(o, 'quantileValues', 'quantile_values'), `${path}.quantileValues`);
    for (let j = 0; j < qs.length; j++) {
      const q = asObject(qs[j], `${path}.quantileValues[${j}]`) ?? {};
      p.pushBound(asDouble(q['quantile'] ?? undefined, `${path}.quantileValues[${j}].quantile`));
      p.pushCount(asDouble(q['value'] ?? undefined, `${path}.quantileValues[${j}].value`));
    }
    p.bTo[i] = p.nCounts;
    p.eTo[i] = p.nBounds;
  }
}

const DATA: readonly [string, string, Kind][] = [
  ['gauge', 'gauge', Kind.Gauge],
  ['sum', 'sum', Kind.Sum],
  ['histogram', 'histogram', Kind.Histogram],
  ['exponentialHistogram', 'exponential_histogram', Kind.ExponentialHistogram],
  ['summary', 'summary', Kind.Summary],
];

function metric(v: unknown, path: string, scopeIndex: number, p: Points): OtlpMetric {
  const o = asObject(v, path) ?? {};
  const m: OtlpMetric = {
    scope: scopeIndex,
    name: asString(o['name'] ?? undefined, `${path}.name`),
    description: asString(o['description'] ?? undefined, `${path}.description`),
    unit: asString(o['unit'] ?? undefined, `${path}.unit`),
    kind: Kind.None,
    temporality: 0,
    monotonic: false,
    from: p.n,
    to: p.n,
    skipped: 0,
  };
  for (const [camel, snake, kind] of DATA) {
    const x = get(o, camel, snake);
    if (x === undefined) continue;
    const dp = `${path}.${camel}`;
    const d = asObject(x, dp) ?? {};
    m.kind = kind;
    const points = asArray(get(d, 'dataPoints', 'data_points'), `${dp}.dataPoints`);
    if (kind === Kind.Sum || kind === Kind.Histogram || kind === Kind.ExponentialHistogram) {
      m.temporality = asTemporality(get(d, 'aggregationTemporality', 'aggregation_temporality'), `${dp}.aggregationTemporality`);
    }
    if (kind === Kind.Sum) m.monotonic = asBool(get(d, 'isMonotonic', 'is_monotonic'), `${dp}.isMonotonic`);
    if (kind === Kind.ExponentialHistogram) m.skipped = points.length;
    else for (let i = 0; i < points.length; i++) dataPoint(points[i], `${dp}.dataPoints[${i}]`, kind, p);
    break;
  }
  m.to = p.n;
  return m;
}

/**
 * Decodes an OTLP/JSON ExportMetricsServiceRequest; throws DecodeError naming what is wrong.
 * @example decodeJsonRequest(Buffer.from('{"resourceMetrics":[]}'))
 */
export function decodeJsonRequest(body: Buffer): OtlpRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new DecodeError(`request body is not valid JSON: ${(e as Error).message}`);
  }
  const root = asObject(doc, 'request');
  if (root === undefined) throw bad('request', 'an ExportMetricsServiceRequest object', doc);
  const resources: OtlpResource[] = [];
  const scopes: OtlpScope[] = [];
  const metrics: OtlpMetric[] = [];
  const p = new Points();
  const rms = asArray(get(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics');
  for (let r = 0; r < rms.length; r++) {
    const rp = `resourceMetrics[${r}]`;
    const rm = asObject(rms[r], rp) ?? {};
    const res = asObject(rm['resource'] ?? undefined, `${rp}.resource`);
    const resourceIndex = resources.length;
    resources.push({ attributes: res === undefined ? [] : attributes(res['attributes'], `${rp}.resource.attributes`) });
    const sms = asArray(get(rm, 'scopeMetrics', 'scope_metrics'), `${rp}.scopeMetrics`);
    for (let s = 0; s < sms.length; s++) {
      const sp = `${rp}.scopeMetrics[${s}]`;
      const sm = asObject(sms[s], sp) ?? {};
      const sc = asObject(sm['scope'] ?? undefined, `${sp}.scope`) ?? {};
      const scopeIndex = scopes.length;
      scopes.push({ resource: resourceIndex, name: asString(sc['name'] ?? undefined, `${sp}.scope.name`), version: asString(sc['version'] ?? undefined, `${sp}.scope.version`) });
      const ms = asArray(sm['metrics'] ?? undefined, `${sp}.metrics`);
      for (let k = 0; k < ms.length; k++) metrics.push(metric(ms[k], `${sp}.metrics[${k}]`, scopeIndex, p));
    }
  }
  return { resources, scopes, metrics, points: p };
}
