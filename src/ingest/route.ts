// The route every ingest protocol registers: rate limited, gated on readiness and on the bounds
// between stages (503 + Retry-After when one is reached), and counting its refusals by status and reason.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, HttpError, type ErrorStyle, type Route } from '../api/index.js';
import { OVERLOAD_MESSAGES, UNDECLARED_BODY_CHARGE } from './backpressure.js';
import type { IngestDeps } from './deps.js';
import { observeIngestDuration } from './latency.js';

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
      const startedAt = performance.now();
      const gate = deps.gate;
      const declared = Number(header(req, 'content-length') ?? NaN);
      const charge = Math.min(Number.isFinite(declared) ? declared : UNDECLARED_BODY_CHARGE, spec.maxCharge ?? Infinity);
      const why = gate.refuse(charge);
      if (why !== null) {
        deps.stats.rejected(spec.protocol, 503, 'overloaded');
        observeIngestDuration(spec.protocol, 503, (performance.now() - startedAt) / 1000);
        throw new HttpError(503, 'overloaded', OVERLOAD_MESSAGES[why], undefined, { 'retry-after': '1' });
      }
      gate.inflightBytes += charge;
      gate.inflightRequests++;
      // The answer's status: the handler's own, or the error's the server answers with right after.
      let code = 500;
      try {
        await handle(deps, req, res);
        code = res.statusCode;
      } catch (e) {
        if (e instanceof HttpError) {
          deps.stats.rejected(spec.protocol, e.status, e.code);
          code = e.status;
        }
        throw e;
      } finally {
        gate.inflightBytes -= charge;
        gate.inflightRequests--;
        observeIngestDuration(spec.protocol, code, (performance.now() - startedAt) / 1000);
      }
    },
  };
}
