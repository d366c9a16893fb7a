// Tests for SlidingWindowLimiter: decisions against a brute-force model, the window invariant,
// retryAfterMs, the active-client cap, memory under floods of client ids, overrides and limit 0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ALLOWED, RATE_LIMITED, SlidingWindowLimiter, TOO_MANY_CLIENTS, type Decision } from './index.js';

/** Brute force: a plain array of allowed timestamps per client, counted on every request. */
class Model {
  readonly allowed = new Map<string, number[]>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly cap: number,
    readonly overrides: ReadonlyMap<string, number>,
  ) {}

  limitFor(client: string): number {
    return this.overrides.get(client) ?? this.limit;
  }

  inWindow(client: string, t: number): number[] {
    return (this.allowed.get(client) ?? []).filter((x) => x > t - this.windowMs);
  }

  activeClients(t: number): string[] {
    return [...this.allowed.keys()].filter((c) => this.inWindow(c, t).length > 0);
  }

  check(client: string, t: number): Decision {
    const limit = this.limitFor(client);
    if (limit === 0) return ALLOWED;
    const used = this.inWindow(client, t).length;
    if (used === 0 && this.activeClients(t).length >= this.cap) return TOO_MANY_CLIENTS;
    if (used >= limit) return RATE_LIMITED;
    const list = this.allowed.get(client) ?? [];
    list.push(t);
    this.allowed.set(client, list);
    return ALLOWED;
  }

  retryAfterMs(client: string, t: number): number {
    const limit = this.limitFor(client);
    if (limit === 0) return 0;
    const used = this.inWindow(client, t);
    if (used.length > 0) return used.length < limit ? 0 : used[used.length - limit]! + this.windowMs - t;
    const active = this.activeClients(t);
    if (active.length < this.cap) return 0;
    const newest = active.map((c) => Math.max(...this.inWindow(c, t)));
    return Math.min(...newest) + this.windowMs - t;
  }
}

type Op = { kind: 'check'; client: number; advance: number } | { kind: 'sweep'; advance: number };

/** Clock steps: none, tiny, fractional, and right around the window length. */
function advanceArb(windowMs: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 8 }).map((n) => n / 4),
    fc.constantFrom(windowMs - 1, windowMs, windowMs + 1),
    fc.integer({ min: 0, max: 2 * windowMs }),
  );
}

function opsArb(windowMs: number, clients: number): fc.Arbitrary<Op[]> {
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('check' as const),
        client: fc.integer({ min: 0, max: clients - 1 }),
        advance: advanceArb(windowMs),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), advance: advanceArb(windowMs) }) },
  );
  // size 'max': fast-check's default size would keep arrays at about 10 elements.
  return fc.array(op, { maxLength: 300, size: 'max' });
}

interface Scenario {
  limit: number;
  windowMs: number;
  cap: number;
  overrides: (number | undefined)[];
  ops: Op[];
}

function scenarioArb(clients: number, capArb: fc.Arbitrary<number>, withOverrides: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({ limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.integer({ min: 1, max: 40 }), cap: capArb })
    .chain(({ limit, windowMs, cap }) =>
      fc.record({
        limit: fc.constant(limit),
        windowMs: fc.constant(windowMs),
        cap: fc.constant(cap),
        overrides: withOverrides
          ? fc.array(fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }), { minLength: clients, maxLength: clients })
          : fc.constant([]),
        ops: opsArb(windowMs, clients),
      }),
    );
}

/** Runs a scenario against limiter and model, comparing every observable on every step. */
function runScenario(s: Scenario): void {
  const overrides = new Map<string, number>();
  s.overrides.forEach((o, i) => {
    if (o !== undefined) overrides.set(`client-${i}`, o);
  });
  let now = 0;
  const limiter = new SlidingWindowLimiter({
    limit: s.limit,
    windowMs: s.windowMs,
    maxActiveClients: s.cap,
    overrides,
    now: () => now,
  });
  const model = new Model(s.limit, s.windowMs, s.cap, overrides);
  // Allowed timestamps as the limiter decided them, for the invariant check (independent of the model).
  const allowedByLimiter = new Map<string, number[]>();
  for (const op of s.ops) {
    now += op.advance;
    if (op.kind === 'sweep') {
      limiter.sweep();
      assert.equal(limiter.activeClients, model.activeClients(now).length, 'after sweep only active clients hold state');
      continue;
    }
    const client = `client-${op.client}`;
    const got = limiter.check(client);
    assert.equal(got, model.check(client, now), `decision for ${client} at ${now}`);
    if (got === ALLOWED && limiter.limitFor(client) > 0) {
      const list = allowedByLimiter.get(client) ?? [];
      list.push(now);
      allowedByLimiter.set(client, list);
    }
    assert.equal(limiter.windowUse(client), model.inWindow(client, now).length, `window use of ${client} at ${now}`);
    if (got !== ALLOWED) {
      const retry = limiter.retryAfterMs(client);
      assert.ok(retry > 0, `retryAfterMs after a denial is positive, got ${retry}`);
      assert.equal(retry, model.retryAfterMs(client, now), `retryAfterMs of ${client} at ${now}`);
    }
    assert.ok(limiter.activeClients <= s.cap, 'active clients stay within the cap');
    assert.ok(limiter.activeClients >= model.activeClients(now).length, 'every active client holds state');
  }
  // Invariant: no window of length windowMs holds more than `limit` allowed requests of one
  // client, i.e. any limit + 1 consecutive allowed timestamps span at least windowMs.
  for (const [client, times] of allowedByLimiter) {
    const limit = limiter.limitFor(client);
    for (let i = 0; i + limit < times.length; i++) {
      assert.ok(
        times[i + limit]! - times[i]! >= s.windowMs,
        `${limit + 1} requests of ${client} allowed within ${s.windowMs} ms: ${times.slice(i, i + limit + 1).join(', ')}`,
      );
    }
  }
}

