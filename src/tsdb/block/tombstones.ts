// Tombstones of a block: time ranges of series deleted through the admin API, kept beside the
// immutable files in `tombstones.json` until compaction rewrites the block without them.
// Format: {"version":1,"intervals":[{"series":[id,…],"mint":ms,"maxt":ms},…]} (inclusive range).
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockCorruptionError } from './block-error.js';

export const TOMBSTONES_FILE = 'tombstones.json';

/** Deleted [mint, maxt] ranges per series id. */
export type Tombstones = Map<number, [number, number][]>;

interface FileShape {
  version: 1;
  intervals: { series: number[]; mint: number; maxt: number }[];
}

export async function readTombstones(dir: string): Promise<Tombstones> {
  const file = join(dir, TOMBSTONES_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  let raw: FileShape;
  try {
    raw = JSON.parse(text) as FileShape;
  } catch (err) {
    throw new BlockCorruptionError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (raw.version !== 1 || !Array.isArray(raw.intervals)) throw new BlockCorruptionError(`${file}: expected version 1 with an intervals array`);
  const out: Tombstones = new Map();
  for (const iv of raw.intervals) {
    if (!Array.isArray(iv.series) || !Number.isSafeInteger(iv.mint) || !Number.isSafeInteger(iv.maxt)) {
      throw new BlockCorruptionError(`${file}: malformed interval ${JSON.stringify(iv)}`);
    }
    for (const id of iv.series) addInterval(out, id, iv.mint, iv.maxt);
  }
  return out;
}

export function addInterval(t: Tombstones, id: number, mint: number, maxt: number): void {
  let list = t.get(id);
  if (list === undefined) t.set(id, (list = []));
  list.push([mint, maxt]);
}

/** Writes the whole set atomically (temporary file, fsync, rename). */
export async function writeTombstones(dir: string, t: Tombstones): Promise<void> {
  const byRange = new Map<string, { series: number[]; mint: number; maxt: number }>();
  for (const [id, list] of t) {
    for (const [mint, maxt] of list) {
      const k = `${mint}:${maxt}`;
      let e = byRange.get(k);
      if (e === undefined) byRange.set(k, (e = { series: [], mint, maxt }));
      e.series.push(id);
    }
  }
  const body: FileShape = { version: 1, intervals: [...byRange.values()] };
  const file = join(dir, TOMBSTONES_FILE);
  const fh = await open(file + '.tmp', 'w');
  try {
    await fh.writeFile(JSON.stringify(body) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(file + '.tmp', file);
}

/** Whether t lies in one of the intervals. */
export function isDeleted(list: readonly [number, number][] | undefined, t: number): boolean {
  if (list === undefined) return false;
  for (const [a, b] of list) if (t >= a && t <= b) return true;
  return false;
}
