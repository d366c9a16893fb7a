import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from './http-error.js';
import { MAX_TIME, MIN_TIME, parseDurationParam, parseRequiredTime, parseTime, parseTimeParam } from './params.js';

test('parseTime reads times as Prometheus parseTime does', () => {
  const cases: [string, number][] = [
    // Float seconds in any form Go's strconv.ParseFloat takes, the fraction rounded to ms.
    ['1435781451.781', 1435781451781],
    ['1e3', 1_000_000],
    ['1.5E+2', 150_000],
    ['+1.5', 1500],
    ['.5', 500],
    ['5.', 5000],
    ['-1.5', -1500],
    ['0.0004', 0],
    // RFC 3339 with fractional seconds (sub-ms digits dropped) and offsets.
    ['2015-07-01T20:10:51.781123456Z', 1435781451781],
    ['2015-07-01T20:10:51.7819Z', 1435781451781],
    ['2015-07-01T22:10:51+02:00', 1435781451000],
    ['2015-07-01T20:10:51.5-01:30', 1435786851500],
    // Prometheus's own MinTime/MaxTime strings, which client_golang sends for open ranges.
    ['-292273086-05-16T16:47:06Z', MIN_TIME],
    ['292277025-08-18T07:12:54.999999999Z', MAX_TIME],
  ];
  for (const [text, ms] of cases) assert.equal(parseTime(text), ms, text);
  // Not timestamps for Go's time.Parse(time.RFC3339Nano): no offset, lower-case, days or hours that do not exist.
  for (const bad of ['2015-07-01T20:10:51', '2015-07-01', '2015-07-01t20:10:51z', '2015-02-30T00:00:00Z', '2015-01-01T24:00:00Z', 'yesterday', '1,5', '']) {
    assert.equal(parseTime(bad), null, bad);
  }
});

test('time parameters word their errors as Prometheus does', () => {
  const q = new URLSearchParams('time=x&start=y');
  assert.equal(parseTimeParam(new URLSearchParams(), 'time', 42), 42);
  assert.throws(() => parseTimeParam(q, 'time', 0), (e: HttpError) => {
    assert.equal(e.status, 400);
    assert.equal(e.code, 'bad_data');
    assert.equal(e.message, `invalid parameter "time": Invalid time value for 'time': cannot parse "x" to a valid timestamp`);
    return true;
  });
  // query_range's start and end are parsed without the "Invalid time value" wrapper.
  assert.throws(() => parseRequiredTime(q, 'start'), { message: 'invalid parameter "start": cannot parse "y" to a valid timestamp' });
  assert.throws(() => parseRequiredTime(q, 'end'), { message: 'invalid parameter "end": cannot parse "" to a valid timestamp' });
});

test('duration parameters: float seconds in any Go float form, negative ones included, or a PromQL duration', () => {
  const d = (s: string) => parseDurationParam(new URLSearchParams({ step: s }), 'step');
  for (const [text, ms] of [['15', 15_000], ['0.5', 500], ['1e1', 10_000], ['-1', -1000], ['0', 0], ['1m30s', 90_000]] as const) assert.equal(d(text), ms, text);
  assert.throws(() => d('soon'), { message: 'invalid parameter "step": cannot parse "soon" to a valid duration' });
  assert.throws(() => d('1e300'), { message: 'invalid parameter "step": cannot parse "1e300" to a valid duration. It overflows int64' });
  assert.throws(() => parseDurationParam(new URLSearchParams(), 'step'), { message: 'invalid parameter "step": cannot parse "" to a valid duration' });
});
