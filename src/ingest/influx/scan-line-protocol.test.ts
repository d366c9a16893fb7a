// The byte scanner against the text parser it stands in for: the same samples (labels, values
// bit for bit, timestamps, lines) and the same errors on hand-picked, random and mutated bodies,
// also when series and fields repeat across bodies (byte-cache hits), and the shared objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLineProtocol, type InfluxParseOptions, type Precision } from './parse.js';
import { scanLineProtocol, setScanCacheSizes } from './scan-line-protocol.js';
import { scanBool, scanDecimal, scanInteger, scanTimestamp } from './scan-numbers.js';
import { testLimits } from '../validate-fixtures.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const LIMITS = testLimits();
const NS = BigInt(NOW) * 1_000_000n;

/** Runs both decoders on the body and asserts the same batch. */
function same(body: Buffer, o: InfluxParseOptions): void {
  const want = parseLineProtocol(body, o);
  const got = scanLineProtocol(body, o);
  const why = JSON.stringify(body.toString('latin1'));
  assert.deepEqual(got.errors, want.errors, why);
  assert.equal(got.points, want.points, why);
  assert.deepEqual(got.labels, want.labels, why);
  assert.deepEqual(Array.from(got.lineOf), want.lineOf, why);
  assert.deepEqual(Array.from(got.start), want.start, why);
  assert.equal(got.ts.length, want.ts.length, why);
  for (let i = 0; i < want.ts.length; i++) {
    assert.ok(Object.is(got.ts[i], want.ts[i]), `${why}: ts[${i}] ${got.ts[i]} != ${want.ts[i]}`);
    assert.ok(Object.is(got.vs[i], want.vs[i]), `${why}: vs[${i}] ${got.vs[i]} != ${want.vs[i]}`);
  }
  assert.equal(got.refs.length, got.labels.length);
}

const opts = (o: Partial<InfluxParseOptions> = {}): InfluxParseOptions => ({ precision: 'ns', now: NOW, limits: LIMITS, defaultLabels: [], ...o });

test('numbers from bytes: plain decimals, integers and timestamps exactly as Number(); other forms NaN', () => {
  const dec = (s: string) => scanDecimal(Buffer.from(s), 0, s.length);
  for (const s of ['0', '-0', '1.5', '-1.5', '.5', '-.5', '1.', '123456789012345', '0.1', '0.30000000000001', '99.99', '000123.4500'])
    assert.ok(Object.is(dec(s), Number(s)), s);
  for (const s of ['', '-', '.', '1e3', '+1', '1..2', '1234567890123456', 'NaN', '1_0']) assert.ok(Number.isNaN(dec(s)), s);
  const int = (s: string) => scanInteger(Buffer.from(s), 0, s.length);
  assert.ok(Object.is(int('-0i'), -0));
  assert.equal(int('42u'), 42);
  assert.equal(int('-42i'), -42);
  for (const s of ['-1u', 'i', '-i', '1.5i', '1234567890123456i', '+1i']) assert.ok(Number.isNaN(int(s)), s);
  const ts = (s: string, p: Precision) => scanTimestamp(Buffer.from(s), 0, s.length, p);
  assert.equal(ts(`${NS}`, 'ns'), NOW);
  assert.equal(ts('1999999', 'ns'), 1);
  assert.equal(ts('12', 'us'), 0);
  assert.equal(ts('9223372036854775807', 'ns'), 9223372036854);
  assert.ok(Number.isNaN(ts('9223372036854775808', 'ns')));
  assert.ok(Number.isNaN(ts('9323372036854775807', 'ns')));
  assert.ok(Number.isNaN(ts('1234567890123456', 'ms')));
  assert.ok(Number.isNaN(ts('-1', 'ns')));
  assert.equal(ts('17', 'h'), 17 * 3_600_000);
  const bool = (s: string) => scanBool(Buffer.from(s), 0, s.length);
  for (const s of ['t', 'T', 'true', 'True', 'TRUE']) assert.equal(bool(s), 1, s);
  for (const s of ['f', 'F', 'false', 'False', 'FALSE']) assert.equal(bool(s), 0, s);
  for (const s of ['tRUE', 'TrUE', 'fALSE', 'tru', 'truee', 'yes', '1', '']) assert.ok(Number.isNaN(bool(s)), s);
});

