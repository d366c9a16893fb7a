// Runs Prometheus's PromQL test files against MetricStream's engine on the real embedded storage:
// every `load` goes through an Appender into a Tsdb, every `eval` through Engine and Querier.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { children, parseExpr, type Expr } from '../../src/promql/index.js';
import { Engine, EvalError, isStaleNaN, type QuerierFactory, type RangeSeries, type Sample, type Value } from '../../src/promql/engine/index.js';
import { labelsKey, type Labels } from '../../src/storage/index.js';
import { Tsdb } from '../../src/tsdb/index.js';
import { STALE_NAN, type Command, type EvalCommand, type Point, type SeriesLine } from './test-file.js';

export interface EvalOutcome {
  readonly line: number;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly reason?: string;
}

const silent = { info() {}, warn() {}, error() {} };

/** Prometheus's almost.Equal with epsilon 1e-6 (StaleNaN and NaN equal themselves). */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) && isStaleNaN(a) === isStaleNaN(b);
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || Math.abs(a) + Math.abs(b) < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(Math.abs(a) + Math.abs(b), Number.MAX_VALUE) < 1e-6;
}

const fmt = (labels: Labels) => `{${labels.map((l) => `${l.name}="${l.value}"`).join(', ')}}`;

function pointValue(p: Point): number | null {
  if (p === null) return null;
  if (p.kind === 'stale') return STALE_NAN;
  if (p.kind === 'float') return p.v;
  return null;
}

class Storage {
  dir = mkdtempSync(join(tmpdir(), 'ms-promqltest-'));
  db: Tsdb;

  private constructor(db: Tsdb) {
    this.db = db;
  }

  static async open(): Promise<Storage> {
    const dir = mkdtempSync(join(tmpdir(), 'ms-promqltest-'));
    const db = Tsdb.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 64 << 20, logger: silent });
    await db.start();
    const s = new Storage(db);
    rmSync(s.dir, { recursive: true, force: true });
    s.dir = dir;
    return s;
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function compareVector(got: Sample[], want: SeriesLine[], ordered: boolean): string | null {
  if (got.length !== want.length) {
    return `expected ${want.length} series, got ${got.length}: ${got.map((s) => fmt(s.labels) + ' ' + s.v).join('; ')}`;
  }
  const byKey = new Map(got.map((s, i) => [labelsKey(s.labels), { s, i }]));
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = byKey.get(labelsKey(w.labels));
    if (g === undefined) return `missing series ${fmt(w.labels)}; got ${got.map((s) => fmt(s.labels)).join('; ')}`;
    if (ordered && g.i !== i) return `series ${fmt(w.labels)} at position ${g.i}, expected ${i}`;
    const wv = pointValue(w.points[0] ?? null);
    if (wv === null || !almostEqual(g.s.v, wv)) return `series ${fmt(w.labels)}: got ${g.s.v}, expected ${wv}`;
  }
  return null;
}

function compareMatrix(got: RangeSeries[], want: SeriesLine[], start: number, step: number): string | null {
  const expected = want.filter((w) => w.points.some((p) => p !== null));
  if (got.length !== expected.length) {
    return `expected ${expected.length} series, got ${got.length}: ${got.map((s) => fmt(s.labels)).join('; ')}`;
  }
  const byKey = new Map(got.map((s) => [labelsKey(s.labels), s]));
  for (const w of expected) {
    const g = byKey.get(labelsKey(w.labels));
    if (g === undefined) return `missing series ${fmt(w.labels)}`;
    const wantPts: [number, number][] = [];
    w.points.forEach((p, i) => {
      const v = pointValue(p);
      if (v !== null) wantPts.push([start + i * step, v]);
    });
    if (wantPts.length !== g.ts.length) return `series ${fmt(w.labels)}: ${g.ts.length} points, expected ${wantPts.length} (${Array.from(g.ts).join(',')} / ${Array.from(g.vs).join(',')})`;
    for (let i = 0; i < wantPts.length; i++) {
      if (g.ts[i] !== wantPts[i]![0] || !almostEqual(g.vs[i]!, wantPts[i]![1])) {
        return `series ${fmt(w.labels)} point ${i}: got ${g.ts[i]}=${g.vs[i]}, expected ${wantPts[i]![0]}=${wantPts[i]![1]}`;
      }
    }
  }
  return null;
}

