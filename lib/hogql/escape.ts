/**
 * ClickHouse literal and identifier escaping. Everything the user wrote reaches SQL only
 * through these functions (or as a number that passed `Number.isFinite`).
 */
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '`': '\\`',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
};

function escapeChars(text: string, specials: RegExp): string {
  return text.replace(specials, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A string literal: quotes, backslashes and control characters escaped. */
export function escapeString(text: string): string {
  return `'${escapeChars(text, /[\\'`\x00-\x1f\x7f]/g)}'`;
}

/** A backticked identifier (any text: `$browser`, `weird id`, `a\`b`). */
export function escapeIdentifier(name: string): string {
  if (name.length === 0) throw new RangeError('Empty identifier');
  return `\`${escapeChars(name, /[\\'`\x00-\x1f\x7f]/g)}\``;
}

/** A number literal; non-finite values are ClickHouse's inf/nan. */
export function printNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}
