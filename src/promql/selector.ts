// Parses a series selector (`name{label="v", other=~"re"}`) into matchers, as the export and
// series APIs need it: Prometheus's ParseMetricSelector, on top of the full PromQL parser.
import type { Matcher } from '../storage/index.js';
import { ParseError } from './parse-error.js';
import { parseVectorSelector } from './parser.js';

export { ParseError };

/**
 * Parses one series selector into matchers.
 * @example parseSelector('up{job="api"}') // [__name__="up", job="api"]
 */
export function parseSelector(text: string): Matcher[] {
  const e = parseVectorSelector(text);
  // The metric name matcher comes first here (Prometheus keeps it last), as callers have always seen it.
  if (e.name === '') return e.matchers;
  return [e.matchers[e.matchers.length - 1]!, ...e.matchers.slice(0, -1)];
}
