// StatsD names to Prometheus names, as statsd_exporter escapes them: every byte outside
// [a-zA-Z0-9_] becomes `_` (so `.` and `-` become `_`, and a non-ASCII character one `_` per
// UTF-8 byte), and a leading digit gets a `_` in front.

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Escapes a StatsD metric name or tag key to a Prometheus name.
 * @example escapeName('api.request-time') // 'api_request_time'
 */
export function escapeName(raw: string): string {
  let i = 0;
  while (i < raw.length && isNameChar(raw.charCodeAt(i))) i++;
  const first = raw.charCodeAt(0);
  const leadingDigit = first >= 48 && first <= 57;
  if (i === raw.length && !leadingDigit) return raw;
  let out = (leadingDigit ? '_' : '') + raw.slice(0, i);
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (isNameChar(c)) {
      out += raw[i];
    } else if (c < 0x80) {
      out += '_';
    } else if (c < 0x800) {
      out += '__';
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < raw.length && (raw.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += '____'; // a surrogate pair: one 4-byte UTF-8 character
      i++;
    } else {
      out += '___';
    }
  }
  return out;
}
