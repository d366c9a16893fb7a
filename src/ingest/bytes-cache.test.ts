import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesCache } from './bytes-cache.js';

/** A small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

test('BytesCache finds exactly the keys a string-keyed Map finds, over one or two ranges at any offset', () => {
  const rnd = prng(7);
  // Few distinct bytes and lengths around the 4-byte step, so keys share prefixes and differ late.
  const keys: number[][] = [];
  for (let i = 0; i < 400; i++) keys.push(Array.from({ length: Math.floor(rnd() * 13) }, () => 97 + Math.floor(rnd() * 3)));
  const cache = new BytesCache<string>(100);
  const reference = new Map<string, string>();
  for (let round = 0; round < 20_000; round++) {
    const key = keys[Math.floor(rnd() * keys.length)]!;
    // Embed the key at a random offset of a larger buffer (a Buffer view into a pool, as sockets give).
    const pad = Math.floor(rnd() * 9);
    const backing = Buffer.alloc(pad + key.length + 5 + Math.floor(rnd() * 5), 98);
    const b = backing.subarray(1);
    b.set(key, pad);
    const cut = pad + Math.floor(rnd() * (key.length + 1));
    const s = String.fromCharCode(...key);
    // Either one range, or the key split in two ranges with junk between them (as the scanners do).
    let e: number;
    let add: () => void;
    if (rnd() < 0.5) {
      e = cache.find(b, pad, pad + key.length, pad + key.length, pad + key.length);
      add = () => cache.add(b, pad, pad + key.length, pad + key.length, pad + key.length, s);
    } else {
      const moved = Buffer.alloc(b.length + 3, 99);
      moved.set(b.subarray(0, cut), 0);
      moved.set(b.subarray(cut, pad + key.length), cut + 3);
      e = cache.find(moved, pad, cut, cut + 3, pad + key.length + 3);
      add = () => cache.add(moved, pad, cut, cut + 3, pad + key.length + 3, s);
    }
    if (e >= 0) assert.equal(cache.value(e), s, `found ${JSON.stringify(cache.value(e))} for ${JSON.stringify(s)}`);
    else {
      assert.equal(reference.has(s), false, `missed ${JSON.stringify(s)}`);
      // add() empties a full cache first.
      if (cache.entries >= 100) reference.clear();
      add();
      reference.set(s, s);
    }
    assert.equal(cache.entries, reference.size);
  }
});

test('matchFirstAt and matchSecond say whether an entry\'s ranges are at a position, as a byte compare does', () => {
  const rnd = prng(11);
  const cache = new BytesCache<number>(1000);
  const keys: [number[], number[]][] = [];
  for (let i = 0; i < 200; i++) {
    const a = Array.from({ length: 1 + Math.floor(rnd() * 11) }, () => 97 + Math.floor(rnd() * 2));
    const b = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => 97 + Math.floor(rnd() * 2));
    const buf = Uint8Array.from([...a, ...b]);
    if (cache.find(buf, 0, a.length, a.length, buf.length) < 0) {
      cache.add(buf, 0, a.length, a.length, buf.length, keys.length);
      keys.push([a, b]);
    }
  }
  for (let round = 0; round < 5000; round++) {
    const e = Math.floor(rnd() * keys.length);
    const [a, b] = keys[e]!;
    const probe = Uint8Array.from(Array.from({ length: 20 }, () => 97 + Math.floor(rnd() * 2)));
    const at = Math.floor(rnd() * 20);
    const end = at + Math.floor(rnd() * (21 - at));
    const firstHere = at + a.length <= end && a.every((c, i) => probe[at + i] === c);
    assert.equal(cache.matchFirstAt(e, probe, at, end), firstHere ? at + a.length : -1);
    const secondHere = at + b.length <= end && b.every((c, i) => probe[at + i] === c);
    assert.equal(cache.matchSecond(e, probe, at, end), secondHere ? at + b.length : -1);
  }
});
