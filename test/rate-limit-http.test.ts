// The sliding-window rate limit as a client sees it: 429 + Retry-After, recovery, per-client state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postJson, removeDir, startTestNode } from './node-harness.js';

const ONE = { metrics: [{ name: 'rl_probe', value: 1 }] };

test('request N+1 inside the window gets 429 with Retry-After, and passes once the window moves', async () => {
  // A 3 s window so that six local requests surely fall inside one window on a busy machine.
  const n = await startTestNode({ rate_limit: '5', rate_limit_window: '3s' });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await postJson(`${n.url}/metrics`, ONE, { authorization: 'client-a' })).status, 200);
    const r = await postJson(`${n.url}/metrics`, ONE, { authorization: 'client-a' });
    assert.equal(r.status, 429);
    assert.deepEqual(r.json, { error: 'Rate limit exceeded' });
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 3, `Retry-After ${retry}`);
    // Another client is not affected.
    assert.equal((await postJson(`${n.url}/metrics`, ONE, { authorization: 'client-b' })).status, 200);
    await new Promise((res) => setTimeout(res, retry * 1000 + 50));
    assert.equal((await postJson(`${n.url}/metrics`, ONE, { authorization: 'client-a' })).status, 200);

    const stats = (await (await fetch(`${n.url}/metrics`)).json()) as Record<string, number>;
    assert.equal(stats.rate_limited_requests, 1);

    const st = (await (await fetch(`${n.url}/api/v1/status/clients?client=client-a`)).json()) as any;
    assert.equal(st.status, 'success');
    const a = st.data.clients[0];
    assert.equal(a.client, 'client-a');
    assert.equal(a.limit, 5);
    assert.equal(a.allowed, 6);
    assert.equal(a.denied, 1);
    assert.equal(a.recent.length, 7);
    assert.equal(a.window_use, 1);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('without Authorization the client is the IP address; a new client beyond the cap gets 429 "Too many active clients"', async () => {
  const n = await startTestNode({ rate_limit: '100', rate_limit_max_clients: '2' });
  try {
    assert.equal((await postJson(`${n.url}/metrics`, ONE)).status, 200);
    assert.equal((await postJson(`${n.url}/metrics`, ONE, { authorization: 'x' })).status, 200);
    const r = await postJson(`${n.url}/metrics`, ONE, { authorization: 'y' });
    assert.equal(r.status, 429);
    assert.deepEqual(r.json, { error: 'Too many active clients' });
    assert.ok(r.headers.get('retry-after'));
    const st = (await (await fetch(`${n.url}/api/v1/status/clients`)).json()) as any;
    const ids = st.data.clients.map((c: { client: string }) => c.client).sort();
    assert.deepEqual(ids, ['127.0.0.1', 'x', 'y'].sort());
    assert.equal(st.data.active_clients, 2);
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});

test('--rate-limit 0 turns limiting off', async () => {
  const n = await startTestNode({ rate_limit: '0' });
  try {
    const rs = await Promise.all(Array.from({ length: 50 }, () => postJson(`${n.url}/metrics`, ONE, { authorization: 'c' })));
    assert.ok(rs.every((r) => r.status === 200));
  } finally {
    await n.stop();
    removeDir(n.dir);
  }
});
