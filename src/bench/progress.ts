// The live progress line on stderr: elapsed, sent, 2xx, 429, 5xx, connection errors, current rate.
import type { LiveCounts } from './load.js';

/**
 * Starts printing progress; returns a function that stops it. On a terminal the line is
 * rewritten in place 4 times a second; elsewhere one line per second is appended.
 */
export function startProgress(
  out: NodeJS.WriteStream | NodeJS.WritableStream,
  tty: boolean,
  live: LiveCounts,
  startedAt: number,
  /** StatsD runs: what is sent (no answers, so no status counts). */
  sends?: 'datagrams' | 'writes',
): () => void {
  const everyMs = tty ? 250 : 1000;
  let lastDone = 0;
  let lastAt = startedAt;
  const k = (n: number) => n.toLocaleString('en-US');
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = ((live.done - lastDone) * 1000) / (now - lastAt);
    lastDone = live.done;
    lastAt = now;
    const elapsed = `[${((now - startedAt) / 1000).toFixed(1)}s]`;
    const errors = live.errors > 0 ? `  errors ${k(live.errors)}` : '';
    const line =
      sends === undefined
        ? `${elapsed} sent ${k(live.sent)}  ok ${k(live.ok)}  429 ${k(live.limited)}  5xx ${k(live.serverErrors)}${errors}  ${k(Math.round(rate))} req/s`
        : `${elapsed} sent ${k(live.done)} ${sends}${errors}  ${k(Math.round(rate))} ${sends}/s`;
    out.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  }, everyMs);
  return () => {
    clearInterval(timer);
    if (tty) out.write('\r\x1b[K');
  };
}
