import { v7 as uuidv7 } from 'uuid';

const HEX = /^[0-9a-f]{32}$/i;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An event's uuid (contract §1.1): a UUID string in any of the forms Rust's `Uuid::parse_str`
 * takes (hyphenated, simple, braced, urn), stored lower-case hyphenated; `""`, null or missing →
 * a fresh UUIDv7. Undefined means invalid (the caller answers 400).
 */
export function normalizeEventUuid(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return uuidv7();
  if (typeof value !== 'string') return undefined;
  let text = value;
  if (CANONICAL.test(text)) return text; // the usual case: lower-case hyphenated, no allocation
  if (text.length === 45 && text.slice(0, 9).toLowerCase() === 'urn:uuid:') text = text.slice(9);
  else if (text.length === 38 && text.startsWith('{') && text.endsWith('}')) text = text.slice(1, 37);
  let hex: string;
  if (text.length === 36) {
    if (text[8] !== '-' || text[13] !== '-' || text[18] !== '-' || text[23] !== '-') return undefined;
    hex = text.slice(0, 8) + text.slice(9, 13) + text.slice(14, 18) + text.slice(19, 23) + text.slice(24);
  } else if (text.length === 32) {
    hex = text;
  } else {
    return undefined;
  }
  if (!HEX.test(hex)) return undefined;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

