// SlidingWindowLimiter: an exact per-client sliding-window rate limiter (the seed's algorithm)
// with memory bounded by the clients active in the last window and a cap on their number.

import { RecencyList, type RecencyNode } from './recency-list.js';

/** check() result: the request is allowed and was recorded in the client's window. */
export const ALLOWED = 0;
/** check() result: the client already has `limit` allowed requests inside the window. */
export const RATE_LIMITED = 1;
/** check() result: a client without state arrived while `maxActiveClients` clients are active. */
export const TOO_MANY_CLIENTS = 2;
/** The result of one check(); numbers rather than objects so a request allocates nothing. */
export type Decision = typeof ALLOWED | typeof RATE_LIMITED | typeof TOO_MANY_CLIENTS;

export interface SlidingWindowOptions {
  /** Default max allowed requests per window per client; 0 = unlimited (nothing is stored). */
  limit: number;
  /** Window length in ms; default 1000. */
  windowMs?: number;
  /** Cap on clients holding state (non-empty windows); the server default is 100_000. */
  maxActiveClients: number;
  /** Per-client limits (0 = unlimited for that client); read on every check, never copied. */
  overrides?: ReadonlyMap<string, number>;
  /** Monotonic clock in ms; default performance.now(). */
  now?: () => number;
}

// A new client adds at most one entry per check, so evicting up to two expired ones per check
// drains any backlog of expired clients instead of letting a flood of one-off ids pile up.
// Evicting at least one is also what keeps the cap exact without a full sweep (see check()).
const EVICT_PER_CHECK = 2;
// Most clients send a handful of requests per window: start small, double up to the limit.
const INITIAL_CAPACITY = 4;
// Evicted windows with small buffers are kept for reuse, so a steady stream of one-off
// clients allocates nothing: a flood of new ids otherwise spends most of its time in GC.
const MAX_SPARE = 1024;

/** One client's allowed timestamps, oldest first, in a ring over a growable Float64Array. */
class ClientWindow implements RecencyNode<ClientWindow> {
  prev: ClientWindow | undefined = undefined;
  next: ClientWindow | undefined = undefined;
  client: string;
  times: Float64Array;
  head = 0;
  count = 0;
  /** Newest allowed timestamp: the key the recency list is ordered by. */
  last = 0;

  constructor(client: string, capacity: number) {
    this.client = client;
    this.times = new Float64Array(capacity);
  }

  /** Drops timestamps at or before cutoff (they have left the window). */
  dropUpTo(cutoff: number): void {
    const times = this.times;
    const cap = times.length;
    let head = this.head;
    let count = this.count;
    while (count > 0 && times[head]! <= cutoff) {
      head = head + 1 === cap ? 0 : head + 1;
      count--;
    }
    this.head = head;
    this.count = count;
  }

  /** The i-th oldest timestamp in the window (0 = oldest). */
  at(i: number): number {
    let idx = this.head + i;
    if (idx >= this.times.length) idx -= this.times.length;
    return this.times[idx]!;
  }

  /** Records an allowed request; the caller has checked that count < limit. */
  push(t: number, limit: number): void {
    let times = this.times;
    if (this.count === times.length) {
      // Full and below the limit (or the limit was raised): grow, unrolling the ring to index 0.
      const grown = new Float64Array(Math.min(times.length * 2, limit));
      for (let i = 0; i < this.count; i++) grown[i] = this.at(i);
      this.times = times = grown;
      this.head = 0;
    }
    let idx = this.head + this.count;
    if (idx >= times.length) idx -= times.length;
    times[idx] = t;
    this.count++;
    this.last = t;
  }
}

