// The admission gate: each bound refuses on its own, one request always passes alone, and
// pending commits are counted while a commit runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IngestGate } from './backpressure.js';

test('each bound between stages refuses new requests once reached', async () => {
  let queue = 0;
  let wal = 0;
  const gate = new IngestGate(
    { maxInflightBytes: 1000, maxDecodeQueue: 2, maxPendingCommits: 1, maxWalPendingBytes: 500 },
    { decodeQueue: () => queue, walPendingBytes: () => wal },
  );
  try {
    // Alone, even a body over the byte bound passes.
    assert.equal(gate.refuse(5000), null);
    gate.inflightRequests = 1;
    gate.inflightBytes = 600;
    assert.equal(gate.refuse(400), null);
    assert.equal(gate.refuse(401), 'inflight_bytes');
    gate.inflightRequests = 0;
    gate.inflightBytes = 0;
    queue = 2;
    assert.equal(gate.refuse(1), 'decode_queue');
    queue = 0;
    wal = 501;
    assert.equal(gate.refuse(1), 'wal_backlog');
    wal = 0;
    let release!: () => void;
    const commit = gate.committing(() => new Promise<void>((r) => (release = r)));
    assert.equal(gate.pendingCommits, 1);
    assert.equal(gate.refuse(1), 'pending_commits');
    release();
    await commit;
    assert.equal(gate.pendingCommits, 0);
    assert.equal(gate.refuse(1), null);
    // A failed commit is no longer pending either.
    await assert.rejects(gate.committing(() => Promise.reject(new Error('disk full'))), /disk full/);
    assert.equal(gate.pendingCommits, 0);
  } finally {
    gate.close();
  }
});

test('the adaptive bound refuses with queue_latency once requests wait past the target, and only then', async () => {
  const gate = new IngestGate(
    { maxInflightBytes: 1 << 30, maxDecodeQueue: 1e6, maxPendingCommits: 1e6, maxWalPendingBytes: 1 << 30, queueTargetMs: 5 },
    { decodeQueue: () => 0, walPendingBytes: () => 0 },
  );
  try {
    assert.ok(gate.admission.enabled);
    const start = gate.admission.limit;
    gate.inflightRequests = start - 1;
    assert.equal(gate.refuse(1), null);
    gate.inflightRequests = start;
    assert.equal(gate.refuse(1), 'queue_latency');
    // Requests that waited 50 ms from their body to their commit: the next window admits fewer.
    await gate.committing(() => Promise.resolve(), performance.now() - 50);
    await new Promise((r) => setTimeout(r, 110));
    gate.inflightRequests = 0;
    assert.equal(gate.refuse(1), null);
    assert.ok(gate.admission.limit < start, `limit ${gate.admission.limit} after a slow window (was ${start})`);
    gate.inflightRequests = gate.admission.limit;
    assert.equal(gate.refuse(1), 'queue_latency');
  } finally {
    gate.close();
  }
});

test('without a queueing target the adaptive bound is off', () => {
  const gate = new IngestGate(
    { maxInflightBytes: 1 << 30, maxDecodeQueue: 1e6, maxPendingCommits: 1e6, maxWalPendingBytes: 1 << 30 },
    { decodeQueue: () => 0, walPendingBytes: () => 0 },
  );
  try {
    gate.inflightRequests = 100_000;
    assert.equal(gate.refuse(1), null);
  } finally {
    gate.close();
  }
});
