// Inputs for the HTTP/1.1 fuzz tests (head parser, live server): random bytes, or a valid message
// with a few bytes replaced, so most inputs are nearly valid and reach deep into the parsers.
import fc from 'fast-check';

/** Up to 200 random bytes, or `base` (latin1) with up to `maxEdits` bytes replaced. */
export function randomOrMutated(base: string, maxEdits: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.array(fc.tuple(fc.nat(base.length), fc.integer({ min: 0, max: 255 })), { maxLength: maxEdits }).map((edits) => {
      const b = Buffer.from(base, 'latin1');
      for (const [i, v] of edits) b[i % b.length] = v;
      return b;
    }),
  );
}
