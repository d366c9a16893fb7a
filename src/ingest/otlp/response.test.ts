// OTLP/HTTP answer bodies read back with protobufjs (the reference), and the route's error writer
// on a real node:http server: a Status in the request's encoding, with the error's headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError } from '../../api/index.js';
import { ExportMetricsServiceResponse, Status } from './otlp-proto-fixtures.js';
import { encodingOf, exportResponse, sendStatus, statusBody } from './response.js';

test('ExportMetricsServiceResponse: empty when all is stored, partial_success otherwise', () => {
  assert.equal(exportResponse('protobuf', 0, '').length, 0);
  assert.equal(exportResponse('json', 0, '').toString(), '{}');
  const r = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(exportResponse('protobuf', 300, 'some refused ✓')), { longs: Number });
  assert.deepEqual(r, { partialSuccess: { rejectedDataPoints: 300, errorMessage: 'some refused ✓' } });
  assert.deepEqual(JSON.parse(exportResponse('json', 2, 'x').toString()), { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'x' } });
  // A warning with nothing refused (the spec allows it).
  assert.deepEqual(ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(exportResponse('protobuf', 0, 'w'))), { partialSuccess: { errorMessage: 'w' } });
});

test('google.rpc.Status codes per HTTP status', () => {
  const code = (s: number) => (Status.toObject(Status.decode(statusBody('protobuf', s, 'm'))) as { code: number }).code;
  assert.deepEqual([400, 413, 415, 429, 500, 503].map(code), [3, 8, 3, 8, 13, 14]);
  assert.deepEqual(JSON.parse(statusBody('json', 503, 'down').toString()), { code: 14, message: 'down' });
});

test('content types: protobuf and JSON with parameters; anything else is null', () => {
  assert.equal(encodingOf('application/x-protobuf'), 'protobuf');
  assert.equal(encodingOf('Application/JSON; charset=utf-8'), 'json');
  assert.equal(encodingOf('text/plain'), null);
  assert.equal(encodingOf(undefined), null);
});

test('sendStatus answers 503 with Retry-After and a Status in the request encoding', async () => {
  const server = createServer((_req, res) => sendStatus(res, new HttpError(503, 'unavailable', 'storage is closed', undefined, { 'retry-after': '1' })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
    let r = await fetch(url, { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(r.headers.get('content-type'), 'application/x-protobuf');
    assert.deepEqual(Status.toObject(Status.decode(Buffer.from(await r.arrayBuffer()))), { code: 14, message: 'storage is closed' });
    r = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await r.json(), { code: 14, message: 'storage is closed' });
  } finally {
    server.close();
  }
});