test('hand-picked bodies: the same batch as the text parser, cold and warm', () => {
  const bodies = [
    `cpu,host=a,region=eu usage_user=1.5,value=2i,up=t ${NS}\n`,
    `m a=1,b=-1.5,c=1e3,d=1.5E-2,e=.5,f=1.,g=-42i,h=42u,i=T,j=false,k=FALSE,l="text, with = and \\" inside",n=+3 ${NS}`,
    `log msg="hello world" ${NS}`,
    `my\\ meas\\,x,tag\\ k\\=1=v\\,a\\ l\\=ue,path=C:\\dir field\\ k\\=x=1 ${NS}`,
    `m,t=a\\\\,u=b v=1 ${NS}`,
    `a=b value=1 ${NS}`,
    `# a comment\n\n  m v=1 ${NS}  \r\n\t\nm,t=x v=2 ${NS}\r\n`,
    ['nofields', `m v= ${NS}`, `m,t v=1 ${NS}`, `m,t= v=1 ${NS}`, `m,=x v=1 ${NS}`, `m v=1x ${NS}`, `m v=tru ${NS}`, `m s="open ${NS}`, 'm v=1 12abc',
      `m v=99999999999999999999i ${NS}`, `m v=1 ${NS} extra`, `m,t=a,t=b v=1 ${NS}`, `m v=1,v=2 ${NS}`, `m s="a",s=1 ${NS}`, `m s=1,s="a" ${NS}`, `m,__x=1 v=1 ${NS}`,
      'm v=1 1', `m v=NaN ${NS}`, `m v=-1u ${NS}`, `m,t=a=b v=1 ${NS}`, `m v=1 -1`, `m v=1 ${NS}0`, `m v=1,`, `m v="x"y ${NS}`, `m a=tRUE ${NS}`, `m a=fALSE ${NS}`, `m a=True,b=False ${NS}`, `m  v=1  ${NS}  `, `good v=2 ${NS}`].join('\n'),
    `é,ü=€ value=1,ç=2 ${NS}\n\uFEFFm v=1 ${NS}\n`,
    `m v=1 ${NOW}`,
    `m ${'f'.repeat(300)}=1 ${NS}`,
    `m v=9007199254740993,w=123456789012345678i,x=18446744073709551615u,y=1e400 ${NS}`,
    '',
    '\n\n',
  ];
  for (const p of ['ns', 'us', 'ms', 's', 'm', 'h'] as Precision[]) {
    for (let round = 0; round < 2; round++) for (const b of bodies) same(Buffer.from(b), opts({ precision: p }));
  }
  same(Buffer.concat([Buffer.from(`a v=1 ${NS}\n`), Buffer.from([0x62, 0x20, 0xff, 0xfe, 0x0a]), Buffer.from(`c v=3 ${NS}`)]), opts());
  same(Buffer.from(`\uFEFFm v=1 ${NS}\nm v=2 ${NS}`), opts());
  same(Buffer.from(`m v=1 ${NS}\nm,db=own v=2 ${NS}`), opts({ defaultLabels: [{ name: 'db', value: 'telegraf' }] }));
  same(Buffer.from(`sp,host=a,dc=x value=1,b=2 ${NS}`), opts({ limits: { ...LIMITS, maxLabelsPerSeries: 1 } }));
});

