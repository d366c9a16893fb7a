// Parsers for the human units used in flags and the config file: durations and byte sizes.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * Parses a Prometheus-style duration ("1s", "10m", "1h30m", "15d", "100y", "0") to milliseconds.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) {
    throw new RangeError(`invalid duration "${text}": use a number and a unit (ms, s, m, h, d, w, y), e.g. 10s or 1h30m`);
  }
  return Math.round(total);
}

/** Formats milliseconds as the shortest duration string parseDuration reads back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = ms;
  let out = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const size = DURATION_UNITS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Parses a byte size ("10MiB", "512KB", "1048576") to bytes.
 * @example parseBytes('10MiB') // 10485760
 */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`invalid size "${text}": use a number and an optional unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 10MiB`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Formats bytes with the largest binary unit that divides them exactly. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}
