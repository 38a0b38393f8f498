import { REQUEST_SHAPES, type RequestShape } from './raw-request';

/**
 * Where each event's `properties` object sits in the request text, so a record can carry those
 * bytes as they came instead of re-serialising them (the largest part of capture's cost after
 * gunzip and JSON.parse). Runs only on text JSON.parse accepted, and follows JSON.parse's rules:
 * the last of duplicate keys wins, escaped key names are decoded.
 *
 * Returns `[start0, end0, start1, end1, …]` (end exclusive; -1 when the event's properties are
 * absent or not an object), or undefined when the text does not line up with `eventCount` events
 * (the caller then serialises the parsed objects instead).
 */
export function findPropertiesSpans(text: string, shape: RequestShape, eventCount: number): Int32Array | undefined {
  const spans = new Int32Array(eventCount * 2).fill(-1);
  // depth of an event object's members: `{…}` → 1, `[{…}]` → 2, `{"batch":[{…}]}` → 3
  const eventDepth = shape === REQUEST_SHAPES.one ? 1 : shape === REQUEST_SHAPES.array ? 2 : 3;
  let depth = 0;
  let event = -1; // index of the event being read
  let inEvents = shape !== REQUEST_SHAPES.batch; // inside the array that holds the events
  let pendingKey: 0 | 1 | 2 = 0; // the next value belongs to: 1 `properties`, 2 `batch`
  const length = text.length;

  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      if ((depth === eventDepth && inEvents) || (depth === 1 && shape === REQUEST_SHAPES.batch)) {
        const colon = skipSpace(text, end);
        if (text.charCodeAt(colon) === 0x3a) {
          const key = keyOf(text, i, end);
          pendingKey = depth === 1 && shape === REQUEST_SHAPES.batch ? (key === 'batch' ? 2 : 0) : key === 'properties' ? 1 : 0;
          if (pendingKey === 1) spans[event * 2] = spans[event * 2 + 1] = -1; // a later duplicate overrides
          i = colon;
          continue;
        }
      }
      pendingKey = 0;
      i = end - 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (pendingKey === 2 && c === 0x5b) {
        // the (last) `batch` array: its elements are the events
        inEvents = true;
        event = -1;
        spans.fill(-1);
      } else if (pendingKey === 1 && c === 0x7b) {
        // the properties object: skip it whole (the bulk of the text) with the tight loop
        const end = compositeEnd(text, i);
        if (end < 0) return undefined;
        spans[event * 2] = i;
        spans[event * 2 + 1] = end;
        depth--;
        i = end - 1;
      } else if (depth === eventDepth && inEvents && c === 0x7b) {
        event++; // past eventCount (an earlier duplicate `batch`), writes to `spans` are no-ops
      }
      pendingKey = 0;
    } else if (c === 0x7d || c === 0x5d) {
      if (shape === REQUEST_SHAPES.batch && depth === 2 && inEvents) inEvents = false;
      depth--;
    } else if (c > 0x20 && c !== 0x2c) {
      pendingKey = 0; // a number or literal value
    }
  }
  return event === eventCount - 1 ? spans : undefined;
}

/** Index just past the `}` / `]` closing the object or array opening at `start`, or -1. */
function compositeEnd(text: string, start: number): number {
  let depth = 0;
  const length = text.length;
  for (let i = start; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i) - 1;
      if (i < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

/** Index just past the closing quote of the string opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let at = start;
  for (;;) {
    const quote = text.indexOf('"', at + 1);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote;
  }
}

function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** The key's value (escapes decoded only when there are any). */
function keyOf(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/**
 * Spans in UTF-16 units of `text` → spans in bytes of its UTF-8 encoding, in place. The same
 * numbers when the text is ASCII (`utf8Length === text.length`), the usual case.
 */
export function toByteSpans(text: string, utf8Length: number, spans: Int32Array): Int32Array {
  if (utf8Length === text.length) return spans;
  let chars = 0;
  let bytes = 0;
  for (let k = 0; k < spans.length; k++) {
    const at = spans[k];
    if (at < 0) continue;
    bytes += Buffer.byteLength(text.slice(chars, at), 'utf8');
    chars = at;
    spans[k] = bytes;
  }
  return spans;
}
