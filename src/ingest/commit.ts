// The last step every protocol shares: commit an appender and turn storage errors into answers.
import { HttpError } from '../api/index.js';
import type { IngestGate } from './backpressure.js';
import type { DecodeExtra, DecodeRefusal } from './decode/decoder.js';
import { StorageClosedError, StorageError, type Appender, type MetricMetadata, type Storage } from '../storage/index.js';

/**
 * Commits (counted as pending by the gate while it runs); maps storage refusals to 400 and an
 * unavailable engine to 503. `receivedAt` (performance.now()): when the body was received.
 */
export function commitOrThrow(app: Appender, gate?: IngestGate, receivedAt?: number): Promise<void> {
  // Plain promises rather than async functions: this runs once per request, and on small pushes
  // each extra promise and turn is a measurable part of the request.
  let p: Promise<void>;
  try {
    p = gate === undefined ? app.commit() : gate.committing(() => app.commit(), receivedAt);
  } catch (e) {
    return Promise.reject(storageHttpError(e));
  }
  return p.catch(rethrowForHttp);
}

function rethrowForHttp(e: unknown): never {
  throw storageHttpError(e);
}

/** A decoder's refusal as the HTTP error to answer. */
export function refusalError(r: DecodeRefusal): HttpError {
  return new HttpError(r.status, r.code, r.message, r.details);
}

/** Metadata a decoder found, merged with what is stored, set on the appender. */
export function setDecodedMetadata(app: Appender, storage: Storage, tenant: string, extra: DecodeExtra): void {
  const meta = extra.metadata;
  if (meta === undefined) return;
  for (const [name, type, help, unit] of meta) app.setMetadata(name, mergeMetadata(storage, tenant, name, type, help, unit));
}

/** The HTTP answer for an error thrown by an appender. */
export function storageHttpError(e: unknown): unknown {
  if (e instanceof StorageClosedError) {
    return new HttpError(503, 'unavailable', e.message, undefined, { 'retry-after': '1' });
  }
  if (e instanceof StorageError) return new HttpError(400, 'bad_data', e.message);
  return e;
}

/** Metadata for a name, keeping stored help/unit where the protocol sent none. */
export function mergeMetadata(
  storage: Storage,
  tenant: string,
  name: string,
  type: MetricMetadata['type'],
  help: string | undefined,
  unit: string | undefined,
): MetricMetadata {
  const have = storage.metadata(tenant).get(name);
  return { type, help: help ?? have?.help ?? '', unit: unit ?? have?.unit ?? '' };
}
