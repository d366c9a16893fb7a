import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeadError, parseHead } from './head.js';
import { randomOrMutated } from './fuzz-fixtures.js';

const parse = (text: string) => {
  const b = Buffer.from(text, 'latin1');
  return parseHead(b, 0, b.length);
};

const refused = (text: string, status: number, pattern: RegExp) => {
  assert.throws(() => parse(text), (e: unknown) => e instanceof HeadError && e.status === status && pattern.test(e.message), text);
};

test('a head gives method, target, version, headers as sent and the body framing', () => {
  const h = parse('POST /metrics?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nX-Multi:  v1 \r\nx-multi:v2\r\nAuthorization: \tk\t');
  assert.equal(h.method, 'POST');
  assert.equal(h.url, '/metrics?x=1');
  assert.equal(h.minor, 1);
  assert.deepEqual(h.rawHeaders, ['Host', 'a', 'Content-Length', '12', 'X-Multi', 'v1', 'x-multi', 'v2', 'Authorization', 'k']);
  assert.equal(h.contentLength, 12);
  assert.equal(h.chunked, false);
  assert.equal(h.keepAlive, true);
  assert.equal(h.expectContinue, false);
});

test('keep-alive follows the version and the Connection field', () => {
  assert.equal(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: close').keepAlive, false);
  assert.equal(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close').keepAlive, false);
  assert.equal(parse('GET / HTTP/1.0').keepAlive, false);
  assert.equal(parse('GET / HTTP/1.0\r\nConnection: keep-alive').keepAlive, true);
  assert.equal(parse('GET / HTTP/1.0').minor, 0);
});

test('chunked and 100-continue are recognised in any letter case', () => {
  const h = parse('PUT /x HTTP/1.1\r\nHost: h\r\ntransfer-encoding: Chunked\r\nEXPECT: 100-Continue');
  assert.equal(h.chunked, true);
  assert.equal(h.contentLength, -1);
  assert.equal(h.expectContinue, true);
});

test('framing that could be read two ways is refused (request smuggling)', () => {
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked', 400, /both Transfer-Encoding and Content-Length/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6', 400, /differing Content-Length/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5', 400, /malformed Content-Length/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5', 400, /malformed Content-Length/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890123456', 400, /malformed Content-Length/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked', 501, /not supported/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 501, /not supported/);
  refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked', 400, /HTTP\/1.0/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 5', 400, /malformed header name/);
  refused('GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded', 400, /obsolete line folding/);
  refused('GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b', 400, /control character/);
  refused('GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb', 400, /control character/);
  assert.equal(parse('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 5').contentLength, 5);
});

test('HTTP/1.1 needs exactly one Host header, HTTP/1.0 at most one', () => {
  refused('GET / HTTP/1.1\r\nX-A: 1', 400, /without a Host header/);
  refused('GET / HTTP/1.1\r\nHost: a\r\nhost: b', 400, /more than one Host/);
  refused('GET / HTTP/1.0\r\nHost: a\r\nHOST: a', 400, /more than one Host/);
  assert.equal(parse('GET / HTTP/1.0').minor, 0);
  assert.equal(parse('GET / HTTP/1.1\r\nhOsT: a').url, '/');
});

test('malformed request lines, versions and expectations get their status', () => {
  refused('GET /', 400, /request line/);
  refused('GET  HTTP/1.1', 400, /request target|request line/);
  refused('G(T / HTTP/1.1', 400, /method/);
  refused('GET /a b HTTP/1.1', 400, /request target/);
  refused('GET / HTTP/2.0', 505, /version 2.0 is not supported/);
  refused('GET / HTTX/1.1', 400, /HTTP version/);
  refused('GET / HTTP/1.1\r\nHost: h\r\nno colon here', 400, /without a colon/);
  refused('POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok', 417, /Expect/);
});

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]{0,20}[\x21-\x7e\x80-\xff])?$/);

test('property: any well-formed head parses back to its parts', () => {
  fc.assert(
    fc.property(
      token,
      fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
      fc.constantFrom('1.0', '1.1'),
      fc.array(fc.tuple(token, fieldValue), { maxLength: 8 }),
      (method, url, version, fields) => {
        const named = [['Host', 'h'], ...fields.filter(([k]) => !/^(content-length|transfer-encoding|expect|connection|host)$/i.test(k))];
        const text = `${method} ${url} HTTP/${version}\r\n${named.map(([k, v]) => `${k}: ${v}`).join('\r\n')}`;
        const h = parse(text);
        assert.equal(h.method, method);
        assert.equal(h.url, url);
        assert.equal(h.minor, version === '1.1' ? 1 : 0);
        assert.deepEqual(h.rawHeaders, named.flat());
        assert.equal(h.contentLength, -1);
      },
    ),
  );
});

test('fuzz: arbitrary and mutated heads either parse or throw HeadError', () => {
  const base = 'POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Encoding: snappy\r\nTransfer-Encoding: chunked';
  fc.assert(
    fc.property(
      randomOrMutated(base, 6),
      (b) => {
        try {
          const h = parseHead(b, 0, b.length);
          assert.ok(h.minor === 0 || h.minor === 1);
          assert.ok(!(h.chunked && h.contentLength >= 0));
        } catch (e) {
          assert.ok(e instanceof HeadError, String(e));
        }
      },
    ),
    { numRuns: 2000 },
  );
});
