// Zod types for values with units, shared by the main schema and the scrape schema: numbers as
// they are, strings through their unit parser (its error becomes the issue's message).
import { z } from 'zod';
import { parseDuration } from './units.js';

export const parsed = (parse: (text: string) => number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    try {
      return parse(v);
    } catch (e) {
      ctx.issues.push({ code: 'custom', message: (e as Error).message, input: v });
      return z.NEVER;
    }
  });

/** A duration in ms: a number, or text such as `15s`, `1h30m`. */
export const duration = () => parsed(parseDuration).pipe(z.number().min(0));
