import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdmissionLimit } from './admission-limit.js';

/** A limit on a hand-moved clock. */
function limitAt(o: { targetMs: number; min?: number; max?: number; initial?: number }) {
  let t = 0;
  const l = new AdmissionLimit({ ...o, now: () => t });
  return { l, advance: (ms: number) => (t += ms) };
}

/** Fills the limit (so it is reached), reports `waits`, and closes the 100 ms window. */
function windowOf(l: AdmissionLimit, advance: (ms: number) => void, waits: number[]): void {
  l.admits(l.limit - 1);
  for (const w of waits) l.done(w);
  advance(100);
  l.admits(0); // the first call after the window closes it
}

test('off without a target: every request is admitted', () => {
  const { l } = limitAt({ targetMs: 0 });
  assert.equal(l.enabled, false);
  assert.equal(l.admits(1e9), true);
});

test('a request is admitted below the limit and refused at it', () => {
  const { l } = limitAt({ targetMs: 10, initial: 16 });
  assert.equal(l.admits(15), true);
  assert.equal(l.admits(16), false);
});

test('shrinks by a quarter per window whose fastest wait is over the target, down to min', () => {
  const { l, advance } = limitAt({ targetMs: 10, initial: 64, min: 8 });
  windowOf(l, advance, [12, 40, 15]);
  assert.equal(l.limit, 48);
  windowOf(l, advance, [11]);
  assert.equal(l.limit, 36);
  for (let i = 0; i < 20; i++) windowOf(l, advance, [50]);
  assert.equal(l.limit, 8);
  assert.equal(l.admits(7), true, 'min requests are always admitted');
});

test('one slow request among fast ones does not shrink it (the minimum is the signal)', () => {
  const { l, advance } = limitAt({ targetMs: 10, initial: 64 });
  windowOf(l, advance, [500, 2, 300]);
  assert.equal(l.limit, 70, 'fast and reached: it grows by a tenth');
});

test('grows only when the limit was reached and the fastest wait is at most half the target', () => {
  const { l, advance } = limitAt({ targetMs: 10, initial: 20, max: 23 });
  // Not reached: holds.
  l.done(1);
  advance(100);
  l.admits(0);
  assert.equal(l.limit, 20);
  // Reached but between half the target and the target: holds.
  windowOf(l, advance, [7]);
  assert.equal(l.limit, 20);
  windowOf(l, advance, [4]);
  assert.equal(l.limit, 22);
  windowOf(l, advance, [4]);
  assert.equal(l.limit, 23, 'not above max');
  // A window with no request reaching its commit says nothing.
  windowOf(l, advance, []);
  assert.equal(l.limit, 23);
});

test('a quiet gap is one window: the requests after it are judged on their own', () => {
  const { l, advance } = limitAt({ targetMs: 10, initial: 32 });
  l.done(50);
  advance(60_000);
  l.admits(0);
  assert.equal(l.limit, 24);
  l.done(1);
  advance(50);
  assert.equal(l.admits(0), true);
  assert.equal(l.limit, 24, 'the window after the gap is still open');
});

test('property: saturated by clients, a queue whose wait grows with the requests in it settles where that wait is between half the target and the target', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.05, max: 5, noNaN: true }),
      fc.integer({ min: 2, max: 50 }),
      fc.integer({ min: 1, max: 2000 }),
      (serviceMs, targetMs, initial) => {
        const min = 8;
        const max = 4096;
        const { l, advance } = limitAt({ targetMs, min, max, initial });
        // Clients offer more than the limit: it is always reached, and every request waits for
        // the others in flight (a single server), the fastest one for all but itself.
        for (let w = 0; w < 300; w++) windowOf(l, advance, [(l.limit - 1) * serviceMs, l.limit * serviceMs]);
        const wait = (l.limit - 1) * serviceMs;
        assert.ok(l.limit === min || wait <= targetMs, `limit ${l.limit}: fastest wait ${wait} ms over the ${targetMs} ms target`);
        assert.ok(l.limit === max || wait > targetMs / 2 - serviceMs - 1e-9, `limit ${l.limit}: fastest wait ${wait} ms far under the ${targetMs} ms target`);
      },
    ),
    { numRuns: 300 },
  );
});

test('the event loop running late counts as waiting: a window of fast requests on a late loop shrinks it, an on-time loop does not', () => {
  let t = 0;
  let lateMs = 0;
  let reads = 0;
  const l = new AdmissionLimit({ targetMs: 10, initial: 64, now: () => t, loopDelay: () => (reads++, lateMs) });
  const advance = (ms: number) => (t += ms);
  // Bodies that arrive whole are decoded at once: their own wait stays short while the requests
  // wait in socket buffers for turns of the loop, which only its delay shows.
  lateMs = 9;
  windowOf(l, advance, [2, 30]);
  assert.equal(l.limit, 48, '2 ms + 9 ms late is over the 10 ms target');
  lateMs = 2;
  windowOf(l, advance, [2, 30]);
  assert.equal(l.limit, 52, '2 ms + 2 ms is under half the target: it grows again');
  lateMs = 50;
  windowOf(l, advance, []);
  assert.equal(l.limit, 52, 'no request reached its commit: the window says nothing');
  assert.equal(reads, 3, 'the delay is read once per window, restarting it');
});
