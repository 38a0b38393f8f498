import { decompressFromBase64 } from 'lz-string';

/**
 * lz-string's base64 flavour (`compression=lz64`, very old posthog-js). The `lz-string` package does
 * the decoding, but it cannot stop at an output cap and its output can grow quadratically with its
 * input, so `lz64OutputLength` first walks the code stream keeping only lengths (no strings), and
 * refuses before anything is built.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * The exact length (UTF-16 units) `decompressFromBase64(input)` would return, `'over'` as soon as
 * it passes `cap`, or `'invalid'` when the stream is corrupt (lz-string would return null or "").
 */
export function lz64OutputLength(input: string, cap: number): number | 'over' | 'invalid' {
  const length = input.length;
  if (length === 0) return 'invalid';
  const valueAt = (i: number) => {
    const c = input.charCodeAt(i);
    const v = c < 128 ? VALUE[c] : -1;
    return v < 0 ? 0 : v; // lz-string reads unknown characters as 0 bits
  };
  let val = valueAt(0);
  let position = 32;
  let index = 1;
  const read = (count: number) => {
    let bits = 0;
    for (let power = 1, n = 0; n < count; n++, power *= 2) {
      const bit = val & position;
      position >>= 1;
      if (position === 0) {
        position = 32;
        val = valueAt(index++);
      }
      if (bit) bits += power;
    }
    return bits;
  };

  const first = read(2);
  if (first === 2) return 0;
  if (first !== 0 && first !== 1) return 'invalid';
  read(first === 0 ? 8 : 16);
  // lengths[i]: length of dictionary entry i (0..2 are control codes)
  const lengths: number[] = [0, 0, 0, 1];
  let dictSize = 4;
  let numBits = 3;
  let enlargeIn = 4;
  let wLength = 1;
  let total = 1;
  for (;;) {
    if (index > length) return 'invalid';
    let c = read(numBits);
    if (c === 2) return total;
    if (c === 0 || c === 1) {
      read(c === 0 ? 8 : 16);
      lengths[dictSize++] = 1;
      c = dictSize - 1;
      enlargeIn--;
    } else if (c > 2 && c > dictSize) {
      return 'invalid';
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    const entryLength = c < dictSize ? lengths[c] : wLength + 1;
    total += entryLength;
    if (total > cap) return 'over';
    lengths[dictSize++] = wLength + 1;
    enlargeIn--;
    wLength = entryLength;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}

/** Decodes lz64 text; `'over'` past `cap` UTF-16 units, undefined when the stream is invalid. */
export function decodeLz64(input: string, cap: number): string | 'over' | undefined {
  const expected = lz64OutputLength(input, cap);
  if (expected === 'over') return 'over';
  if (expected === 'invalid') return undefined;
  const text = decompressFromBase64(input) as string | null;
  return typeof text === 'string' && text.length === expected ? text : undefined;
}
