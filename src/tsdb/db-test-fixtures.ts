// Shared by the engine's tests: a temp-dir Tsdb, and reading everything back as plain maps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matcher, type Labels } from '../storage/index.js';
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

/** Every sample of a tenant in [mint, maxt], by series key, as [t, v] pairs in order. */
export function readAll(db: Tsdb, tenant: string, mint = -8.64e15, maxt = 8.64e15): Map<string, [number, number][]> {
  const q = db.querier(tenant, mint, maxt);
  const out = new Map<string, [number, number][]>();
  try {
    let prev: Labels | null = null;
    for (const s of q.select([new Matcher('=~', '__name__', '.+')])) {
      if (prev !== null && seriesKey(prev) === seriesKey(s.labels)) throw new Error(`series ${seriesKey(s.labels)} returned twice`);
      prev = s.labels;
      const it = s.iterator();
      const samples: [number, number][] = [];
      while (it.next()) samples.push([it.atT(), it.atV()]);
      if (samples.length > 0) out.set(seriesKey(s.labels), samples);
    }
  } finally {
    q.close();
  }
  return out;
}
