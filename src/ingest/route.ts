// The route every ingest protocol registers: rate limited, gated on readiness and on the bounds
// between stages (503 + Retry-After when one is reached), and counting its refusals by status and reason.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, HttpError, type ErrorStyle, type Route } from '../api/index.js';
import { OVERLOAD_MESSAGES, UNDECLARED_BODY_CHARGE } from './backpressure.js';
import type { IngestDeps } from './deps.js';

export interface IngestRouteSpec {
  readonly path: string;
  readonly protocol: string;
  readonly errorStyle: ErrorStyle;
  /** Most bytes a request holds at once (streamed bodies hold a few pieces, not the whole body). */
  readonly maxCharge?: number;
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
    handle: async (req, res) => {
      const gate = deps.gate;
      const declared = Number(header(req, 'content-length') ?? NaN);
      const charge = Math.min(Number.isFinite(declared) ? declared : UNDECLARED_BODY_CHARGE, spec.maxCharge ?? Infinity);
      const why = gate.refuse(charge);
      if (why !== null) {
        deps.stats.rejected(spec.protocol, 503, 'overloaded');
        throw new HttpError(503, 'overloaded', OVERLOAD_MESSAGES[why], undefined, { 'retry-after': '1' });
      }
      gate.inflightBytes += charge;
      gate.inflightRequests++;
      try {
        await handle(deps, req, res);
      } catch (e) {
        if (e instanceof HttpError) deps.stats.rejected(spec.protocol, e.status, e.code);
        throw e;
      } finally {
        gate.inflightBytes -= charge;
        gate.inflightRequests--;
      }
    },
  };
}
