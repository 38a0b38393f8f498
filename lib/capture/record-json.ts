import type { NormalizedEvent } from './normalize-event';
import { RequestParsingError } from './errors';

/** The request's UTF-8 bytes and, per event, the byte span of its `properties` object (-1: none). */
export interface RawProperties {
  readonly bytes: Uint8Array;
  readonly spans: Int32Array;
}

/**
 * An event of a record as `CapturedEvent` JSON in three parts: `head` text, the bytes
 * `[start, end)` of the request copied as they came (its `properties`), `tail` text.
 * When the span is unknown the properties are serialised into `head` and the range is empty.
 */
export interface EventParts {
  readonly head: string;
  readonly start: number;
  readonly end: number;
  readonly tail: string;
}

/**
 * Writes an event by hand: uuid and timestamp need no escaping (checked hex, generated ISO);
 * `$ip` goes last in `properties`, so it wins over a `null` sent earlier. Throws a 400 for a
 * value nested too deeply to serialise.
 */
export function eventParts(event: NormalizedEvent, raw: RawProperties | undefined): EventParts {
  try {
    let head = `{"uuid":"${event.uuid}","event":${JSON.stringify(event.event)},"distinct_id":${JSON.stringify(event.distinct_id)},"properties":`;
    let tail = `,"timestamp":"${event.timestamp}"`;
    if (event.$set !== undefined) tail += `,"$set":${JSON.stringify(event.$set)}`;
    if (event.$set_once !== undefined) tail += `,"$set_once":${JSON.stringify(event.$set_once)}`;
    if (event.warnings !== undefined) tail += `,"warnings":${JSON.stringify(event.warnings)}`;
    tail += '}';

    const ip = event.addIp;
    const start = raw === undefined ? -1 : raw.spans[event.index * 2];
    const empty = isEmpty(event.properties);
    if (start >= 0 && !empty) {
      const end = (raw as RawProperties).spans[event.index * 2 + 1];
      if (ip === undefined) return { head, start, end, tail };
      return { head, start, end: end - 1, tail: `,"$ip":${JSON.stringify(ip)}}${tail}` }; // drop the `}`, append $ip
    }
    if (empty) head += ip === undefined ? '{}' : `{"$ip":${JSON.stringify(ip)}}`;
    else {
      if (ip !== undefined) event.properties.$ip = ip; // the parsed object is ours: extend it, do not copy it
      head += JSON.stringify(event.properties);
    }
    return { head, start: 0, end: 0, tail };
  } catch {
    // JSON.stringify throws here only for a value nested deeper than the stack allows
    throw new RequestParsingError('a value is nested too deeply to be stored', event.index);
  }
}

function isEmpty(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}

export interface RecordHeader {
  readonly teamId: number;
  readonly token: string;
  readonly distinctId: string;
  readonly ip: string | null;
  readonly nowIso: string;
  readonly sentAtIso: string | null;
}

function recordHead(header: RecordHeader): string {
  return (
    `{"v":1,"team_id":${JSON.stringify(header.teamId)},"token":${JSON.stringify(header.token)},"distinct_id":${JSON.stringify(header.distinctId)}` +
    `,"ip":${JSON.stringify(header.ip)},"now":${JSON.stringify(header.nowIso)},"sent_at":${JSON.stringify(header.sentAtIso)},"events":[`
  );
}

/**
 * A `CapturedRecord`'s bytes: the text parts encoded at once, the properties copied from the
 * request bytes between them (no re-serialisation, no re-encoding of the bulk of the record).
 */
export function recordBytes(header: RecordHeader, events: readonly EventParts[], source: Uint8Array | undefined): Buffer {
  let text = recordHead(header);
  const cuts = new Int32Array(events.length); // where each event's copied bytes go, in `text`
  let copied = 0;
  for (let k = 0; k < events.length; k++) {
    if (k > 0) text += `${events[k - 1].tail},`;
    text += events[k].head;
    cuts[k] = text.length;
    copied += events[k].end - events[k].start;
  }
  text += events.length > 0 ? `${events[events.length - 1].tail}]}` : ']}';

  const encoded = Buffer.from(text, 'utf8');
  if (copied === 0 || source === undefined) return encoded;
  if (encoded.length !== text.length) toByteOffsets(text, cuts); // some text is not ASCII
  const out = Buffer.allocUnsafe(encoded.length + copied);
  let at = 0;
  let from = 0;
  for (let k = 0; k < events.length; k++) {
    out.set(encoded.subarray(from, cuts[k]), at);
    at += cuts[k] - from;
    from = cuts[k];
    const { start, end } = events[k];
    if (end > start) {
      out.set(source.subarray(start, end), at);
      at += end - start;
    }
  }
  out.set(encoded.subarray(from), at);
  return out;
}

/** UTF-16 offsets into `text` → UTF-8 byte offsets, in place (offsets ascending). */
function toByteOffsets(text: string, offsets: Int32Array): void {
  let chars = 0;
  let bytes = 0;
  for (let k = 0; k < offsets.length; k++) {
    bytes += Buffer.byteLength(text.slice(chars, offsets[k]), 'utf8');
    chars = offsets[k];
    offsets[k] = bytes;
  }
}

/** The size an event adds to a record (its JSON and a comma), for splitting. */
export function eventBytes(event: EventParts): number {
  return Buffer.byteLength(event.head, 'utf8') + (event.end - event.start) + Buffer.byteLength(event.tail, 'utf8') + 1;
}
