// Runs one downsampling job in a worker thread and resolves with the new block's meta.
import { Worker } from 'node:worker_threads';
import type { BlockMeta } from '../block/index.js';
import type { DownsampleJob } from './downsample-block.js';

const WORKER_URL = new URL('./downsample-block.js', import.meta.url);

export async function downsampleInWorker(job: DownsampleJob): Promise<BlockMeta | null> {
  const worker = new Worker(WORKER_URL, { workerData: { kind: 'downsample', job } });
  try {
    const r = await new Promise<{ type: 'done'; meta: BlockMeta | null } | { type: 'error'; message: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`downsampling worker exited with code ${code}`)));
    });
    if (r.type === 'error') throw new Error(r.message);
    return r.meta;
  } finally {
    await worker.terminate();
  }
}
