// Worker thread running one block merge, so that decoding and writing never stall the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { mergeBlocks, type MergeJob } from './merge-blocks.js';

mergeBlocks(workerData as MergeJob).then(
  (meta) => parentPort!.postMessage({ type: 'done', meta }),
  (err: Error) => parentPort!.postMessage({ type: 'error', message: err.message }),
);
