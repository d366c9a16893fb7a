// meta.json of a block: what the block covers, for whom, and how it was made.
import { BlockCorruptionError } from './block-error.js';

/** The contents of meta.json. Times in ms; `maxTime` is exclusive: the block holds [minTime, maxTime). */
export interface BlockMeta {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats: { readonly numSeries: number; readonly numChunks: number; readonly numSamples: number };
  /**
   * `fromHead`: some of the block's data was cut from the head (not only imported), so the head
   * starts at or after `maxTime` and WAL samples before it are already here.
   */
  readonly compaction: { readonly level: number; readonly sources: readonly string[]; readonly fromHead?: boolean };
  /** The one tenant whose series the block holds. */
  readonly tenant: string;
  /**
   * Set on downsampled blocks: every series carries `__aggr__` (count, sum, min, max, last,
   * counter) and holds one sample per `resolution` ms window. Absent on raw blocks.
   */
  readonly downsample?: { readonly resolution: number };
  readonly version: 1;
}

/** Serialises a meta for meta.json. */
export function encodeMeta(meta: BlockMeta): string {
  return JSON.stringify(meta, null, 2) + '\n';
}

/** Parses and validates meta.json text; throws BlockCorruptionError naming the file. */
export function decodeMeta(text: string, file: string): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BlockCorruptionError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const bad = (what: string): never => {
    throw new BlockCorruptionError(`${file}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) bad('expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (o['version'] !== 1) bad(`version is ${JSON.stringify(o['version'])}, only 1 is supported`);
  const int = (v: unknown, what: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) ? v : bad(`${what} must be a safe integer`);
  const count = (v: unknown, what: string): number => {
    const n = int(v, what);
    return n >= 0 ? n : bad(`${what} must not be negative`);
  };
  if (typeof o['ulid'] !== 'string') bad('ulid must be a string');
  if (typeof o['tenant'] !== 'string') bad('tenant must be a string');
  const minTime = int(o['minTime'], 'minTime');
  const maxTime = int(o['maxTime'], 'maxTime');
  if (maxTime < minTime) bad(`maxTime ${maxTime} is before minTime ${minTime}`);
  const stats = o['stats'];
  if (typeof stats !== 'object' || stats === null) bad('stats must be an object');
  const s = stats as Record<string, unknown>;
  const comp = o['compaction'];
  if (typeof comp !== 'object' || comp === null) bad('compaction must be an object');
  const c = comp as Record<string, unknown>;
  const sources = c['sources'];
  if (!Array.isArray(sources) || !sources.every((x) => typeof x === 'string')) {
    bad('compaction.sources must be an array of strings');
  }
  return {
    ulid: o['ulid'] as string,
    minTime,
    maxTime,
    stats: {
      numSeries: count(s['numSeries'], 'stats.numSeries'),
      numChunks: count(s['numChunks'], 'stats.numChunks'),
      numSamples: count(s['numSamples'], 'stats.numSamples'),
    },
    compaction: {
      level: count(c['level'], 'compaction.level'),
      sources: sources as string[],
      ...(c['fromHead'] === true ? { fromHead: true } : {}),
    },
    tenant: o['tenant'] as string,
    ...downsampleOf(o['downsample'], bad),
    version: 1,
  };
}

function downsampleOf(v: unknown, bad: (what: string) => never): { downsample?: { resolution: number } } {
  if (v === undefined) return {};
  const r = (v as { resolution?: unknown } | null)?.resolution;
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1) bad('downsample.resolution must be a positive integer');
  return { downsample: { resolution: r as number } };
}
