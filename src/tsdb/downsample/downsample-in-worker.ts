// Runs one downsampling job in a worker thread and resolves with the new block's meta.
import type { BlockMeta } from '../block/index.js';
import { runWorkerJob } from '../worker-job.js';
import type { DownsampleJob } from './downsample-block.js';

const WORKER_URL = new URL('./downsample-block.js', import.meta.url);

export function downsampleInWorker(job: DownsampleJob): Promise<BlockMeta | null> {
  return runWorkerJob(WORKER_URL, { kind: 'downsample', job }, 'downsampling');
}
