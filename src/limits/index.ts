// Public face of limits/: the per-client sliding-window rate limiter and the per-client
// decision log behind GET /api/v1/status/clients.

export {
  ALLOWED,
  RATE_LIMITED,
  TOO_MANY_CLIENTS,
  SlidingWindowLimiter,
  type Decision,
  type SlidingWindowOptions,
} from './sliding-window.js';
export {
  ClientDecisionLog,
  type ClientDecision,
  type ClientDecisionLogOptions,
  type ClientSnapshot,
} from './client-decisions.js';
