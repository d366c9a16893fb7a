// Binary operators: arithmetic, comparison (with and without bool) and set operators, between
// scalars and vectors, with on/ignoring/group_left/group_right vector matching as in Prometheus.
import { labelsKey, type Label, type Labels } from '../../storage/index.js';
import type { BinaryExpr, BinaryOp } from '../ast.js';
import type { Evaluator } from './evaluator.js';
import { dropName, projectLabels, signature } from './labels.js';
import { EvalError, type Sample, type Value } from './value.js';

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

/** Applies an arithmetic or comparison operator; comparisons give 1/0 (the caller filters). */
export function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return Math.pow(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    default:
      throw new EvalError(`operator ${op} is not defined between these operands`);
  }
}

export function evalBinary(ev: Evaluator, e: BinaryExpr, t: number): Value {
  const l = ev.eval(e.lhs, t);
  const r = ev.eval(e.rhs, t);
  const cmp = COMPARISON.has(e.op);
  if (l.kind === 'scalar' && r.kind === 'scalar') {
    const v = arith(e.op, l.v, r.v);
    if (cmp && !e.returnBool) throw new EvalError('comparisons between scalars must use BOOL modifier');
    return { kind: 'scalar', t, v };
  }
  if (l.kind === 'vector' && r.kind === 'scalar') return { kind: 'vector', samples: vectorScalar(e, l.samples, r.v, false) };
  if (l.kind === 'scalar' && r.kind === 'vector') return { kind: 'vector', samples: vectorScalar(e, r.samples, l.v, true) };
  if (l.kind === 'vector' && r.kind === 'vector') {
    if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return { kind: 'vector', samples: setOp(e, l.samples, r.samples) };
    return { kind: 'vector', samples: vectorVector(e, l.samples, r.samples, t) };
  }
  throw new EvalError(`binary operator ${e.op} between ${l.kind} and ${r.kind}`);
}

function vectorScalar(e: BinaryExpr, vec: Sample[], s: number, scalarLeft: boolean): Sample[] {
  const cmp = COMPARISON.has(e.op);
  const out: Sample[] = [];
  for (const x of vec) {
    const a = scalarLeft ? s : x.v;
    const b = scalarLeft ? x.v : s;
    const v = arith(e.op, a, b);
    if (cmp && !e.returnBool) {
      if (v === 0) continue;
      // A filtering comparison keeps the vector's own value and labels.
      out.push({ labels: x.labels, t: x.t, v: x.v });
      continue;
    }
    out.push({ labels: dropName(x.labels), t: x.t, v });
  }
  return out;
}

function matchKey(labels: Labels, e: BinaryExpr): string {
  const m = e.matching;
  if (m === null) return signature(projectLabels(labels, [], false));
  return signature(projectLabels(labels, m.labels, m.on));
}

function setOp(e: BinaryExpr, l: Sample[], r: Sample[]): Sample[] {
  const rightKeys = new Set(r.map((s) => matchKey(s.labels, e)));
  if (e.op === 'and') return l.filter((s) => rightKeys.has(matchKey(s.labels, e)));
  if (e.op === 'unless') return l.filter((s) => !rightKeys.has(matchKey(s.labels, e)));
  const leftKeys = new Set(l.map((s) => matchKey(s.labels, e)));
  return l.concat(r.filter((s) => !leftKeys.has(matchKey(s.labels, e))));
}

/** The labels of a one-to-one or many-to-one result. */
function resultLabels(e: BinaryExpr, many: Sample, one: Sample, dropMetricName: boolean): Labels {
  const m = e.matching;
  let labels: Label[] = [...many.labels];
  if (m !== null && m.card === 'one-to-one' && m.on) {
    labels = projectLabels(many.labels, m.labels, true);
  } else if (m !== null && m.card === 'one-to-one' && !m.on) {
    labels = labels.filter((l) => !m.labels.includes(l.name));
  }
  if (m !== null && (m.card === 'many-to-one' || m.card === 'one-to-many')) {
    for (const name of m.include) {
      const v = one.labels.find((x) => x.name === name)?.value ?? '';
      labels = labels.filter((x) => x.name !== name);
      if (v !== '') labels.push({ name, value: v });
    }
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return dropMetricName ? dropName(labels) : labels;
}

function vectorVector(e: BinaryExpr, l: Sample[], r: Sample[], t: number): Sample[] {
  const m = e.matching;
  const card = m?.card ?? 'one-to-one';
  const cmp = COMPARISON.has(e.op);
  const swap = card === 'one-to-many';
  const manySide = swap ? r : l;
  const oneSide = swap ? l : r;
  const ones = new Map<string, Sample>();
  for (const s of oneSide) {
    const k = matchKey(s.labels, e);
    if (ones.has(k)) {
      const side = swap ? 'left' : 'right';
      throw new EvalError(
        `found duplicate series for the match group ${formatGroup(s.labels, e)} on the ${side} hand-side of the operation: [${formatLabels(ones.get(k)!.labels)}, ${formatLabels(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    ones.set(k, s);
  }
  const out: Sample[] = [];
  const seenMany = new Map<string, Labels>();
  const resultKeys = new Set<string>();
  for (const s of manySide) {
    const k = matchKey(s.labels, e);
    const o = ones.get(k);
    if (o === undefined) continue;
    if (card === 'one-to-one') {
      const prev = seenMany.get(k);
      if (prev !== undefined) {
        throw new EvalError(
          `found duplicate series for the match group ${formatGroup(s.labels, e)} on the left hand-side of the operation: [${formatLabels(prev)}, ${formatLabels(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      seenMany.set(k, s.labels);
    }
    const a = swap ? o.v : s.v;
    const b = swap ? s.v : o.v;
    const v = arith(e.op, a, b);
    if (cmp && !e.returnBool && v === 0) continue;
    const value = cmp && !e.returnBool ? (swap ? o.v : s.v) : v;
    const dropMetric = !cmp || e.returnBool;
    const labels = resultLabels(e, s, o, dropMetric);
    const rk = labelsKey(labels);
    if (resultKeys.has(rk)) {
      throw new EvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
    }
    resultKeys.add(rk);
    out.push({ labels, t, v: value });
  }
  return out;
}

function formatLabels(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}="${l.value}"`).join(', ')}}`;
}

function formatGroup(labels: Labels, e: BinaryExpr): string {
  const m = e.matching;
  return formatLabels(m === null ? projectLabels(labels, [], false) : projectLabels(labels, m.labels, m.on));
}
