// ClientDecisionLog: per-client totals and a ring of the last rate-limit decisions (the seed's
// per-client MetricEvent ring buffer), bounded by an LRU over clients for /api/v1/status/clients.

import { RecencyList, type RecencyNode } from './recency-list.js';
import type { Decision } from './sliding-window.js';

export interface ClientDecisionLogOptions {
  /** Clients tracked at once; recording a new one beyond this evicts the least recently active. Server default 10_000. */
  maxClients: number;
  /** Decisions kept per client; default 1000. */
  perClient?: number;
  /** Wall-clock ms, for display only; default Date.now. */
  now?: () => number;
}

/** One recorded decision, as shown by the status API. */
export interface ClientDecision {
  time: string;
  allowed: boolean;
  reason?: 'rate_limited' | 'too_many_clients';
}

/** A client's state as shown at GET /api/v1/status/clients. */
export interface ClientSnapshot {
  client: string;
  /** Allowed requests since this client was last (re)tracked. */
  allowed: number;
  /** Denied requests since this client was last (re)tracked. */
  denied: number;
  /** RFC 3339 time of the last recorded decision. */
  last_seen: string;
  /** The last decisions, oldest first, at most `perClient`. */
  recent: ClientDecision[];
}

const INITIAL_CAPACITY = 4;
const REASONS = [undefined, 'rate_limited', 'too_many_clients'] as const;

/** One tracked client: totals plus a ring of (time, code) in typed arrays, growing by doubling. */
class ClientEntry implements RecencyNode<ClientEntry> {
  prev: ClientEntry | undefined = undefined;
  next: ClientEntry | undefined = undefined;
  client: string;
  times: Float64Array;
  codes: Uint8Array;
  head = 0;
  count = 0;
  allowed = 0;
  denied = 0;
  lastSeen = 0;

  constructor(client: string, capacity: number) {
    this.client = client;
    this.times = new Float64Array(capacity);
    this.codes = new Uint8Array(capacity);
  }

  /** Reuses an evicted entry for another client: its buffers stay, its history goes. */
  reset(client: string): void {
    this.client = client;
    this.head = 0;
    this.count = 0;
    this.allowed = 0;
    this.denied = 0;
  }

  push(t: number, code: Decision, perClient: number): void {
    const cap = this.times.length;
    if (this.count < cap) {
      // Nothing is overwritten before the ring is full at perClient, so head is still 0.
      this.times[this.count] = t;
      this.codes[this.count] = code;
      this.count++;
    } else if (cap < perClient) {
      const grownCap = Math.min(cap * 2, perClient);
      const times = new Float64Array(grownCap);
      const codes = new Uint8Array(grownCap);
      times.set(this.times);
      codes.set(this.codes);
      times[cap] = t;
      codes[cap] = code;
      this.times = times;
      this.codes = codes;
      this.count++;
    } else {
      // Full at perClient: overwrite the oldest, as the seed's ring buffer does.
      this.times[this.head] = t;
      this.codes[this.head] = code;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
    }
    if (code === 0) this.allowed++;
    else this.denied++;
    this.lastSeen = t;
  }

  snapshot(recent: number): ClientSnapshot {
    const n = Math.min(this.count, recent);
    const cap = this.times.length;
    const list: ClientDecision[] = new Array<ClientDecision>(n);
    for (let i = 0; i < n; i++) {
      let idx = this.head + this.count - n + i;
      if (idx >= cap) idx -= cap;
      const time = new Date(this.times[idx]!).toISOString();
      const reason = REASONS[this.codes[idx]!];
      list[i] = reason === undefined ? { time, allowed: true } : { time, allowed: false, reason };
    }
    return {
      client: this.client,
      allowed: this.allowed,
      denied: this.denied,
      last_seen: new Date(this.lastSeen).toISOString(),
      recent: list,
    };
  }
}

/**
 * Per-client decision history with memory bounded by maxClients * perClient entries. Totals
 * are per tracked lifetime: a client evicted by the LRU and seen again starts from zero.
 */
export class ClientDecisionLog {
  readonly maxClients: number;
  readonly perClient: number;
  private readonly clock: () => number;
  private readonly clients = new Map<string, ClientEntry>();
  private readonly order = new RecencyList<ClientEntry>();

  constructor(options: ClientDecisionLogOptions) {
    const { maxClients, perClient = 1000 } = options;
    if (!Number.isInteger(maxClients) || maxClients < 1) {
      throw new RangeError(`maxClients is ${maxClients}, it must be a positive integer`);
    }
    if (!Number.isInteger(perClient) || perClient < 1) {
      throw new RangeError(`perClient is ${perClient}, it must be a positive integer`);
    }
    this.maxClients = maxClients;
    this.perClient = perClient;
    this.clock = options.now ?? Date.now;
  }

  /** Clients currently tracked. */
  get size(): number {
    return this.clients.size;
  }

  /** Records one decision for `client` (0 allowed, 1 rate limited, 2 too many clients). */
  record(client: string, decision: Decision): void {
    const now = this.clock();
    let entry = this.clients.get(client);
    if (entry === undefined) {
      const lru = this.order.head;
      if (lru !== undefined && this.clients.size >= this.maxClients) {
        // Reuse the evicted entry so a flood of new ids allocates nothing once full.
        this.clients.delete(lru.client);
        this.order.remove(lru);
        lru.reset(client);
        entry = lru;
      } else {
        entry = new ClientEntry(client, Math.min(INITIAL_CAPACITY, this.perClient));
      }
      this.clients.set(client, entry);
      this.order.append(entry);
    } else {
      this.order.moveToBack(entry);
    }
    entry.push(now, decision, this.perClient);
  }

  /**
   * Tracked clients, most recently active first: at most `limit` of them, each with at most
   * `recent` decisions. Allocates per decision: pass limits when many clients are tracked.
   */
  snapshot(limit = Infinity, recent = this.perClient): ClientSnapshot[] {
    const out: ClientSnapshot[] = [];
    for (let e = this.order.tail; e !== undefined && out.length < limit; e = e.prev) {
      out.push(e.snapshot(recent));
    }
    return out;
  }

  /** One client's state, or undefined if it is not tracked; does not count as activity. */
  get(client: string): ClientSnapshot | undefined {
    return this.clients.get(client)?.snapshot(this.perClient);
  }
}
