// Tests for ClientDecisionLog: the per-client ring and LRU against an array model, and memory
// bounds under a flood of distinct client ids.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientDecisionLog, type ClientSnapshot, type Decision } from './index.js';

interface Event {
  t: number;
  d: Decision;
}

const REASON = { 1: 'rate_limited', 2: 'too_many_clients' } as const;

/** Model: every event of every tracked client in a plain array, and an LRU list of ids. */
function expected(client: string, events: Event[], perClient: number): ClientSnapshot {
  const last = events[events.length - 1]!;
  return {
    client,
    allowed: events.filter((e) => e.d === 0).length,
    denied: events.filter((e) => e.d !== 0).length,
    last_seen: new Date(last.t).toISOString(),
    recent: events.slice(-perClient).map((e) => {
      const time = new Date(e.t).toISOString();
      return e.d === 0 ? { time, allowed: true } : { time, allowed: false, reason: REASON[e.d] };
    }),
  };
}

test('the ring keeps the last perClient decisions in order and the LRU keeps maxClients', () => {
  const op = fc.record({
    client: fc.integer({ min: 0, max: 7 }),
    decision: fc.constantFrom<Decision>(0, 1, 2),
    advance: fc.integer({ min: 0, max: 5000 }),
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(op, { maxLength: 300, size: 'max' }),
      (perClient, maxClients, ops) => {
        let now = Date.UTC(2025, 0, 1);
        const log = new ClientDecisionLog({ maxClients, perClient, now: () => now });
        const events = new Map<string, Event[]>();
        let lru: string[] = []; // least recently active first
        for (const { client: n, decision, advance } of ops) {
          now += advance;
          const client = `client-${n}`;
          log.record(client, decision);
          const list = events.get(client) ?? [];
          list.push({ t: now, d: decision });
          events.set(client, list);
          lru = lru.filter((c) => c !== client);
          lru.push(client);
          if (lru.length > maxClients) {
            // Counts are per tracked lifetime: an evicted client starts over.
            events.delete(lru.shift()!);
          }
          assert.deepEqual(log.get(client), expected(client, list, perClient));
          assert.equal(log.size, lru.length);
        }
        const snapshot = log.snapshot();
        assert.deepEqual(
          snapshot.map((s) => s.client),
          [...lru].reverse(),
          'snapshot lists the most recently active first',
        );
        for (const s of snapshot) assert.deepEqual(s, expected(s.client, events.get(s.client)!, perClient));
        for (let n = 0; n < 8; n++) {
          if (!lru.includes(`client-${n}`)) assert.equal(log.get(`client-${n}`), undefined);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('snapshot honours its client and decision limits', () => {
  let now = 0;
  const log = new ClientDecisionLog({ maxClients: 10, perClient: 8, now: () => now });
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 20; j++) {
      now += 1;
      log.record(`c${i}`, j % 3 === 0 ? 1 : 0);
    }
  }
  const top = log.snapshot(2, 3);
  assert.deepEqual(
    top.map((s) => s.client),
    ['c4', 'c3'],
  );
  assert.equal(top[0]!.recent.length, 3);
  assert.equal(top[0]!.recent[2]!.time, new Date(now).toISOString());
  assert.equal(log.get('c0')!.recent.length, 8);
  assert.equal(log.get('c0')!.allowed + log.get('c0')!.denied, 20);
  assert.equal(log.snapshot(0).length, 0);
});

test('get does not count as activity for the LRU', () => {
  const log = new ClientDecisionLog({ maxClients: 2, now: () => 0 });
  log.record('a', 0);
  log.record('b', 0);
  assert.ok(log.get('a'));
  log.record('c', 2);
  assert.equal(log.get('a'), undefined, 'a was least recently recorded, so it is evicted');
  assert.deepEqual(
    log.snapshot().map((s) => s.client),
    ['c', 'b'],
  );
  assert.deepEqual(log.get('c')!.recent, [{ time: '1970-01-01T00:00:00.000Z', allowed: false, reason: 'too_many_clients' }]);
});

test('1,000,000 distinct clients keep at most maxClients tracked', () => {
  const log = new ClientDecisionLog({ maxClients: 10_000 });
  for (let i = 0; i < 1_000_000; i++) {
    log.record(`flood-${i}`, (i % 3) as Decision);
    if (log.size > 10_000) assert.fail(`${log.size} clients tracked after ${i + 1} records`);
  }
  assert.equal(log.size, 10_000);
  assert.equal(log.get('flood-0'), undefined);
  assert.equal(log.get('flood-989999'), undefined);
  assert.equal(log.get('flood-990000')!.recent.length, 1);
  assert.equal(log.snapshot(1)[0]!.client, 'flood-999999');
});

test('a busy client keeps exactly the last 1000 decisions by default', () => {
  let now = 0;
  const log = new ClientDecisionLog({ maxClients: 1, now: () => now });
  for (let i = 0; i < 2500; i++) {
    now = i;
    log.record('busy', i % 2 === 0 ? 0 : 1);
  }
  const s = log.get('busy')!;
  assert.equal(s.allowed, 1250);
  assert.equal(s.denied, 1250);
  assert.equal(s.recent.length, 1000);
  assert.equal(s.recent[0]!.time, new Date(1500).toISOString());
  assert.equal(s.recent[999]!.time, new Date(2499).toISOString());
  assert.equal(s.last_seen, new Date(2499).toISOString());
});

test('options are validated with RangeError', () => {
  assert.throws(() => new ClientDecisionLog({ maxClients: 0 }), RangeError);
  assert.throws(() => new ClientDecisionLog({ maxClients: 1, perClient: 0 }), /perClient is 0/);
  assert.throws(() => new ClientDecisionLog({ maxClients: 1.5 }), /maxClients is 1.5, it must be a positive integer/);
});
