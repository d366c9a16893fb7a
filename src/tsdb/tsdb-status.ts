// /api/v1/status/tsdb's numbers, as Prometheus computes them from its head: counts and the top
// label names and pairs by cardinality. Also the blocks on disk (a MetricStream addition).
import type { BlockEntry } from './block-set.js';
import type { Head } from './head.js';

export interface NameValue {
  readonly name: string;
  readonly value: number;
}

export interface TsdbStatus {
  readonly headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  readonly seriesCountByMetricName: NameValue[];
  readonly labelValueCountByLabelName: NameValue[];
  readonly memoryInBytesByLabelName: NameValue[];
  readonly seriesCountByLabelValuePair: NameValue[];
  readonly blocks: { ulid: string; minTime: number; maxTime: number; numSeries: number; numSamples: number; level: number; bytes: number; resolution: number }[];
}

function top(entries: NameValue[], limit: number): NameValue[] {
  entries.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.slice(0, limit);
}

export function tsdbStatus(head: Head, blocks: readonly BlockEntry[], tenant: string, limit: number): TsdbStatus {
  const th = head.existingTenant(tenant);
  const byMetric: NameValue[] = [];
  const valueCount: NameValue[] = [];
  const memory: NameValue[] = [];
  const pairs: NameValue[] = [];
  let numLabelPairs = 0;
  let numSeries = 0;
  let chunkCount = 0;
  if (th !== undefined) {
    for (const [name, values] of th.postings.entries()) {
      let bytes = 0;
      for (const [value, refs] of values) {
        numLabelPairs++;
        // Prometheus counts the bytes of every value once per series holding it.
        bytes += Buffer.byteLength(value) * refs.length;
        if (name === '__name__') byMetric.push({ name: value, value: refs.length });
        pairs.push({ name: `${name}=${value}`, value: refs.length });
      }
      valueCount.push({ name, value: values.size });
      memory.push({ name, value: bytes });
    }
    for (const ref of th.postings.all) {
      const s = head.byRefOf(ref);
      if (s === undefined) continue;
      numSeries++;
      chunkCount += s.chunks.length + (s.openCount > 0 ? 1 : 0);
    }
  }
  const finite = (x: number, dflt: number) => (Number.isFinite(x) ? x : dflt);
  const minTime = th === undefined ? 0 : finite(Math.max(th.minT, th.readMinT), 0);
  return {
    headStats: { numSeries, numLabelPairs, chunkCount, minTime, maxTime: th === undefined ? 0 : finite(th.maxT, 0) },
    seriesCountByMetricName: top(byMetric, limit),
    labelValueCountByLabelName: top(valueCount, limit),
    memoryInBytesByLabelName: top(memory, limit),
    seriesCountByLabelValuePair: top(pairs, limit),
    blocks: blocks.map((e) => ({
      ulid: e.meta.ulid,
      minTime: e.meta.minTime,
      maxTime: e.meta.maxTime,
      numSeries: e.meta.stats.numSeries,
      numSamples: e.meta.stats.numSamples,
      level: e.meta.compaction.level,
      bytes: e.reader.bytes,
      resolution: e.meta.downsample?.resolution ?? 0,
    })),
  };
}
