// Reads single request headers from `rawHeaders`: touching `req.headers` makes Node build the
// whole header object, a measurable part of a small request's cost on the ingest path.
import type { IncomingMessage } from 'node:http';

/** The first value of a header (name in lower case), or undefined. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === name.length && k.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}