function checkLimit(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} is ${value}, it must be a non-negative integer (0 = unlimited)`);
  }
}

/**
 * Exact sliding-window limiter: a request at time t is allowed iff the client has fewer than
 * `limit` allowed requests with timestamps in (t - windowMs, t]. Denied requests are not
 * recorded, as in the seed. A client whose window is empty holds no state, so evicting it
 * loses nothing; clients are kept in order of their newest allowed request, which lets every
 * check evict expired ones from the front in amortised O(1).
 * @example
 * const limiter = new SlidingWindowLimiter({ limit: 100, maxActiveClients: 100_000 });
 * if (limiter.check(clientId) !== ALLOWED) retryAfter = Math.ceil(limiter.retryAfterMs(clientId) / 1000);
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxActiveClients: number;
  private readonly overrides: ReadonlyMap<string, number> | undefined;
  private readonly clock: () => number;
  private readonly clients = new Map<string, ClientWindow>();
  private readonly order = new RecencyList<ClientWindow>();
  private readonly spare: ClientWindow[] = [];
  // Latest time seen: a clock that steps back is clamped to it, because eviction from the
  // front relies on the recency order also being timestamp order.
  private lastNow = -Infinity;

  constructor(options: SlidingWindowOptions) {
    checkLimit('limit', options.limit);
    const windowMs = options.windowMs ?? 1000;
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`windowMs is ${windowMs}, it must be a positive number of milliseconds`);
    }
    const cap = options.maxActiveClients;
    if (!(cap === Infinity || (Number.isInteger(cap) && cap >= 1))) {
      throw new RangeError(`maxActiveClients is ${cap}, it must be a positive integer`);
    }
    if (options.overrides !== undefined) {
      for (const [client, limit] of options.overrides) checkLimit(`limit override for client "${client}"`, limit);
    }
    this.limit = options.limit;
    this.windowMs = windowMs;
    this.maxActiveClients = cap;
    this.overrides = options.overrides;
    this.clock = options.now ?? (() => performance.now());
  }

  /**
   * Clients holding state. Includes clients whose window emptied but which are not evicted
   * yet: each check() evicts up to two of them, sweep() all.
   */
  get activeClients(): number {
    return this.clients.size;
  }

  /** The limit that applies to a client: its override, else the default (0 = unlimited). */
  limitFor(client: string): number {
    const overrides = this.overrides;
    if (overrides === undefined || overrides.size === 0) return this.limit;
    return overrides.get(client) ?? this.limit;
  }

  /** Decides one request from `client` now, and records it in the window if allowed. */
  check(client: string): Decision {
    const now = this.tick();
    const cutoff = now - this.windowMs;
    // Evicting before the lookup is what keeps the cap exact (see below).
    this.evictExpired(cutoff, EVICT_PER_CHECK);
    const limit = this.limitFor(client);
    const state = this.clients.get(client);
    if (limit === 0) {
      // Unlimited clients keep no state; drop any left from before an override changed.
      if (state !== undefined) this.remove(state);
      return ALLOWED;
    }
    if (state !== undefined) {
      // If this window has emptied and was not just evicted, the expired clients ahead of it
      // were, which left room under the cap: it can be handled as an existing client.
      state.dropUpTo(cutoff);
      if (state.count >= limit) return RATE_LIMITED;
      state.push(now, limit);
      this.order.moveToBack(state);
      return ALLOWED;
    }
    // Holding state never exceeds the cap, so if the eviction above removed anyone there is
    // room; if it removed no one, no window has emptied and the size is the exact count.
    if (this.clients.size >= this.maxActiveClients) return TOO_MANY_CLIENTS;
    let fresh = this.spare.pop();
    if (fresh === undefined) fresh = new ClientWindow(client, Math.min(INITIAL_CAPACITY, limit));
    else fresh.client = client;
    fresh.push(now, limit);
    this.clients.set(client, fresh);
    this.order.append(fresh);
    return ALLOWED;
  }

  /**
   * Ms until a request from `client` would be allowed (0 if it would be now). After
   * RATE_LIMITED: until enough of its allowed requests leave the window; after
   * TOO_MANY_CLIENTS: until the oldest active client's window empties. Fractional with
   * a fractional clock: round up for Retry-After.
   */
  retryAfterMs(client: string): number {
    const now = this.tick();
    const cutoff = now - this.windowMs;
    const limit = this.limitFor(client);
    if (limit === 0) return 0;
    const state = this.clients.get(client);
    if (state !== undefined && state.last > cutoff) {
      state.dropUpTo(cutoff);
      if (state.count < limit) return 0;
      // Once the (count - limit)-th oldest leaves, count - limit + 1 have left and count < limit.
      return state.at(state.count - limit) + this.windowMs - now;
    }
    if (this.clients.size < this.maxActiveClients) return 0;
    this.evictExpired(cutoff, Infinity);
    const oldest = this.order.head;
    if (oldest === undefined || this.clients.size < this.maxActiveClients) return 0;
    return oldest.last + this.windowMs - now;
  }

  /** Allowed requests of `client` currently inside the window (0 if it holds no state). */
  windowUse(client: string): number {
    const state = this.clients.get(client);
    if (state === undefined) return 0;
    const cutoff = this.tick() - this.windowMs;
    if (state.last <= cutoff) return 0;
    state.dropUpTo(cutoff);
    return state.count;
  }

  /** Evicts every client whose window has emptied; returns how many. For a periodic timer. */
  sweep(): number {
    return this.evictExpired(this.tick() - this.windowMs, Infinity);
  }

  private tick(): number {
    const t = this.clock();
    if (t < this.lastNow) return this.lastNow;
    this.lastNow = t;
    return t;
  }

  private evictExpired(cutoff: number, max: number): number {
    let evicted = 0;
    let oldest = this.order.head;
    while (oldest !== undefined && oldest.last <= cutoff && evicted < max) {
      this.remove(oldest);
      if (this.spare.length < MAX_SPARE && oldest.times.length <= INITIAL_CAPACITY) {
        oldest.head = 0;
        oldest.count = 0;
        this.spare.push(oldest);
      }
      evicted++;
      oldest = this.order.head;
    }
    return evicted;
  }

  private remove(state: ClientWindow): void {
    this.clients.delete(state.client);
    this.order.remove(state);
  }
}
