import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedDecoder, ChunkedError } from './chunked.js';

/** Feeds `wire` split at `cuts` and returns the body and where decoding stopped (in wire offsets). */
function decode(wire: Buffer, cuts: number[]): { body: Buffer; end: number; done: boolean } {
  const d = new ChunkedDecoder();
  const out: Buffer[] = [];
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  let end = -1;
  for (const to of [...points, wire.length]) {
    if (to < from || d.done) continue;
    const piece = wire.subarray(from, to);
    const at = d.feed(piece, 0, piece.length, (x) => out.push(Buffer.from(x)));
    if (d.done && end < 0) end = from + at;
    from = to;
  }
  return { body: Buffer.concat(out), end, done: d.done };
}

test('chunks with extensions and trailers decode to the body; the next request starts after the last CRLF', () => {
  const wire = Buffer.from('5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n');
  const r = decode(wire, []);
  assert.equal(r.body.toString(), 'hello world');
  assert.equal(r.done, true);
  assert.equal(wire.subarray(r.end).toString(), 'GET / HTTP/1.1\r\n');
});

test('chunk extensions are bounded over the whole body, not only per line', () => {
  // Each 1-byte chunk is a slice of a large wire buffer: without a bound on the extension bytes of
  // all chunks, 16 KiB of held body would keep ~64 MB of wire buffers alive per connection.
  const piece = `1;${'e'.repeat(1000)}\r\na\r\n`;
  const small = Buffer.from(piece.repeat(10) + '0\r\n\r\n');
  assert.equal(decode(small, []).body.toString(), 'a'.repeat(10));
  const big = Buffer.from(piece.repeat(100) + '0\r\n\r\n');
  assert.throws(() => new ChunkedDecoder().feed(big, 0, big.length, () => {}), ChunkedError);
});

test('malformed framing throws ChunkedError', () => {
  for (const bad of ['x\r\n', '5\r\nhelloXX', '5\nhello\r\n', '\r\n', 'fffffffffffffff\r\n', '0\r\nbad\ntrailer\r\n\r\n', '3\r\nabc\r\n0\r\n\r']) {
    const b = Buffer.from(bad);
    assert.throws(
      () => {
        const d = new ChunkedDecoder();
        d.feed(b, 0, b.length, () => {});
        if (bad.endsWith('\r') && !d.done) throw new ChunkedError('incomplete');
      },
      ChunkedError,
      bad,
    );
  }
});

test('property: any body in any chunking, split anywhere on the wire, decodes to itself', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.constantFrom('', ';a', ';a=b', ';x="y z"'), { minLength: 9, maxLength: 9 }),
      fc.array(fc.constantFrom('A: b', 'Trailer-X: 1 2'), { maxLength: 2 }),
      fc.boolean(),
      fc.array(fc.nat(2000), { maxLength: 10 }),
      (chunks, exts, trailers, upper, cuts) => {
        const parts: Buffer[] = [];
        chunks.forEach((c, i) => {
          const size = upper ? c.length.toString(16).toUpperCase() : c.length.toString(16);
          parts.push(Buffer.from(`${size}${exts[i]}\r\n`), Buffer.from(c), Buffer.from('\r\n'));
        });
        parts.push(Buffer.from(`0${exts[8]}\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
        const wire = Buffer.concat([...parts, Buffer.from('NEXT')]);
        const r = decode(wire, cuts);
        assert.deepEqual(r.body, Buffer.concat(chunks.map((c) => Buffer.from(c))));
        assert.equal(r.done, true);
        assert.equal(wire.subarray(r.end).toString(), 'NEXT');
      },
    ),
  );
});

test('fuzz: random bytes decode or throw ChunkedError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 5 }), (a, cuts) => {
      try {
        decode(Buffer.from(a), cuts);
      } catch (e) {
        assert.ok(e instanceof ChunkedError, String(e));
      }
    }),
    { numRuns: 3000 },
  );
});
