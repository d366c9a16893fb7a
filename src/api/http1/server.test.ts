import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { register } from 'prom-client';
import { Http1Server } from './server.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';
import { randomOrMutated } from './fuzz-fixtures.js';

type Handler = (req: Http1Request, res: Http1Response) => void;

const TIMEOUTS = { keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 300_000 };

async function withServer(handler: Handler, fn: (port: number) => Promise<void>, timeouts = TIMEOUTS): Promise<void> {
  const server = new Http1Server(handler, timeouts);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Sends `parts` (written one by one, `gapMs` apart) and returns everything read until the server closes. */
function raw(port: number, parts: (string | Buffer)[], gapMs = 0, endAfterMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
    const timer = setTimeout(() => s.destroy(), endAfterMs);
    s.on('close', () => clearTimeout(timer));
    s.on('connect', async () => {
      for (const p of parts) {
        s.write(p);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** Reads the body and answers with what the server saw. */
const echo: Handler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.method} ${req.url} ${body}`);
  });
};

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
const bodies = (text: string) => text.split('HTTP/1.1 ').slice(1).map((a) => a.slice(a.indexOf('\r\n\r\n') + 4));

test('pipelined requests are answered in order, each with its own body', async () => {
  await withServer(echo, async (port) => {
    const out = await raw(port, [
      'POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nonePOST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n' +
        'GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    ]);
    assert.deepEqual(statuses(out), [200, 200, 200]);
    assert.deepEqual(bodies(out), ['POST /a one', 'POST /b two', 'GET /c ']);
    assert.match(out, /Connection: close\r\n/);
  });
});

test('a request split into single bytes is read as one', async () => {
  await withServer(echo, async (port) => {
    const req = 'POST /split HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde';
    const out = await raw(port, [...req].map((c) => Buffer.from(c, 'latin1')), 1);
    assert.deepEqual(bodies(out), ['POST /split abcde']);
  });
});

test('node:http clients, keep-alive: a streamed answer arrives chunked and whole; HEAD has no body', async () => {
  const handler: Handler = (req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const more = () => {
        while (i < 200) {
          if (!res.write(`line ${i++} ${'x'.repeat(1000)}\n`)) return res.once('drain', more);
        }
        res.end();
      };
      more();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  };
  await withServer(handler, async (port) => {
    const get = (method: string, path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const r = httpRequest({ port, host: '127.0.0.1', method, path }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        r.on('error', reject);
        r.end();
      });
    const s = await get('GET', '/stream');
    assert.equal(s.headers['transfer-encoding'], 'chunked');
    assert.equal(s.body.split('\n').length, 201);
    const h = await get('HEAD', '/x');
    assert.equal(h.headers['content-length'], '5');
    assert.equal(h.body, '');
    const g = await get('GET', '/x');
    assert.equal(g.body, 'hello');
    assert.ok(typeof g.headers['date'] === 'string');
  });
});

test('Expect: 100-continue gets an interim answer before the body is sent', async () => {
  await withServer(echo, async (port) => {
    const out = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got === 'HTTP/1.1 100 Continue\r\n\r\n') s.write('body!');
      });
      s.on('close', () => resolve(got));
      s.write('PUT /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    });
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.equal(bodies(out).at(-1), 'PUT /e body!');
  });
});

test('an answer given before the body was read drops a small rest and keeps the connection; a large rest closes it', async () => {
  const early: Handler = (req, res) => {
    res.writeHead(429, { 'content-type': 'text/plain' });
    res.end(`no ${req.url}`);
  };
  await withServer(early, async (port) => {
    const out = await raw(port, [
      'POST /1 HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234',
      '56789GET /2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    ], 20);
    assert.deepEqual(statuses(out), [429, 429]);
    assert.deepEqual(bodies(out), ['no /1', 'no /2']);
    const big = await raw(port, ['POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\nxx', 'GET /never HTTP/1.1\r\nHost: t\r\n\r\n'], 20);
    assert.deepEqual(statuses(big), [429]);
  });
});

test('malformed or oversized heads get 400/431/505/501 and the connection is closed', async () => {
  await withServer(echo, async (port) => {
    const cases: [string, number][] = [
      ['GARBAGE\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc', 400],
      ['GET / HTTP/2.0\r\n\r\n', 505],
      ['POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
      [`GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['GET / HTTP/1.1\nHost: x\n\n', 400],
      ['POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ];
    for (const [req, status] of cases) {
      const out = await raw(port, [req, 'GET /after HTTP/1.1\r\nHost: t\r\n\r\n'], 10);
      assert.deepEqual(statuses(out), [status], JSON.stringify(req.slice(0, 60)));
    }
  });
});

test('a client that goes away mid-body makes the request stream fail', async () => {
  let failed: Promise<string> | null = null;
  const handler: Handler = (req) => {
    failed = new Promise((resolve) => {
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.resume();
    });
  };
  await withServer(handler, async (port) => {
    await raw(port, ['POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\npartial'], 0, 100);
    assert.equal(await failed, 'ECONNRESET');
  });
});

test('idle connections and slow heads are closed by the timeouts; a running request is not', async () => {
  const slow: Handler = (_req, res) => setTimeout(() => res.end('late'), 400);
  await withServer(
    slow,
    async (port) => {
      const timedOut = async (phase: string) =>
        (await register.getSingleMetric('metricstream_http_connections_timed_out_total')!.get()).values.find((v) => v.labels['phase'] === phase)?.value ?? 0;
      const idleBefore = await timedOut('idle');
      const t0 = Date.now();
      const idle = await raw(port, [], 0, 5000);
      assert.equal(idle, '');
      assert.ok(Date.now() - t0 < 3000);
      assert.equal(await timedOut('idle'), idleBefore + 1);
      const open = async () => (await register.getSingleMetric('metricstream_http_open_connections')!.get()).values[0]?.value;
      for (let i = 0; i < 50 && (await open()) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await open(), 0);
      const running = await raw(port, ['GET /slow HTTP/1.1\r\nHost: t\r\n\r\n'], 0, 5000);
      assert.deepEqual(bodies(running), ['late']);
    },
    { keepAliveTimeout: 200, headersTimeout: 300, requestTimeout: 300 },
  );
});

test('fuzz: random and mutated byte streams never crash the server, and it keeps answering', async () => {
  await withServer(echo, async (port) => {
    const base = 'POST /m HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n';
    await fc.assert(
      fc.asyncProperty(
        randomOrMutated(base, 5),
        async (bytes) => {
          const out = await raw(port, [bytes], 0, 150);
          for (const s of statuses(out)) assert.ok(s >= 100 && s < 600);
        },
      ),
      { numRuns: 60 },
    );
    const ok = await raw(port, ['GET /still HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(bodies(ok), ['GET /still ']);
  });
});

test('a client that shuts down its sending side after its requests still gets every answer', async () => {
  const slow: Handler = (req, res) => setTimeout(() => res.end(`done ${req.url}`), 50);
  await withServer(slow, async (port) => {
    const out = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('error', reject);
      s.on('close', () => resolve(got));
      s.end('GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.0\r\n\r\n');
    });
    assert.deepEqual(bodies(out), ['done /1', 'done /2']);
  });
});

test('a handler that throws after setting headers gets a plain 500 without them; the connection stays in step', async () => {
  const handler: Handler = (req, res) => {
    if (req.url === '/ok') return void res.end('fine');
    res.setHeader('Content-Length', 100); // the 500 must not claim this length
    if (req.url === '/bad-value') res.setHeader('X-Echo', 'a\r\nb'); // must not make the 500 throw
    throw new Error('boom');
  };
  await withServer(handler, async (port) => {
    const out = await raw(port, ['GET /len HTTP/1.1\r\nHost: t\r\n\r\nGET /bad-value HTTP/1.1\r\nHost: t\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statuses(out), [500, 500, 200]);
    assert.doesNotMatch(out, /Content-Length: 100\r\n|X-Echo: /);
    assert.equal(bodies(out).at(-1), 'fine');
  });
});

test('a malformed chunked body: the handler answering from its error listener does not throw', async () => {
  const thrown: unknown[] = [];
  const handler: Handler = (req, res) => {
    req.on('error', () => {
      try {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('bad body');
      } catch (e) {
        thrown.push(e);
      }
    });
    req.resume();
  };
  await withServer(handler, async (port) => {
    const out = await raw(port, ['POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n', 'zz\r\n'], 20);
    assert.deepEqual(statuses(out), [400]);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(thrown, []);
  });
});

test('a handler that reads its body slowly is not cut by the idle timeout', async () => {
  const slowReader: Handler = async (req, res) => {
    let n = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      if (n === 0) await new Promise((r) => setTimeout(r, 600)); // the socket is paused meanwhile
      n += c.length;
    }
    res.end(`got ${n}`);
  };
  await withServer(
    slowReader as Handler,
    async (port) => {
      const body = Buffer.alloc(200_000, 97);
      const out = await raw(port, [`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body], 0, 4000);
      assert.deepEqual(bodies(out), ['got 200000']);
    },
    { keepAliveTimeout: 200, headersTimeout: 1000, requestTimeout: 5000 },
  );
});

test('a header field with CR/LF or a bad name is refused when set, leaving the answer writable', async () => {
  const handler: Handler = (req, res) => {
    const refused: string[] = [];
    for (const [name, value] of [['X-Bad', 'a\r\nInjected: 1'], ['X Bad', 'v']] as const) {
      try {
        res.setHeader(name, value);
      } catch {
        refused.push(name);
      }
    }
    try {
      res.writeHead(200, 'OK\r\nInjected: 2');
    } catch {
      refused.push('status message');
    }
    res.end(`refused ${refused.join(', ')} ${String(res.headersSent)}`);
  };
  await withServer(handler, async (port) => {
    const out = await raw(port, ['GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statuses(out), [200]);
    assert.doesNotMatch(out, /Injected/);
    assert.deepEqual(bodies(out), ['refused X-Bad, X Bad, status message false']);
  });
});

test('end(chunk) after write() sends the last piece: chunked in 1.1, close-delimited in 1.0, nothing for HEAD', async () => {
  const handler: Handler = (_req, res) => {
    res.write('ab');
    res.end('cd');
  };
  await withServer(handler, async (port) => {
    const v11 = await raw(port, ['HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /g HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(statuses(v11), [200, 200]);
    assert.deepEqual(bodies(v11), ['', '2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n']);
    const v10 = await raw(port, ['GET /g HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']);
    assert.deepEqual(bodies(v10), ['abcd']);
  });
});

test('pipelined requests from a client that does not read its answers stop being served until it does', async () => {
  let socket: Http1Request['socket'] | null = null;
  const handler: Handler = (req, res) => {
    socket = req.socket;
    res.end('x'.repeat(1000));
  };
  await withServer(handler, async (port) => {
    const n = 5000; // 90 KB of requests: 5 MB of answers if each were written regardless
    const c = connect(port, '127.0.0.1');
    await new Promise((r) => c.on('connect', r));
    c.pause();
    c.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(n - 1) + 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(socket !== null);
    assert.ok(socket!.writableLength < 200_000, `${socket!.writableLength} bytes of answers held for a client that does not read`);
    let text = '';
    c.setEncoding('latin1');
    c.on('data', (d: string) => (text += d));
    c.resume();
    await new Promise((r) => c.on('close', r));
    assert.equal(statuses(text).length, n);
  });
});

test("'finish' and 'close' reach listeners added right after end(), once each", async () => {
  const seen: string[] = [];
  const handler: Handler = (req, res) => {
    res.end(`ok ${req.url}`);
    res.on('finish', () => seen.push(`finish ${req.url}`));
    res.once('close', () => seen.push(`close ${req.url}`));
    res.on('close', () => seen.push(`close2 ${req.url}`));
  };
  await withServer(handler, async (port) => {
    const out = await raw(port, ['GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(bodies(out), ['ok /a', 'ok /b']);
    assert.deepEqual(seen, ['finish /a', 'close /a', 'close2 /a', 'finish /b', 'close /b', 'close2 /b']);
  });
});
