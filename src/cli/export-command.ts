// `metricstream export`: streams a running node's GET /api/v1/export to stdout.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ExportOptions {
  readonly url: string;
  readonly match: readonly string[];
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly authorization?: string | undefined;
}

/** Writes the export to `out`; throws with the server's message on an error answer. */
export async function runExport(o: ExportOptions, out: NodeJS.WritableStream): Promise<void> {
  const u = new URL('/api/v1/export', o.url);
  for (const m of o.match) u.searchParams.append('match[]', m);
  if (o.start !== undefined) u.searchParams.set('start', o.start);
  if (o.end !== undefined) u.searchParams.set('end', o.end);
  const headers: Record<string, string> = {};
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  let res: Response;
  try {
    res = await fetch(u, { headers });
  } catch (e) {
    throw new Error(`cannot reach ${o.url}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  if (!res.ok || res.body === null) {
    const text = await res.text();
    let msg = text;
    try {
      msg = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // Not JSON: show the text as is.
    }
    throw new Error(`export failed: ${res.status} ${msg}`);
  }
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out, { end: false });
}
