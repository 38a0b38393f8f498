/**
 * How the flags service turns property values into strings, numbers and booleans before
 * comparing them (Rust `serde_json::Value` semantics, contract §3.6).
 */

function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(String(value));
}

/** A number's JSON text as serde_json writes it (`1e21`, not JS's `1e+21`; non-finite → null). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  return String(n).replace('e+', 'e');
}

/** Strings as they are; everything else as (key-sorted, compact) JSON text; null → "null". */
export function stringify(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

/** ASCII-only lower-casing, as the service's `icontains` & co. do (`to_ascii_lowercase`). */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite float from a number or a string that is entirely a float literal, else undefined. */
export function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !FLOAT.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `true`, `false`, `"true"`, `"false"` (any case) or a list made only of those (including `[]`). */
export function isBooleanLike(value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  if (typeof value === 'string') {
    const l = value.toLowerCase();
    return l === 'true' || l === 'false';
  }
  return Array.isArray(value) && value.every(isBooleanLike);
}

/** `true`, `"true"` (any case), or a list of only those (vacuously true for `[]`). */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  return Array.isArray(value) && value.every(isTruthy);
}
