// The route every ingest protocol registers: rate limited, gated on readiness, and counting its
// refusals by status and reason.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, type ErrorStyle, type Route } from '../api/index.js';
import type { IngestDeps } from './deps.js';

export interface IngestRouteSpec {
  readonly path: string;
  readonly protocol: string;
  readonly errorStyle: ErrorStyle;
}

/** A POST route for one protocol's handler. */
export function ingestRoute(
  deps: IngestDeps,
  spec: IngestRouteSpec,
  handle: (deps: IngestDeps, req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Route {
  return {
    method: 'POST',
    path: spec.path,
    errorStyle: spec.errorStyle,
    rateLimited: true,
    needsReady: true,
    handle: (req, res) =>
      handle(deps, req, res).catch((e: unknown) => {
        if (e instanceof HttpError) deps.stats.rejected(spec.protocol, e.status, e.code);
        throw e;
      }),
  };
}
