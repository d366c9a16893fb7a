// The load generator's HTTP/1.1 answer framing: lengths, 204, chunked with and without
// trailers, incomplete input, and arbitrary bytes (it reads what any server sends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fc from 'fast-check';
import { Http1Connection, lengthLine, parseAnswer, requestHead } from './http1-connection.js';

const answers: [string, number, string][] = [
  ['HTTP/1.1 200 OK\r\nContent-Length: 39\r\n\r\n{"success":true,"metrics_processed":3}\n', 200, '{"success":true,"metrics_processed":3}\n'],
  ['HTTP/1.1 204 No Content\r\nX-Server-Hostname: vm\r\n\r\n', 204, ''],
  ['HTTP/1.1 429 Too Many Requests\r\ncontent-length: 32\r\nretry-after: 1\r\n\r\n{"error":"Rate limit exceeded"}\n', 429, '{"error":"Rate limit exceeded"}\n'],
  ['HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', 400, '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'],
  ['HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n', 500, '3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n'],
];

test('every answer is framed exactly; any shorter prefix is incomplete; what follows is left alone', () => {
  for (const [text, status, body] of answers) {
    const bytes = Buffer.from(text, 'latin1');
    const a = parseAnswer(Buffer.concat([bytes, Buffer.from('HTTP/1.1 200')]))!;
    assert.equal(a.length, bytes.length, text);
    assert.equal(a.status, status);
    assert.equal(bytes.toString('latin1', a.bodyStart, a.bodyEnd), body);
    for (let cut = 0; cut < bytes.length; cut++) assert.equal(parseAnswer(bytes.subarray(0, cut)), null, `${JSON.stringify(text)} cut at ${cut}`);
  }
});

test('arbitrary bytes give null, a framed answer within the input, or an Error: never anything else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 }).map((s) => Buffer.from(`HTTP/1.1 ${s}`))), (raw) => {
      const buf = Buffer.from(raw);
      try {
        const a = parseAnswer(buf);
        if (a !== null) assert.ok(a.length <= buf.length && a.bodyStart <= a.bodyEnd && a.bodyEnd <= a.length);
      } catch (e) {
        assert.ok(e instanceof Error);
      }
    }),
  );
});

test('a connection sends requests one after another and reconnects after the server closes it', async () => {
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      // Every third answer asks to close the connection.
      if (requests % 3 === 0) res.setHeader('connection', 'close');
      res.statusCode = req.headers.authorization === 'bad' ? 401 : 200;
      res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const c = new Http1Connection('127.0.0.1', port);
  try {
    const head = requestHead(`127.0.0.1:${port}`, '/metrics', ['authorization', 'bad']);
    for (let i = 0; i < 7; i++) {
      const body = Buffer.from(`body-${i}`);
      const a = await c.send(head, lengthLine(body.length), body, true);
      assert.deepEqual(a, { status: 401, text: `POST /metrics body-${i}` });
    }
    assert.equal(requests, 7);
  } finally {
    c.close();
    server.close();
  }
});
