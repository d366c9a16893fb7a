// Size and speed figures of blocks: run
// `npm run build && node --expose-gc --max-old-space-size=6000 dist/bench/block-index.js [series...]`.
// Prints figures, asserts nothing.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Matcher, labelsFromRecord } from '../src/storage/index.js';
import { BlockReader } from '../src/tsdb/block/index.js';
import { writeBlock, type BlockSeriesInput } from '../src/tsdb/block/index.js';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1', 'ap-east-1', 'sa-east-1', 'af-south-1', 'me-south-1', 'ca-central-1'];
const UNITS = ['percent', 'bytes', 'seconds', 'requests'];
const DATA = Uint8Array.from({ length: 150 }, (_, i) => (i * 7) & 0xff);

// 100 metric names x 1000 hosts x 10 regions: at most 1,000,000 distinct series of 4 labels.
function* makeSeries(n: number): Generator<BlockSeriesInput> {
  for (let i = 0; i < n; i++) {
    const name = i % 100;
    const host = Math.floor(i / 100) % 1000;
    const region = Math.floor(i / 100_000) % 10;
    yield {
      labels: labelsFromRecord({
        __name__: `bench_gauge_${String(name).padStart(2, '0')}`,
        host: `host${String(host).padStart(3, '0')}`,
        region: REGIONS[region]!,
        unit: UNITS[(name + host) % 4]!,
      }),
      chunks: [{ minT: 0, maxT: 7_199_000, numSamples: 120, data: DATA }],
    };
  }
}

async function run(n: number): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'metricstream-block-bench-'));
  try {
    let input: BlockSeriesInput[] | undefined = [...makeSeries(n)];
    let t = performance.now();
    const meta = await writeBlock(root, { tenant: 'bench', minTime: 0, maxTime: 7_200_000 }, input);
    const writeMs = performance.now() - t;
    // Let the input go so that a major GC of it is not billed to open (run with --expose-gc).
    input = undefined;
    (globalThis as { gc?: () => void }).gc?.();
    const dir = join(root, meta.ulid);
    const indexBytes = (await stat(join(dir, 'index'))).size;
    t = performance.now();
    await (await BlockReader.open(dir)).close();
    const firstOpenMs = performance.now() - t;
    t = performance.now();
    const b = await BlockReader.open(dir);
    const openMs = performance.now() - t;
    const ms = [new Matcher('=', '__name__', 'bench_gauge_07'), new Matcher('=', 'host', 'host042')];
    let ids = b.postingsForMatchers(ms);
    const reps = 1000;
    t = performance.now();
    for (let i = 0; i < reps; i++) ids = b.postingsForMatchers(ms);
    const queryUs = ((performance.now() - t) / reps) * 1000;
    const re = [new Matcher('=~', '__name__', 'bench_gauge_0.*'), new Matcher('!=', 'region', 'us-east-1')];
    t = performance.now();
    const reIds = b.postingsForMatchers(re);
    const reMs = performance.now() - t;
    t = performance.now();
    for (const id of ids) for (const c of b.series(id).chunks) b.chunk(c);
    const readUs = (performance.now() - t) * 1000;
    await b.close();
    console.log(
      `${n} series: index ${indexBytes} bytes (${(indexBytes / n).toFixed(1)} B/series), write ${writeMs.toFixed(0)} ms, ` +
        `open ${firstOpenMs.toFixed(1)} ms first, ${openMs.toFixed(1)} ms again, postingsForMatchers(__name__=,host=) ${queryUs.toFixed(1)} µs -> ${ids.length} ids, ` +
        `(__name__=~"bench_gauge_0.*", region!=) ${reMs.toFixed(1)} ms -> ${reIds.length} ids, ` +
        `series+chunk reads of the ${ids.length} hits ${readUs.toFixed(0)} µs`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [100_000, 1_000_000]) await run(n);
