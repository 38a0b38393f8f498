import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StreamBatch, StreamRecord, BusRecord } from '../../lib/ports/bus';
import { COMPRESSION_2024_10 } from '../../lib/replay/decompress-events';

export { MemoryBus, MapTokens, TOKEN, TEAM_ID, NOW, request, gzipJson, bodyOf } from '../capture/capture-harness';

const FIXTURE = path.join(__dirname, '../fixtures/sdk-wire/posthog-js/06-s.json');

/** The real `/s/` body posthog-js 1.449.2 sent (decoded): one `$snapshot` event. */
export function fixtureBody(): Record<string, unknown>[] {
  return JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>[];
}

/** The rrweb events of the fixture, as sent (a cv:"2024-10" full snapshot among them). */
export function fixtureEvents(): Record<string, unknown>[] {
  const [event] = fixtureBody();
  return (event.properties as { $snapshot_data: Record<string, unknown>[] }).$snapshot_data;
}

/** posthog-js' compression of one field: gzip bytes as a Latin-1 string (fflate `strFromU8(bytes, true)`). */
export function latin1Gzip(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8')).toString('latin1');
}

/** A cv:"2024-10" mutation event, as posthog-js sends it. */
export function compressedMutation(timestamp: number, data: { adds: unknown[]; removes: unknown[]; texts: unknown[]; attributes: unknown[] }) {
  return {
    type: 3,
    timestamp,
    cv: COMPRESSION_2024_10,
    data: { source: 0, adds: latin1Gzip(data.adds), removes: latin1Gzip(data.removes), texts: latin1Gzip(data.texts), attributes: latin1Gzip(data.attributes) },
  };
}

export const meta = (timestamp: number, href: string) => ({ type: 4, timestamp, data: { href, width: 1280, height: 720 } });
export const fullSnapshot = (timestamp: number, node: unknown = { type: 0, childNodes: [], id: 1 }) => ({ type: 2, timestamp, cv: COMPRESSION_2024_10, data: latin1Gzip({ node, initialOffset: { top: 0, left: 0 } }) });
export const click = (timestamp: number) => ({ type: 3, timestamp, data: { source: 2, type: 2, id: 13, x: 1, y: 2 } });
export const mouseMove = (timestamp: number) => ({ type: 3, timestamp, data: { source: 1, positions: [{ x: 1, y: 1, id: 1, timeOffset: 0 }] } });
export const input = (timestamp: number) => ({ type: 3, timestamp, data: { source: 5, text: '***', isChecked: false, id: 15 } });
export const consoleLog = (timestamp: number, level: string) => ({ type: 6, timestamp, data: { plugin: 'rrweb/console@1', payload: { level, payload: ['"hi"'], trace: [] } } });

/** A `$snapshot` event as posthog-js sends it. */
export function snapshotEvent(sessionId: string, items: unknown[], extra: Record<string, unknown> = {}) {
  return {
    event: '$snapshot',
    properties: { $snapshot_bytes: 100, $snapshot_data: items, $session_id: sessionId, $window_id: `${sessionId}-w`, $lib: 'web', token: 'phc_testtoken', distinct_id: 'user-1', ...extra },
    timestamp: '2026-11-23T20:20:39.381Z',
  };
}

/** Bus records → a Kinesis-shaped batch with increasing sequence numbers from `first`. */
export function batchOf(records: readonly BusRecord[], first = 1, shardId = 'shardId-000000000000'): StreamBatch {
  return {
    Records: records.map((r, i): StreamRecord => {
      const seq = String(first + i).padStart(20, '0');
      return {
        eventSource: 'aws:kinesis',
        eventID: `${shardId}:${seq}`,
        kinesis: { data: Buffer.from(r.data).toString('base64'), partitionKey: r.partitionKey, sequenceNumber: seq, approximateArrivalTimestamp: 0 },
      };
    }),
  };
}
