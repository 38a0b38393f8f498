/** distinct_id rules of contract §1.1. */

const MAX_DISTINCT_ID_CHARS = 200;

/**
 * The stored distinct id of a raw value, or undefined when there is none (null, missing, "").
 * Non-strings are JSON with sorted object keys (as serde_json renders them); NUL becomes U+FFFD;
 * the result is cut to 200 characters (code points, never half a surrogate pair).
 * Throws RangeError on absurdly deep values (the caller turns that into a 400).
 */
export function normalizeDistinctId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let id = typeof value === 'string' ? value : sortedJson(value);
  if (id.length === 0) return undefined;
  if (id.includes('\0')) id = id.replaceAll('\0', '\uFFFD');
  if (id.length > MAX_DISTINCT_ID_CHARS) id = truncateCodePoints(id, MAX_DISTINCT_ID_CHARS);
  return id;
}

/** JSON with object keys in sorted order (serde_json's BTreeMap order: by UTF-8 bytes, here by code unit). */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function truncateCodePoints(text: string, max: number): string {
  let units = 0;
  let points = 0;
  while (units < text.length && points < max) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
    points++;
  }
  return text.slice(0, units);
}
