// Runs one block merge in a worker thread and resolves with the new block's meta.
import type { BlockMeta } from '../block/index.js';
import { runWorkerJob } from '../worker-job.js';
import type { MergeJob } from './merge-blocks.js';

const WORKER_URL = new URL('./compact-worker.js', import.meta.url);

export function mergeInWorker(job: MergeJob): Promise<BlockMeta | null> {
  return runWorkerJob(WORKER_URL, job, 'compaction');
}
