// Runs one block merge in a worker thread and resolves with the new block's meta.
import { Worker } from 'node:worker_threads';
import type { BlockMeta } from '../block/index.js';
import type { MergeJob } from './merge-blocks.js';

const WORKER_URL = new URL('./compact-worker.js', import.meta.url);

export async function mergeInWorker(job: MergeJob): Promise<BlockMeta | null> {
  const worker = new Worker(WORKER_URL, { workerData: job });
  try {
    const r = await new Promise<{ type: 'done'; meta: BlockMeta | null } | { type: 'error'; message: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`compaction worker exited with code ${code}`)));
    });
    if (r.type === 'error') throw new Error(r.message);
    return r.meta;
  } finally {
    await worker.terminate();
  }
}
