import { partitionKeyOf, type CapturedEvent, type CapturedRecord } from '../../lib/ingestion/records';
import type { StreamBatch } from '../../lib/ports/bus';

let seq = 0;

/**
 * A record of the `events` stream as capture writes it, for the ingestion consumer's tests: every
 * event gets the next UUIDv7-shaped uuid and a timestamp one second after the previous event's.
 */
export function capturedRecord(
  project: { teamId: number; token: string },
  distinctId: string,
  events: Partial<CapturedEvent>[],
  over: Partial<CapturedRecord> = {},
): CapturedRecord {
  return {
    v: 1,
    team_id: project.teamId,
    token: project.token,
    distinct_id: distinctId,
    ip: '10.0.0.1',
    now: '2026-11-23T10:00:00.000Z',
    sent_at: null,
    events: events.map((e) => {
      const n = ++seq;
      return {
        uuid: `01a20a00-0000-7000-8000-${String(n).padStart(12, '0')}`,
        event: 'pageview',
        distinct_id: distinctId,
        properties: {},
        timestamp: new Date(Date.UTC(2026, 10, 23, 9) + n * 1000).toISOString(),
        ...e,
      };
    }),
    ...over,
  };
}

/** A Kinesis-shaped batch of records; a string item is sent as it is (a poison record). */
export function kinesisBatchOf(...items: (CapturedRecord | string)[]): StreamBatch {
  return {
    Records: items.map((item) => {
      const n = ++seq;
      return {
        eventSource: 'aws:kinesis' as const,
        eventID: `shardId-000000000000:${n}`,
        kinesis: {
          data: Buffer.from(typeof item === 'string' ? item : JSON.stringify(item)).toString('base64'),
          partitionKey: typeof item === 'string' ? 'x' : partitionKeyOf(item.token, item.distinct_id),
          sequenceNumber: String(n).padStart(20, '0'),
          approximateArrivalTimestamp: 0,
        },
      };
    }),
  };
}