test('decisions equal a brute-force model and no window exceeds the limit', () => {
  fc.assert(
    fc.property(scenarioArb(5, fc.constant(Infinity), true), (s) => runScenario(s)),
    { numRuns: 400 },
  );
});

test('with a small maxActiveClients, decisions equal a model that applies the cap', () => {
  fc.assert(
    fc.property(scenarioArb(8, fc.integer({ min: 1, max: 4 }), false), (s) => runScenario(s)),
    { numRuns: 400 },
  );
});

test('retryAfterMs after RATE_LIMITED is exactly when the next request is allowed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 30, size: 'max' }),
      (limit, windowMs, steps) => {
        let now = 1_000;
        const limiter = new SlidingWindowLimiter({ limit, windowMs, maxActiveClients: 10, now: () => now });
        for (const step of steps) {
          now += step;
          limiter.check('a');
        }
        while (limiter.check('a') === ALLOWED);
        const retry = limiter.retryAfterMs('a');
        assert.ok(Number.isInteger(retry) && retry > 0 && retry <= windowMs, `retry ${retry}`);
        now += retry - 1;
        assert.equal(limiter.check('a'), RATE_LIMITED, 'one ms early is still limited');
        now += 1;
        assert.equal(limiter.check('a'), ALLOWED, 'at retryAfterMs the request is allowed');
      },
    ),
    { numRuns: 300 },
  );
});

test('retryAfterMs after TOO_MANY_CLIENTS is when the oldest active client expires', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 5, maxLength: 5 }),
      (cap, windowMs, gaps) => {
        let now = 0;
        const limiter = new SlidingWindowLimiter({ limit: 3, windowMs, maxActiveClients: cap, now: () => now });
        for (let i = 0; i < cap; i++) {
          now += Math.min(gaps[i]!, Math.floor((windowMs - 1) / cap));
          assert.equal(limiter.check(`c${i}`), ALLOWED);
        }
        assert.equal(limiter.check('late'), TOO_MANY_CLIENTS);
        const retry = limiter.retryAfterMs('late');
        assert.ok(Number.isInteger(retry) && retry > 0, `retry ${retry}`);
        now += retry - 1;
        assert.equal(limiter.check('late'), TOO_MANY_CLIENTS, 'one ms early is still refused');
        now += 1;
        assert.equal(limiter.check('late'), ALLOWED, 'at retryAfterMs a slot is free');
        assert.equal(limiter.activeClients <= cap, true);
      },
    ),
    { numRuns: 300 },
  );
});

function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test('a flood of 1,000,000 one-off client ids keeps state bounded by the clients of one window', () => {
  const gc = collectGarbage();
  const windowMs = 50;
  const perMs = 1000;
  let now = 0;
  const limiter = new SlidingWindowLimiter({ limit: 1, windowMs, maxActiveClients: 100_000, now: () => now });
  // Clients with a timestamp in (now - windowMs, now], plus the expired ones of the tick that
  // just ended, which the per-check eviction drains within the next perMs / 2 checks.
  const bound = windowMs * perMs + perMs;
  let maxActive = 0;
  let steadyHeap = 0;
  for (let i = 0; i < 1_000_000; i++) {
    if (i % perMs === 0 && i > 0) now += 1;
    if (limiter.check(`flood-${i}`) !== ALLOWED) assert.fail(`one-off client ${i} was refused`);
    if (limiter.activeClients > maxActive) maxActive = limiter.activeClients;
    if (i === 200_000) {
      gc();
      steadyHeap = process.memoryUsage().heapUsed;
    }
  }
  assert.ok(maxActive <= bound, `at most ${bound} clients hold state, saw ${maxActive}`);
  gc();
  const growth = process.memoryUsage().heapUsed - steadyHeap;
  // Keeping every client would take well over 100 MB here.
  assert.ok(growth < 16 * 2 ** 20, `heap grew ${(growth / 2 ** 20).toFixed(1)} MiB after reaching steady state`);
  const remaining = limiter.activeClients;
  now += windowMs;
  assert.equal(limiter.sweep(), remaining);
  assert.equal(limiter.activeClients, 0, 'everything expires once the clock passes the window');
});