function check(cmd: EvalCommand, result: Value | RangeSeries[]): string | null {
  if (Array.isArray(result)) return compareMatrix(result, cmd.series, cmd.range!.startMs, cmd.range!.stepMs);
  if (cmd.string !== null) return result.kind === 'string' && result.v === cmd.string ? null : `expected string ${cmd.string}`;
  if (cmd.scalar !== null) {
    if (result.kind !== 'scalar') return `expected scalar ${cmd.scalar}, got ${result.kind}`;
    return almostEqual(result.v, cmd.scalar) ? null : `scalar: got ${result.v}, expected ${cmd.scalar}`;
  }
  if (cmd.rangeVector !== null) {
    if (result.kind !== 'matrix') return `expected a range vector, got ${result.kind}`;
    return compareRangeVector(result.series, cmd);
  }
  if (result.kind === 'scalar') return `expected a vector, got scalar ${result.v}`;
  if (result.kind !== 'vector') return `expected a vector, got ${result.kind}`;
  return compareVector(result.samples, cmd.series, cmd.ordered);
}

function compareRangeVector(got: RangeSeries[], cmd: EvalCommand): string | null {
  const rv = cmd.rangeVector!;
  const sorted = got.slice().sort((a, b) => (labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1));
  return compareMatrix(sorted, cmd.series, rv.startMs, rv.stepMs);
}

/**
 * The corpus README's skip list: file:line -> tags. Only evals tagged nh-* (native histograms)
 * and dnr (delayed name removal, optional) are skipped; exp-func evals must pass.
 */
export function readSkipList(readme: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const block = /```skiplist\n([\s\S]*?)```/.exec(readme);
  if (block === null) return out;
  for (const line of block[1]!.split('\n')) {
    const [where, tags] = line.split('\t');
    if (where && tags) out.set(where, tags.split(','));
  }
  return out;
}

function skipReason(tags: string[] | undefined): string | null {
  if (tags === undefined) return null;
  if (tags.some((t) => t.startsWith('nh-'))) return 'native histograms are out of scope';
  if (tags.includes('dnr')) return 'expects delayed __name__ removal (optional)';
  return null;
}

/** Runs one file's commands; returns one outcome per eval. */
export async function runFile(file: string, commands: Command[], skips: Map<string, string[]>): Promise<EvalOutcome[]> {
  const opts = { lookbackDeltaMs: 5 * 60_000, maxSamples: 10_000, subqueryStepMs: 60_000, timeoutMs: 100_000 };
  const engine = new Engine(opts);
  // The HTTP API's path: storage read ahead with pauses, range functions in pieces of one series.
  const pieces = new Engine({ ...opts, callChunkSeries: 1 });
  let store = await Storage.open();
  const out: EvalOutcome[] = [];
  let loadError: string | null = null;
  try {
    for (const cmd of commands) {
      if (cmd.kind === 'clear') {
        await store.close();
        store = await Storage.open();
        loadError = null;
        continue;
      }
      if (cmd.kind === 'load') {
        const app = store.db.appender('default');
        try {
          for (const s of cmd.series) {
            // Native-histogram samples are not loaded (the evals that read them are skipped).
            s.points.forEach((p, i) => {
              if (p === null || p.kind === 'histogram') return;
              app.append(s.labels, i * cmd.stepMs, p.kind === 'stale' ? STALE_NAN : p.v);
            });
          }
          await app.commit();
        } catch (e) {
          app.rollback();
          loadError = `load at line ${cmd.line} refused by storage: ${(e as Error).message}`;
        }
        continue;
      }
      const skip = skipReason(skips.get(`${file}:${cmd.line}`));
      if (skip !== null) {
        out.push({ line: cmd.line, status: 'skip', reason: skip });
        continue;
      }
      if (loadError !== null) {
        out.push({ line: cmd.line, status: 'fail', reason: loadError });
        continue;
      }
      const querier = (mint: number, maxt: number) => store.db.querier('default', mint, maxt);
      const problem = evalWithChecks(engine, querier, cmd) ?? (await piecesCheck(engine, pieces, querier, cmd));
      out.push(problem === null ? { line: cmd.line, status: 'pass' } : { line: cmd.line, status: 'fail', reason: problem });
    }
  } finally {
    await store.close();
  }
  return out;
}

/**
 * An instant eval through instantAsync, as the HTTP API runs it, with every range function
 * evaluated one series at a time: the same value, or the same error, as the synchronous eval.
 */
