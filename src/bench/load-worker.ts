// One thread of a `metricstream bench --threads N` run: runs its share of the lanes and sends
// back its counts and latency histogram (perf_hooks histograms survive postMessage intact).
import { parentPort, workerData } from 'node:worker_threads';
import { PROTOCOLS } from './protocol.js';
import { runLoad, type LiveCounts } from './load.js';
import { LIVE_FIELDS, type WorkerInput } from './threads.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const shared = new Float64Array(input.live);
const copy = (live: LiveCounts) => LIVE_FIELDS.forEach((f, i) => (shared[input.slot * LIVE_FIELDS.length + i] = live[f]));
let timer: NodeJS.Timeout | undefined;

const result = await runLoad(
  input.options,
  PROTOCOLS.get(input.options.protocol)!,
  (live) => {
    timer = setInterval(() => copy(live), 100);
  },
  {
    ...input.share,
    ready: () =>
      new Promise<void>((resolve) => {
        port.once('message', () => resolve());
        port.postMessage({ ready: true });
      }),
  },
);
clearInterval(timer);
copy(result.live);
port.postMessage({ result: { ...result, status: [...result.status] } });
