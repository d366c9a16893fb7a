// Shared by the engine's tests: a temp-dir Tsdb, and reading everything back as plain maps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillSamples, Matcher, type Labels, type SampleIterator } from '../storage/index.js';
import { Tsdb, type TsdbOptions } from './db.js';

export const silentLogger = { info() {}, warn() {}, error() {} };

export function tempDataDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ms-tsdb-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openDb(dir: string, extra: Partial<TsdbOptions> = {}): Promise<Tsdb> {
  const db = Tsdb.open({
    dir,
    fsync: 'never',
    fsyncIntervalMs: 1000,
    segmentBytes: 1 << 20,
    logger: silentLogger,
    maintenanceIntervalMs: 0,
    ...extra,
  });
  await db.start();
  return db;
}

export function seriesKey(labels: Labels): string {
  return labels.map((l) => `${l.name}=${l.value}`).join(',');
}

/**
 * Reads an iterator to its end as a query loads it: bulk fills into small arrays (so most stop
 * with the arrays full) alternating with single next() calls, which must pick up where a fill stopped.
 */
function drainMixed(it: SampleIterator, out: [number, number][]): void {
  const ts = new Float64Array(5);
  const vs = new Float64Array(5);
  for (let round = 0; ; round++) {
    const n = fillSamples(it, ts.subarray(0, 1 + (round % 5)), vs.subarray(0, 1 + (round % 5)), 0);
    for (let i = 0; i < n; i++) out.push([ts[i]!, vs[i]!]);
    if (n < 1 + (round % 5)) return;
    if (!it.next()) return;
    out.push([it.atT(), it.atV()]);
  }
}

/** Every sample of a tenant in [mint, maxt], by series key, as [t, v] pairs in order (`bulk`: read through fillSamples). */
export function readAll(db: Tsdb, tenant: string, mint = -8.64e15, maxt = 8.64e15, bulk = false): Map<string, [number, number][]> {
  const q = db.querier(tenant, mint, maxt);
  const out = new Map<string, [number, number][]>();
  try {
    let prev: Labels | null = null;
    for (const s of q.select([new Matcher('=~', '__name__', '.+')])) {
      if (prev !== null && seriesKey(prev) === seriesKey(s.labels)) throw new Error(`series ${seriesKey(s.labels)} returned twice`);
      prev = s.labels;
      const it = s.iterator();
      const samples: [number, number][] = [];
      if (bulk) drainMixed(it, samples);
      else while (it.next()) samples.push([it.atT(), it.atV()]);
      if (samples.length > 0) out.set(seriesKey(s.labels), samples);
    }
  } finally {
    q.close();
  }
  return out;
}