async function piecesCheck(engine: Engine, pieces: Engine, querier: QuerierFactory, cmd: EvalCommand): Promise<string | null> {
  if (cmd.range !== null) return null;
  const run = async (f: () => Value | Promise<Value>): Promise<{ v: Value } | { error: string }> => {
    try {
      return { v: await f() };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  const sync = await run(() => engine.instant(querier, cmd.expr, cmd.atMs));
  const async = await run(() => pieces.instantAsync(querier, cmd.expr, cmd.atMs, 0, 0));
  if (isDeepStrictEqual(sync, async)) return null;
  return `instantAsync in pieces of one series differs: ${JSON.stringify(async).slice(0, 300)} vs ${JSON.stringify(sync).slice(0, 300)}`;
}

/** One evaluation against the expectation: null when it holds, else what was wrong. */
function evalOnce(engine: Engine, querier: QuerierFactory, cmd: EvalCommand, expr: string | Expr, at: number): string | null {
  let result: Value | RangeSeries[];
  try {
    result = cmd.range
      ? engine.range(querier, expr, cmd.range.startMs, cmd.range.endMs, cmd.range.stepMs)
      : engine.instant(querier, expr, at);
  } catch (e) {
    if (cmd.fail === null) return `${e instanceof EvalError ? '' : (e as Error).name + ': '}${(e as Error).message}`;
    const msg = (e as Error).message;
    if (cmd.fail.msg !== undefined && msg !== cmd.fail.msg) return `error "${msg}", expected "${cmd.fail.msg}"`;
    if (cmd.fail.regex !== undefined && !cmd.fail.regex.test(msg)) return `error "${msg}" does not match ${cmd.fail.regex}`;
    return null;
  }
  if (cmd.fail !== null) return 'expected the query to fail';
  return check(cmd, result);
}

/** The same instant query as a range query from t-1m to t+1m: the middle step must agree. */
function rangeModeCheck(engine: Engine, querier: QuerierFactory, cmd: EvalCommand, expr: string | Expr): string | null {
  const t = cmd.atMs;
  let m: RangeSeries[];
  try {
    m = engine.range(querier, expr, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    return `range-mode re-run failed: ${(e as Error).message}`;
  }
  const mid: Sample[] = [];
  for (const s of m) {
    const i = Array.from(s.ts).indexOf(t);
    if (i >= 0) mid.push({ labels: s.labels, t, v: s.vs[i]! });
  }
  if (cmd.scalar !== null) {
    if (mid.length !== 1 || !almostEqual(mid[0]!.v, cmd.scalar)) return `range-mode re-run: expected scalar ${cmd.scalar}, got ${mid.map((x) => x.v).join(',')}`;
    return null;
  }
  const p = compareVector(mid, cmd.series, false);
  return p === null ? null : `range-mode re-run: ${p}`;
}

const NO_AT_VARIANT = /\b(days_in_month|day_of_month|day_of_week|day_of_year|end|hour|minute|month|year|predict_linear|range|start|step|time|timestamp)\s*\(/;
const NO_RANGE_CHECK = /\b(start|end|range|step)\s*\(/;

/** Pins every selector and subquery without `@` to t (not descending into subqueries). */
function pinAt(e: Expr, t: number): void {
  if (e.type === 'VectorSelector') {
    if (e.at === null) e.at = t;
    return;
  }
  if (e.type === 'SubqueryExpr') {
    if (e.at === null) e.at = t;
    return;
  }
  for (const c of children(e)) pinAt(c, t);
}

/**
 * The eval and the extra checks Prometheus's runner makes: instant evals again in range mode,
 * and (unless time-dependent functions are used) with `@ t` pinned on every selector, evaluated
 * at -10t, 0, t/5, t and 10t.
 */
function evalWithChecks(engine: Engine, querier: QuerierFactory, cmd: EvalCommand): string | null {
  const first = evalOnce(engine, querier, cmd, cmd.expr, cmd.atMs);
  if (first !== null || cmd.range !== null) return first;
  const plain = cmd.fail === null && cmd.rangeVector === null && cmd.string === null;
  if (plain && !NO_RANGE_CHECK.test(cmd.expr)) {
    const p = rangeModeCheck(engine, querier, cmd, cmd.expr);
    if (p !== null) return p;
  }
  if (NO_AT_VARIANT.test(cmd.expr) || cmd.rangeVector !== null || cmd.string !== null) return null;
  let pinned: Expr;
  try {
    pinned = parseExpr(cmd.expr);
  } catch {
    return null;
  }
  const t = cmd.atMs;
  pinAt(pinned, t);
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.round(t / 5), t, 10 * t];
  for (const qt of times) {
    const p = evalOnce(engine, querier, cmd, pinned, qt);
    if (p !== null) return `with @ ${t / 1000} at query time ${qt / 1000}: ${p}`;
  }
  if (plain) {
    const p = rangeModeCheck(engine, querier, cmd, pinned);
    if (p !== null) return `with @ ${t / 1000}: ${p}`;
  }
  return null;
}
