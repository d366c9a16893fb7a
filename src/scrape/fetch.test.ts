import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Agent } from 'undici';
import { fetchExposition, ScrapeError } from './fetch.js';

let server: Server;
let base = '';
const agent = new Agent();
const opts = { dispatcher: agent, timeoutMs: 5_000, maxBytes: 1 << 20, userAgent: 'test' };

before(async () => {
  server = createServer((req, res) => {
    const hops = /^\/hop\/(\d+)$/.exec(req.url ?? '');
    if (req.url === '/moved') res.writeHead(301, { location: '/metrics' }).end();
    else if (req.url === '/found') res.writeHead(302, { location: `${base}/metrics` }).end();
    else if (hops !== null) res.writeHead(302, { location: `/hop/${Number(hops[1]) + 1}` }).end();
    else if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('m 1\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  await agent.close();
  await new Promise((r) => server.close(r));
});

test('redirects are followed, as Prometheus does by default (follow_redirects: true)', async () => {
  assert.equal((await fetchExposition(`${base}/moved`, opts)).text, 'm 1\n');
  assert.equal((await fetchExposition(`${base}/found`, opts)).text, 'm 1\n');
  // Go's client gives up after 10 redirects.
  await assert.rejects(fetchExposition(`${base}/hop/0`, opts), (e: unknown) => e instanceof ScrapeError && /redirect/i.test((e as Error).message));
  // Go's resp.Status: the code and its reason phrase.
  await assert.rejects(fetchExposition(`${base}/nothing`, opts), { message: 'server returned HTTP status 404 Not Found' });
});
