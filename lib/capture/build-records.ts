import { MAX_RECORD_BYTES, type BusRecord } from '../ports/bus';
import { EventTooLargeError } from './errors';
import type { NormalizedEvent } from './normalize-event';
import { eventBytes, eventParts, recordBytes, type EventParts, type RawProperties, type RecordHeader } from './record-json';

/** The events of one partition key in one request. */
export interface RecordGroup {
  readonly partitionKey: string;
  readonly distinctId: string;
  readonly events: NormalizedEvent[];
}

export interface RecordContext extends Omit<RecordHeader, 'distinctId'> {
  /** The request bytes with the events' `properties` spans; undefined → serialise parsed objects. */
  readonly raw: RawProperties | undefined;
}

/**
 * One `CapturedRecord` per group. Each event is written once; a group whose record would pass
 * `maxBytes` becomes several records (consecutive events, order kept) from the same parts.
 * An event that alone cannot fit is a 413.
 */
export function buildBusRecords(groups: Iterable<RecordGroup>, ctx: RecordContext, maxBytes = MAX_RECORD_BYTES): BusRecord[] {
  const records: BusRecord[] = [];
  const source = ctx.raw?.bytes;
  for (const group of groups) {
    const header: RecordHeader = { ...ctx, distinctId: group.distinctId };
    const events = group.events.map((event) => eventParts(event, ctx.raw));
    const data = recordBytes(header, events, source);
    if (data.length <= maxBytes) records.push({ partitionKey: group.partitionKey, data });
    else splitInto(records, group.partitionKey, header, events, source, maxBytes);
  }
  return records;
}

function splitInto(out: BusRecord[], partitionKey: string, header: RecordHeader, events: EventParts[], source: Uint8Array | undefined, maxBytes: number): void {
  const budget = maxBytes - recordBytes(header, [], source).length; // for the events and their commas
  let part: EventParts[] = [];
  let size = 0;
  const flush = () => {
    if (part.length > 0) out.push({ partitionKey, data: recordBytes(header, part, source) });
    part = [];
    size = 0;
  };
  for (const event of events) {
    const bytes = eventBytes(event);
    if (bytes > budget) throw new EventTooLargeError(bytes, budget);
    if (size + bytes > budget) flush();
    part.push(event);
    size += bytes;
  }
  flush();
}
