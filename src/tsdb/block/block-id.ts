// ULID-style block ids: 26 Crockford base32 characters, 48-bit millisecond time then 80 random
// bits, so ids sort by creation time and never collide in practice.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A new block id for the given creation time (ms). */
export function newBlockId(now: number = Date.now()): string {
  let out = '';
  let t = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(10);
  // 80 bits = 16 characters of 5 bits, taken from the random bytes most significant bit first.
  let acc = 0;
  let bits = 0;
  for (const b of rnd) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Whether a directory name is a block id (and so not a `.tmp` leftover or anything else). */
export function isBlockId(name: string): boolean {
  return ID_RE.test(name);
}
