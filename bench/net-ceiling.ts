// The ceiling of a raw node:net loop for the seed's request shape, next to peer-bench's bare
// node:http ceiling: the figure behind MetricStream's own HTTP/1.1 server (docs/http-server.md).
// Reads each request's head and Content-Length body, JSON.parses the body and answers
// {"success":true,"metrics_processed":N}; no chunked bodies, no validation, no storage.
// Run (same run, same wrk, alternating):
//   npm run build && node dist/bench/net-ceiling.js 8100 &
//   node ../shared/peer-bench/node-ceiling.mjs --port 8099 &
//   for p in 8099 8100; do node <peer-bench copy with npm install>/w1-seed.mjs --target t$p \
//     --url http://127.0.0.1:$p --format seed --pid <that server's pid> --runs 1 --duration 8; done
import { createServer } from 'node:net';

const port = Number(process.argv[2] ?? 8100);
const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ';

createServer({ noDelay: true }, (sock) => {
  let buf: Buffer | null = null;
  sock.on('data', (d: Buffer) => {
    buf = buf === null ? d : Buffer.concat([buf, d]);
    let out = '';
    for (;;) {
      const he = buf.indexOf('\r\n\r\n');
      if (he < 0) break;
      const m = /\r\ncontent-length: *(\d+)/i.exec(buf.toString('latin1', 0, he));
      const len = m === null ? 0 : Number(m[1]);
      if (buf.length < he + 4 + len) break;
      let n = 0;
      try {
        n = (JSON.parse(buf.toString('utf8', he + 4, he + 4 + len)) as { metrics: unknown[] }).metrics.length;
      } catch {
        // answered with 0, as a ceiling only
      }
      const body = `{"success":true,"metrics_processed":${n}}`;
      out += `${HEAD}${body.length}\r\n\r\n${body}`;
      buf = buf.subarray(he + 4 + len);
      if (buf.length === 0) {
        buf = null;
        break;
      }
    }
    if (out !== '') sock.write(out);
  });
  sock.on('error', () => {});
}).listen(port, '127.0.0.1', () => console.log(`raw node:net seed ceiling on 127.0.0.1:${port}`));
