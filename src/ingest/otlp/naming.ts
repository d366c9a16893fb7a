// OTLP → Prometheus names, as the OpenTelemetry "Prometheus and OpenMetrics compatibility" spec
// and Prometheus's own OTLP receiver (with suffixes, underscore escaping) do it: metric names
// get their unit in words and `_total` / `_ratio` suffixes; attribute keys become label names.

/** UCUM-style OTLP units and the Prometheus word for each (spec: abbreviations to full words). */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  // Time
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  // Bytes
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  // SI
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  // Misc
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** The denominator of a rate unit (`By/s` → `per_second`), in the singular. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The Prometheus metric type an OTLP metric becomes, which decides its suffixes. */
export type NameKind = 'counter' | 'gauge' | 'histogram' | 'summary';

const NOT_ALNUM = /[^a-zA-Z0-9]+/;

/** Tokens of a name: runs of ASCII letters and digits (everything else separates). */
function tokens(s: string): string[] {
  const out: string[] = [];
  for (const t of s.split(NOT_ALNUM)) if (t !== '') out.push(t);
  return out;
}

/**
 * The unit as words, split into the main part and the per part (`By/s` → ['bytes', 'second']).
 * Annotations in braces (`{packet}`) are dropped: a count of things is unitless in Prometheus.
 */
export function unitWords(unit: string): { main: string; per: string } {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return { main: '', per: '' };
  const slash = bare.indexOf('/');
  const mainRaw = (slash < 0 ? bare : bare.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : bare.slice(slash + 1).trim();
  const main = UNIT_WORDS[mainRaw] ?? tokens(mainRaw).join('_');
  const per = perRaw === '' ? '' : (PER_UNIT_WORDS[perRaw] ?? tokens(perRaw).join('_'));
  return { main, per };
}

/** The Prometheus unit string stored as metadata (`By/s` → `bytes_per_second`, `1` on a gauge → `ratio`). */
export function promUnit(unit: string, kind: NameKind): string {
  if (unit.trim() === '1' && kind === 'gauge') return 'ratio';
  const { main, per } = unitWords(unit);
  if (per === '') return main;
  return main === '' ? `per_${per}` : `${main}_per_${per}`;
}

/**
 * The Prometheus metric family name of an OTLP metric (before `_bucket`/`_sum`/`_count`); ''
 * when neither the name nor the unit has a letter or digit (Prometheus refuses such a metric).
 * @example metricName('http.server.duration', 'ms', 'histogram') // 'http_server_duration_milliseconds'
 */
export function metricName(name: string, unit: string, kind: NameKind): string {
  const parts = tokens(name);
  const { main, per } = unitWords(unit);
  // The unit suffix, unless the name already holds it, comes before the type suffix.
  if (main !== '' && !parts.includes(main)) parts.push(main);
  if (per !== '' && !parts.includes(per)) parts.push('per', per);
  // The type suffix ends the name: any `total` / `ratio` word already in it moves there (as Prometheus does).
  let words = parts;
  if (kind === 'counter') words = [...words.filter((w) => w !== 'total'), 'total'];
  if (kind === 'gauge' && unit.trim() === '1') words = [...words.filter((w) => w !== 'ratio'), 'ratio'];
  let out = words.join('_');
  if (out === '') return '';
  const c = out.charCodeAt(0);
  if (c >= 48 && c <= 57) out = '_' + out;
  return out;
}

const LABEL_INVALID = /[^a-zA-Z0-9_]/g;
const UNDERSCORES = /__+/g;
const labelCache = new Map<string, string>();
const LABEL_CACHE_MAX = 16_384;

/**
 * A label name for an attribute key: invalid characters become `_`, runs of `_` one `_`
 * (spec), a leading digit gets `key_` and a leading `_` gets `key` (as Prometheus does), so an
 * attribute can never make a reserved `__` label.
 */
export function labelName(key: string): string {
  const known = labelCache.get(key);
  if (known !== undefined) return known;
  let out = key.replace(LABEL_INVALID, '_').replace(UNDERSCORES, '_');
  if (out === '' || out === '_') out = 'key_';
  else {
    const c = out.charCodeAt(0);
    if (c >= 48 && c <= 57) out = 'key_' + out;
    else if (c === 95) out = 'key' + out;
  }
  if (labelCache.size >= LABEL_CACHE_MAX) labelCache.clear();
  labelCache.set(key, out);
  return out;
}

/**
 * A float as Prometheus's OTLP translator writes `le` and `quantile` values: the shortest
 * decimal that reads back the same, never in exponent form (Go's FormatFloat(v, 'f', -1)).
 */
export function formatBound(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const s = String(v);
  if (!s.includes('e')) return s;
  const [mant, expText] = s.split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const point = mant.replace('-', '').indexOf('.');
  const intLen = (point < 0 ? mant.replace('-', '').length : point) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return neg ? '-' + out : out;
}
