// The head's whole state as checkpoint records: SERIES and CHUNKS per batch of series, then one
// METADATA record. Built synchronously so that it is one consistent moment of the head.
import type { CheckpointRecord } from './checkpoint.js';
import type { Head } from './head.js';
import {
  RECORD_CHUNKS,
  RECORD_METADATA,
  RECORD_SAMPLES,
  RECORD_SERIES,
  encodeChunks,
  encodeMetadata,
  encodeSamples,
  encodeSeries,
  type RefChunk,
  type RefChunks,
  type RefMetadata,
  type RefSeries,
} from './wal/index.js';

/** Series per record. */
const BATCH = 1000;

export function headCheckpointRecords(head: Head): CheckpointRecord[] {
  const out: CheckpointRecord[] = [];
  const meta: RefMetadata[] = [];
  for (const tenant of head.tenantNames()) {
    const th = head.existingTenant(tenant)!;
    const refs = th.postings.all;
    for (let from = 0; from < refs.length; from += BATCH) {
      const series: RefSeries[] = [];
      const chunks: RefChunks[] = [];
      // Late (out-of-order) samples follow as a SAMPLES record: replay puts them back as late.
      // Values stay in Float64Arrays: a plain array may canonicalise NaN payloads (staleness markers).
      const lateRefs: number[] = [];
      const lateTs: number[] = [];
      const lateVs: Float64Array[] = [];
      for (let i = from; i < Math.min(refs.length, from + BATCH); i++) {
        const s = head.byRefOf(refs[i]!);
        // A series an appender made but no commit stored yet is not in the WAL either.
        if (s === undefined || !s.logged) continue;
        series.push({ ref: s.ref, tenant, labels: s.labels });
        const cs: RefChunk[] = [];
        for (let c = 0; c < s.chunks.length; c++) {
          cs.push({ minT: s.chunkMinT[c]!, maxT: s.chunkMaxT[c]!, count: s.chunkCount[c]!, data: s.chunks[c]! });
        }
        if (s.openCount > 0) cs.push({ minT: s.openMinT, maxT: s.openMaxT, count: s.openCount, data: s.openBytes() });
        if (cs.length > 0) chunks.push({ ref: s.ref, chunks: cs });
        if (s.ooo !== null) {
          const late = s.ooo.slice(-Infinity, Infinity);
          for (let j = 0; j < late.ts.length; j++) {
            lateRefs.push(s.ref);
            lateTs.push(late.ts[j]!);
          }
          lateVs.push(late.vs);
        }
      }
      if (series.length > 0) out.push({ type: RECORD_SERIES, payload: encodeSeries(series) });
      if (chunks.length > 0) out.push({ type: RECORD_CHUNKS, payload: encodeChunks(chunks) });
      if (lateRefs.length > 0) {
        const vs = new Float64Array(lateRefs.length);
        let k = 0;
        for (const part of lateVs) {
          vs.set(part, k);
          k += part.length;
        }
        out.push({ type: RECORD_SAMPLES, payload: encodeSamples(lateRefs, lateTs, vs, lateRefs.length) });
      }
    }
    for (const [metricName, m] of th.metadata) meta.push({ tenant, metricName, type: m.type, help: m.help, unit: m.unit });
  }
  if (meta.length > 0) out.push({ type: RECORD_METADATA, payload: encodeMetadata(meta) });
  return out;
}
