// Label sets read straight from the bytes of a plain JSON object of strings (the shape nearly
// every sender writes): no JSON.parse, no intermediate object. Anything less plain (escapes, a
// repeated name, a non-string value) or invalid returns null, and the caller decides it with
// JSON.parse + the validate.ts rules, as before. Also the freezing of cached label sets.
import type { Label, Labels } from '../../storage/index.js';
import { checkLabelName, checkLabelValue, checkMetricName, type ValidationLimits } from '../validate.js';
import { BAIL, bytesText, scanString, skipWs, tok, utf8Slice } from './json-bytes.js';

/** Names and values read by stringPairs (reused). */
const pairNames: string[] = [];
const pairValues: string[] = [];

/**
 * Reads an object of string values b[from, to) (as flatObjectEnd or skipValue delimited it)
 * into pairNames/pairValues; returns how many, or BAIL when a name or value is escaped, a value
 * is not a string, or a name repeats: those objects go to JSON.parse, which decides them exactly.
 */
function stringPairs(b: Buffer, from: number, to: number): number {
  let n = 0;
  let p = skipWs(b, from + 1, to);
  if (p < to && b[p] === 0x7d) return 0;
  for (;;) {
    if (p >= to || b[p] !== 0x22) return BAIL;
    const k = p;
    p = scanString(b, p, to);
    if (p === BAIL || tok.escaped) return BAIL;
    const name = bytesText(b, k + 1, p - 1);
    p = skipWs(b, p, to);
    if (p >= to || b[p] !== 0x3a) return BAIL;
    p = skipWs(b, p + 1, to);
    if (p >= to || b[p] !== 0x22) return BAIL;
    const v = p;
    p = scanString(b, p, to);
    if (p === BAIL || tok.escaped) return BAIL;
    for (let i = 0; i < n; i++) if (pairNames[i] === name) return BAIL;
    pairNames[n] = name;
    pairValues[n] = utf8Slice.call(b, v + 1, p - 1);
    n++;
    p = skipWs(b, p, to);
    if (p >= to) return BAIL;
    if (b[p] === 0x7d) return p + 1 === to ? n : BAIL;
    if (b[p] !== 0x2c) return BAIL;
    p = skipWs(b, p + 1, to);
  }
}

/**
 * Sorts labels of distinct names by name in place, as sortLabels does (same order: UTF-16 code
 * units); insertion sort, since Array#sort's set-up costs more than sorting a handful of labels.
 */
function sortDistinct(out: Label[]): Labels {
  for (let i = 1; i < out.length; i++) {
    const x = out[i]!;
    let j = i - 1;
    while (j >= 0 && out[j]!.name > x.name) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}

/** Freezes a label set handed out many times, so no holder can change it for the others. */
export function freezeLabels(labels: Labels): Labels {
  for (const l of labels) Object.freeze(l);
  return Object.freeze(labels);
}

/**
 * buildLabels for tags of plain string values (no escapes, no repeated name), read without
 * JSON.parse; null when they are not that plain or not valid (the caller then runs buildLabels
 * on JSON.parse's object, which decides). Iteration order does not matter: names are distinct
 * and the result is sorted.
 */
export function plainTagLabels(name: string, b: Buffer, from: number, to: number, limits: ValidationLimits): Labels | null {
  const n = stringPairs(b, from, to);
  if (n === BAIL) return null;
  const out: Label[] = [{ name: '__name__', value: name }];
  for (let i = 0; i < n; i++) {
    const k = pairNames[i]!;
    const v = pairValues[i]!;
    if (k === '__name__' || checkLabelName(k, limits) !== null || checkLabelValue(v, limits) !== null) return null;
    if (v !== '') out.push({ name: k, value: v });
  }
  if (out.length - 1 > limits.maxLabelsPerSeries) return null;
  return sortDistinct(out);
}

/**
 * importLabels for a "metric" object of plain string values (no escapes, no repeated name),
 * read without JSON.parse; null when it is not that plain or not valid (then JSON.parse +
 * importLabels decide). Names are distinct and the result sorted, so order does not matter.
 */
export function plainMetricLabels(b: Buffer, from: number, to: number, limits: ValidationLimits): Labels | null {
  const n = stringPairs(b, from, to);
  if (n === BAIL) return null;
  const out: Label[] = [];
  let name: string | null = null;
  for (let i = 0; i < n; i++) {
    const k = pairNames[i]!;
    const v = pairValues[i]!;
    if (k === '__name__') {
      name = v;
      continue;
    }
    if (checkLabelName(k, limits) !== null || checkLabelValue(v, limits) !== null) return null;
    if (v !== '') out.push({ name: k, value: v });
  }
  if (name === null || checkMetricName(name, limits) !== null || out.length > limits.maxLabelsPerSeries) return null;
  out.push({ name: '__name__', value: name });
  return sortDistinct(out);
}