test('repeated series and fields get the same Labels and SeriesRef objects across bodies', () => {
  const o = opts({ defaultLabels: [{ name: 'db', value: 'x' }] });
  const text = `rs,host=a value=1,b=2 ${NS}\nrs,host=a value=3 ${NS}\nrs,host=a b=4,value=5 ${NS}\n`;
  const first = scanLineProtocol(Buffer.from(text), o);
  const again = scanLineProtocol(Buffer.from(text), o);
  assert.equal(first.labels[2], first.labels[0]);
  assert.equal(first.refs[2], first.refs[0]);
  assert.equal(first.labels[3], first.labels[1]);
  assert.equal(again.labels[0], first.labels[0]);
  assert.equal(again.refs[1], first.refs[1]);
  assert.notEqual(first.refs[1], first.refs[0]);
});

// Random bodies built from the grammar's pieces (escapes, quotes, every value form) and then
// mutated, so most lines are nearly valid and errors hit every branch.
const piece = fc.constantFrom(
  'cpu', 'mem', 'm', 'value', 'v', 'host', 'a', 'b', 'é', '€', '\uFEFF', '__name__', '__x', 'db', 'x'.repeat(130),
  ',', ' ', '  ', '=', '\\', '\\ ', '\\,', '\\=', '\\\\', '"', '"s p,=\\""', '#', '\t', '\r',
  '1', '-1', '1.5', '.5', '1.', '-0', '1e3', '+3', '42i', '-42i', '42u', '-1u', '99999999999999999999i', '9007199254740993', '0.1',
  't', 'T', 'true', 'True', 'TRUE', 'tRUE', 'f', 'false', 'FALSE', 'tru', 'NaN', 'inf',
  `${NS}`, `${NOW}`, `${NOW / 1000}`, '1', '-1', '9223372036854775807', '9223372036854775808', '12abc', '0',
);
const line = fc.oneof(
  { weight: 3, arbitrary: fc.array(piece, { maxLength: 14 }).map((ps) => ps.join('')) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom('cpu', 'mem', 'm\\ x', 'é'),
        fc.array(fc.tuple(fc.constantFrom('host', 'dc', 'a\\,b', 'db', 'é'), fc.constantFrom('a', 'b', 'x\\ y', 'v\\=1', '€')), { maxLength: 3 }),
        fc.array(fc.tuple(fc.constantFrom('value', 'v', 'w', 'k\\ 1', 'é'), fc.constantFrom('1', '-2.5', '3i', '4u', 't', 'FALSE', 'True', 'tRUE', 'fALSE', 'F', '"s"', '1e2', '.5')), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('', ` ${NS}`, ` ${NOW}`, ` ${NOW / 1000}`, ' 1', '  '),
      )
      .map(([m, tags, fields, ts]) => m + tags.map(([k, v]) => `,${k}=${v}`).join('') + ' ' + fields.map(([k, v]) => `${k}=${v}`).join(',') + ts),
  },
);
const body = fc
  .tuple(
    fc.array(line, { maxLength: 8 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 3 }),
  )
  .map(([lines, muts]) => {
    let b = Buffer.from(lines.join('\n'));
    for (const [at, v, insert] of muts) {
      if (b.length === 0) break;
      const i = at % b.length;
      b = insert ? Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]) : Buffer.from(b).fill(v, i, i + 1);
    }
    return b;
  });

test('property: random and mutated bodies, one after another (caches warm), give the same batch', () => {
  const defaults = [[], [{ name: 'db', value: 'bench' }]];
  const precisions: Precision[] = ['ns', 'us', 'ms', 's', 'm', 'h'];
  fc.assert(
    fc.property(fc.array(body, { minLength: 1, maxLength: 4 }), fc.nat(1), fc.nat(5), (bodies, d, p) => {
      const o = opts({ defaultLabels: defaults[d]!, precision: precisions[p]! });
      for (const b of bodies) {
        same(b, o);
        same(b, o);
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: random bytes give the same batch', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (b) => same(Buffer.from(b), opts())), { numRuns: 2000 });
});

test('property: many series and fields (caches fill and start over, also mid-line) give the same batch', () => {
  const limits = { ...LIMITS };
  setScanCacheSizes(37, 11);
  scanLineProtocol(Buffer.from(''), opts({ limits }));
  setScanCacheSizes(200_000, 100_000);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3000), fc.nat(1100)), { minLength: 5, maxLength: 200 }), (pairs) => {
      const text = pairs.map(([s, f]) => `many,s=${s % 40} f${f % 30}=${s}i,value=${f}.5,x="s" ${NS}`).join('\n');
      same(Buffer.from(text), opts({ limits }));
    }),
    { numRuns: 200 },
  );
});

