// The live progress line on stderr: elapsed, sent, 2xx, 429, 5xx, connection errors, current rate.
import type { LiveCounts } from './load.js';

/**
 * Starts printing progress; returns a function that stops it. On a terminal the line is
 * rewritten in place 4 times a second; elsewhere one line per second is appended.
 */
export function startProgress(out: NodeJS.WriteStream | NodeJS.WritableStream, tty: boolean, live: LiveCounts, startedAt: number): () => void {
  const everyMs = tty ? 250 : 1000;
  let lastDone = 0;
  let lastAt = startedAt;
  const k = (n: number) => n.toLocaleString('en-US');
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = ((live.done - lastDone) * 1000) / (now - lastAt);
    lastDone = live.done;
    lastAt = now;
    const line =
      `[${((now - startedAt) / 1000).toFixed(1)}s] sent ${k(live.sent)}  ok ${k(live.ok)}  429 ${k(live.limited)}  5xx ${k(live.serverErrors)}` +
      `${live.errors > 0 ? `  errors ${k(live.errors)}` : ''}  ${k(Math.round(rate))} req/s`;
    out.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  }, everyMs);
  return () => {
    clearInterval(timer);
    if (tty) out.write('\r\x1b[K');
  };
}
