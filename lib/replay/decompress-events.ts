import { gunzipSync } from 'node:zlib';
import { EVENT_TYPE, INCREMENTAL_SOURCE, type RrwebEvent } from './rrweb';

/** posthog-js' partial compression marker (contract §4.2). */
export const COMPRESSION_2024_10 = '2024-10';

/** A compressed field inflates to at most this much (a bomb in one event stays bounded). */
const MAX_FIELD_BYTES = 64 * 1024 * 1024;

const MUTATION_FIELDS = ['adds', 'removes', 'texts', 'attributes'] as const;
const STYLE_SHEET_FIELDS = ['adds', 'removes'] as const;

/**
 * Small compressed fields repeat all the time (the gzip of `[]` in most mutations) and cost a
 * zlib stream each (~20 µs): their values are kept. Values are shared, so never mutated.
 */
const SMALL_FIELD_CHARS = 200;
const SMALL_FIELDS_KEPT = 1000;
const smallFields = new Map<string, unknown>();

/**
 * A gzip string in posthog-js' Latin-1 encoding (`strFromU8(bytes, true)`: one UTF-16 unit per
 * byte) → the JSON value it holds. Throws when it is not one.
 */
export function inflateLatin1Gzip(text: string): unknown {
  if (text.length > SMALL_FIELD_CHARS) return inflate(text);
  if (smallFields.has(text)) return smallFields.get(text);
  const value = inflate(text);
  if (smallFields.size >= SMALL_FIELDS_KEPT) smallFields.clear();
  smallFields.set(text, value);
  return value;
}

function inflate(text: string): unknown {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new Error('not gzip');
  return JSON.parse(gunzipSync(bytes, { maxOutputLength: MAX_FIELD_BYTES }).toString('utf8'));
}

export interface DecompressOutcome {
  /** The plain rrweb event (a new object when something was inflated, else the event given). */
  readonly event: unknown;
  /** True when a `cv` field could not be inflated (the event is then kept exactly as sent). */
  readonly failed: boolean;
}

/**
 * Undoes `cv:"2024-10"`: a full snapshot's whole `data`; a mutation's `adds`/`removes`/`texts`/
 * `attributes`; a style-sheet rule's `adds`/`removes` — each a Latin-1 gzip string of JSON. The
 * result is a plain rrweb event without `cv`. Events without the marker come back untouched; an
 * event that fails to inflate comes back as sent (players can still inflate it) with `failed`.
 */
export function decompressEvent(input: unknown): DecompressOutcome {
  const event = input as RrwebEvent;
  if (typeof event !== 'object' || event === null || event.cv !== COMPRESSION_2024_10) return { event: input, failed: false };
  try {
    const { cv: _cv, ...plain } = event;
    if (event.type === EVENT_TYPE.fullSnapshot) {
      if (typeof event.data === 'string') plain.data = inflateLatin1Gzip(event.data);
      return { event: plain, failed: false };
    }
    if (event.type === EVENT_TYPE.incrementalSnapshot && typeof event.data === 'object' && event.data !== null) {
      const data = { ...(event.data as Record<string, unknown>) };
      const fields =
        data.source === INCREMENTAL_SOURCE.mutation ? MUTATION_FIELDS : data.source === INCREMENTAL_SOURCE.styleSheetRule ? STYLE_SHEET_FIELDS : [];
      for (const field of fields) if (typeof data[field] === 'string') data[field] = inflateLatin1Gzip(data[field] as string);
      plain.data = data;
    }
    return { event: plain, failed: false };
  } catch {
    return { event: input, failed: true };
  }
}
