// Runs one job in a worker thread: the worker answers with one {type:'done', meta} or
// {type:'error', message} message. Block cutting, compaction and downsampling all go through here.
import { Worker } from 'node:worker_threads';
import type { BlockMeta } from './block/index.js';

type Answer = { type: 'done'; meta: BlockMeta | null } | { type: 'error'; message: string };

/**
 * Starts the worker at `url` with `workerData`, lets `feed` post messages to it (awaited; the
 * worker's answer may arrive meanwhile), and resolves with the meta it answers; the worker is
 * always terminated.
 */
export async function runWorkerJob(url: URL, workerData: unknown, what: string, feed?: (w: Worker) => Promise<void>): Promise<BlockMeta | null> {
  const worker = new Worker(url, { workerData });
  const answer = new Promise<Answer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${what} worker exited with code ${code}`)));
  });
  // A failure while `feed` still runs must not be an unhandled rejection.
  answer.catch(() => {});
  try {
    if (feed !== undefined) await feed(worker);
    const r = await answer;
    if (r.type === 'error') throw new Error(r.message);
    return r.meta;
  } finally {
    await worker.terminate();
  }
}
