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