test('many databases: the same batches while the per-database caches are dropped and rebuilt', () => {
  const limits = { ...LIMITS };
  const text = `db,host=a value=1,f=2 ${NS}\ndb,host=b value=3 ${NS}`;
  for (let round = 0; round < 2; round++) {
    for (let d = 0; d < 150; d++) same(Buffer.from(text), opts({ limits, defaultLabels: [{ name: 'db', value: `d${d}` }] }));
  }
});

test('property: senders\' bodies again and again (lines read in one go) with odd lines among them give the same batch', () => {
  // `<series> value=<decimal> <ns>` lines of a few series in a fixed order, as an agent sends
  // them every interval: from the third body on, most lines are the predicted pair, read in one
  // go; the odd ones (each a way the one-go read must leave a line to the general scan) sit among them.
  // Each turns a good line into one the one-go read must leave to the general scan.
  const odd: ((l: string) => string)[] = [
    (l) => l.replace(/ \d+$/, ' 1'), // a refused time
    (l) => l + '\r',
    (l) => l + ' ',
    (l) => l.replace(/value=([^ ]+)/, 'value=$1i'), // an integer (or a bad one)
    (l) => l.replace(/value=([^ ]+)/, 'value=$1,w=2'), // two fields
    (l) => l.replace(/value=([^ ]+)/, 'value=$1e3'),
    (l) => l.replace(/ \d+$/, ''), // no time
    (l) => ' ' + l,
    (l) => l.replace(' value=', ' value=1'), // another number (or a leading zero)
    (l) => l.replace(' value=', ' value2='), // another field key
    (l) => l.replace(/value=([^ ]+)/, 'value="$1"'), // a string
    (l) => l + '7', // the previous line's time digits, and one more
    (l) => l.replace(/\d$/, (d) => String((Number(d) + 1) % 10)), // another time of the same length
  ];
  const series = ['cpu,host=a', 'cpu,host=b', 'mem,host=a,dc=x', 'm\\ x,t=\\,'];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(series.length - 1), fc.constantFrom('1', '-2.5', '0.30000000000000004', '-0', '123456789012345678', '1.', '01.5', 'value')), { minLength: 1, maxLength: 8 }),
      fc.array(fc.tuple(fc.nat(20), fc.nat(odd.length - 1)), { maxLength: 3 }),
      fc.nat(2),
      (lines, oddities, p) => {
        const precision = (['ns', 'ms', 's'] as const)[p]!;
        const ts = precision === 'ns' ? `${NS}` : precision === 'ms' ? `${NOW}` : `${NOW / 1000}`;
        const o = opts({ precision, limits: { ...LIMITS } });
        const text = (round: number, withOdd: boolean) =>
          lines
            .map(([s, v], k) => {
              let l = `${series[s]} value=${v === 'value' ? round : v} ${ts}`;
              if (withOdd) for (const [at, which] of oddities) if (at % lines.length === k) l = odd[which]!(l);
              return l;
            })
            .join('\n');
        for (let round = 0; round < 3; round++) same(Buffer.from(text(round, false)), o);
        same(Buffer.from(text(3, true)), o);
        same(Buffer.from(text(4, true) + '\n'), o);
      },
    ),
    { numRuns: 1500 },
  );
});