test('with a frozen clock the 100,001st new client gets TOO_MANY_CLIENTS and existing ones are unaffected', () => {
  let now = 5;
  const cap = 100_000;
  const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000, maxActiveClients: cap, now: () => now });
  for (let i = 0; i < cap; i++) {
    if (limiter.check(`c${i}`) !== ALLOWED) assert.fail(`client ${i} was refused below the cap`);
  }
  assert.equal(limiter.activeClients, cap);
  assert.equal(limiter.check(`c${cap}`), TOO_MANY_CLIENTS);
  for (let i = cap + 1; i < 2 * cap; i++) {
    if (limiter.check(`c${i}`) !== TOO_MANY_CLIENTS) assert.fail(`client ${i} was admitted over the cap`);
    if (limiter.activeClients > cap) assert.fail(`${limiter.activeClients} active clients`);
  }
  assert.equal(limiter.windowUse(`c${cap}`), 0, 'a refused client keeps no state');
  assert.equal(limiter.check('c0'), ALLOWED, 'an existing client still gets its second request');
  assert.equal(limiter.check('c0'), RATE_LIMITED);
  assert.equal(limiter.retryAfterMs(`c${cap}`), 1000);
  now += 1000;
  assert.equal(limiter.check(`c${cap}`), ALLOWED, 'once the window passes, new clients get in');
  assert.ok(limiter.activeClients <= cap);
  limiter.sweep();
  assert.equal(limiter.activeClients, 1, 'only the new client holds state after a sweep');
});

test('overrides set per-client limits and 0 means unlimited with no state kept', () => {
  let now = 0;
  const overrides = new Map([
    ['vip', 5],
    ['free', 0],
  ]);
  const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000, maxActiveClients: 1, overrides, now: () => now });
  assert.equal(limiter.limitFor('vip'), 5);
  assert.equal(limiter.limitFor('free'), 0);
  assert.equal(limiter.limitFor('anyone'), 2);
  const vip: Decision[] = [];
  for (let i = 0; i < 7; i++) vip.push(limiter.check('vip'));
  assert.deepEqual(vip, [0, 0, 0, 0, 0, 1, 1]);
  assert.equal(limiter.windowUse('vip'), 5);
  // The cap (1) is full with "vip", but unlimited clients store nothing and are never refused.
  for (let i = 0; i < 10_000; i++) assert.equal(limiter.check('free'), ALLOWED);
  assert.equal(limiter.windowUse('free'), 0);
  assert.equal(limiter.retryAfterMs('free'), 0);
  assert.equal(limiter.activeClients, 1);
  assert.equal(limiter.check('anyone'), TOO_MANY_CLIENTS);

  const unlimited = new SlidingWindowLimiter({ limit: 0, maxActiveClients: 1, now: () => now });
  for (let i = 0; i < 100_000; i++) {
    if (unlimited.check(`u${i % 1000}`) !== ALLOWED) assert.fail('limit 0 refused a request');
  }
  assert.equal(unlimited.activeClients, 0);
  assert.equal(unlimited.windowUse('u1'), 0);
});

test('the window is (t - windowMs, t]: a request exactly windowMs later is allowed', () => {
  let now = 0;
  const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1000, maxActiveClients: 10, now: () => now });
  assert.equal(limiter.check('a'), ALLOWED);
  now = 999.5;
  assert.equal(limiter.check('a'), RATE_LIMITED);
  assert.equal(limiter.retryAfterMs('a'), 0.5);
  now = 1000;
  assert.equal(limiter.check('a'), ALLOWED);
  assert.equal(limiter.windowUse('a'), 1);
});

test('a clock that steps back is treated as standing still', () => {
  let now = 100;
  const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 10, maxActiveClients: 10, now: () => now });
  assert.equal(limiter.check('a'), ALLOWED);
  now = 50;
  assert.equal(limiter.check('a'), RATE_LIMITED);
  assert.equal(limiter.check('b'), ALLOWED);
  now = 110;
  assert.equal(limiter.check('a'), ALLOWED);
});

test('options are validated with RangeError', () => {
  assert.throws(() => new SlidingWindowLimiter({ limit: -1, maxActiveClients: 1 }), RangeError);
  assert.throws(() => new SlidingWindowLimiter({ limit: 1.5, maxActiveClients: 1 }), RangeError);
  assert.throws(() => new SlidingWindowLimiter({ limit: 1, windowMs: 0, maxActiveClients: 1 }), RangeError);
  assert.throws(() => new SlidingWindowLimiter({ limit: 1, maxActiveClients: 0 }), RangeError);
  assert.throws(
    () => new SlidingWindowLimiter({ limit: 1, maxActiveClients: 1, overrides: new Map([['x', -2]]) }),
    /limit override for client "x" is -2/,
  );
  const limiter = new SlidingWindowLimiter({ limit: 3, maxActiveClients: 1 });
  assert.equal(limiter.windowMs, 1000);
  assert.equal(limiter.check('real-clock'), ALLOWED);
});
