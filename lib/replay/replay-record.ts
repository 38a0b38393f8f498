import { randomUUID } from 'node:crypto';
import { MAX_RECORD_BYTES, type BusRecord } from '../ports/bus';
import { isValidSessionId } from './session-id';

/**
 * The record format of the `recordings` stream (written by the /s handler, read by the replay
 * consumer). One record holds one session's snapshot items from one request, per window, in
 * order; a session whose items do not fit one record becomes several consecutive records, and a
 * single item too large for a record travels as `chunk` records (base64 slices of its JSON text)
 * that the consumer puts back together:
 *
 * ```jsonc
 * {"v":1,"team_id":1,"token":"phc_…","session_id":"…","distinct_id":"…","now":"2026-…Z",
 *  "snapshot_source":"web","snapshot_library":"web",
 *  "segments":[{"window_id":"…","items":[rrweb event, …]}]}
 * {"v":1, …same header…, "chunk":{"id":"…","index":0,"count":3,"window_id":"…","data":"<base64>"}}
 * ```
 */
export interface ReplayRecordHeader {
  readonly teamId: number;
  readonly token: string;
  readonly sessionId: string;
  readonly distinctId: string;
  /** When capture received the request (ISO). */
  readonly nowIso: string;
  readonly snapshotSource: string;
  readonly snapshotLibrary: string;
}

export interface ReplaySegment<Item> {
  readonly windowId: string;
  readonly items: Item[];
}

export interface ReplayChunk {
  /** Unique per oversized item (capture time and a random UUID). */
  readonly id: string;
  readonly index: number;
  readonly count: number;
  readonly windowId: string;
  /** This slice of the item's UTF-8 JSON. */
  readonly data: Buffer;
}

/** A record as the consumer reads it back. */
export interface ReplayRecord {
  readonly header: ReplayRecordHeader;
  readonly segments: ReplaySegment<unknown>[];
  readonly chunk: ReplayChunk | undefined;
}

/** Records with the same key stay in order on one shard. */
export function replayPartitionKey(token: string, sessionId: string): string {
  return `${token}:${sessionId}`;
}

function headText(h: ReplayRecordHeader): string {
  return (
    `{"v":1,"team_id":${h.teamId},"token":${JSON.stringify(h.token)},"session_id":${JSON.stringify(h.sessionId)},` +
    `"distinct_id":${JSON.stringify(h.distinctId)},"now":${JSON.stringify(h.nowIso)},` +
    `"snapshot_source":${JSON.stringify(h.snapshotSource)},"snapshot_library":${JSON.stringify(h.snapshotLibrary)},`
  );
}

const segmentHead = (windowId: string) => `{"window_id":${JSON.stringify(windowId)},"items":[`;

/**
 * A session's items (each already JSON text) → records of at most `maxBytes` (partition key
 * included, as Kinesis counts it). Items keep their order; nothing valid is refused: an item too
 * large for any record is cut into chunk records.
 */
export function buildReplayRecords(header: ReplayRecordHeader, segments: readonly ReplaySegment<string>[], maxBytes = MAX_RECORD_BYTES): BusRecord[] {
  const partitionKey = replayPartitionKey(header.token, header.sessionId);
  const budget = maxBytes - Buffer.byteLength(partitionKey);
  const head = headText(header);
  const headBytes = Buffer.byteLength(head) + '"segments":['.length + ']}'.length;
  const records: BusRecord[] = [];

  let text = '';
  let size = headBytes;
  let openWindow: string | undefined; // the window of the segment `text` ends in (still open)
  const closeRecord = () => {
    if (openWindow === undefined) return;
    records.push({ partitionKey, data: Buffer.from(`${head}"segments":[${text}]}]}`, 'utf8') });
    text = '';
    size = headBytes;
    openWindow = undefined;
  };

  for (const segment of segments) {
    const open = segmentHead(segment.windowId);
    const openBytes = Buffer.byteLength(open) + ']}'.length;
    for (const item of segment.items) {
      const itemBytes = Buffer.byteLength(item);
      if (headBytes + openBytes + itemBytes > budget) {
        closeRecord();
        records.push(...chunkRecords(partitionKey, head, segment.windowId, Buffer.from(item, 'utf8'), budget, header.nowIso));
        continue;
      }
      const cost = () => (openWindow === segment.windowId ? 1 + itemBytes : (openWindow === undefined ? 0 : 1) + openBytes + itemBytes);
      if (size + cost() > budget) closeRecord();
      size += cost();
      if (openWindow === segment.windowId) text += `,${item}`;
      else text += `${openWindow === undefined ? '' : ']},'}${open}${item}`;
      openWindow = segment.windowId;
    }
  }
  closeRecord();
  return records;
}

function chunkRecords(partitionKey: string, head: string, windowId: string, bytes: Buffer, budget: number, nowIso: string): BusRecord[] {
  const id = `${Date.parse(nowIso)}-${randomUUID()}`;
  const frame = (index: number, count: number, data: string) =>
    `${head}"chunk":{"id":"${id}","index":${index},"count":${count},"window_id":${JSON.stringify(windowId)},"data":"${data}"}}`;
  // The frame with the widest numbers this item can need, to size the slices.
  const overhead = Buffer.byteLength(frame(bytes.length, bytes.length, ''));
  const slice = Math.floor((budget - overhead) / 4) * 3;
  if (slice <= 0) throw new RangeError('record header leaves no room for data');
  const count = Math.ceil(bytes.length / slice);
  const out: BusRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ partitionKey, data: Buffer.from(frame(i, count, bytes.subarray(i * slice, (i + 1) * slice).toString('base64')), 'utf8') });
  }
  return out;
}

/** Why a record could not be read (the consumer dead-letters it). */
export class InvalidReplayRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReplayRecordError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A record's bytes → its header and items; InvalidReplayRecordError for anything else. */
export function parseReplayRecord(bytes: Buffer): ReplayRecord {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidReplayRecordError(`not JSON: ${(error as Error).message}`);
  }
  if (!isObject(value) || value.v !== 1) throw new InvalidReplayRecordError('not a v1 replay record');
  const { team_id, token, session_id, distinct_id, now, snapshot_source, snapshot_library } = value;
  if (!isCount(team_id) || typeof token !== 'string' || !isValidSessionId(session_id) || typeof distinct_id !== 'string' || typeof now !== 'string') {
    throw new InvalidReplayRecordError('bad record header');
  }
  const header: ReplayRecordHeader = {
    teamId: team_id,
    token,
    sessionId: session_id,
    distinctId: distinct_id,
    nowIso: now,
    snapshotSource: typeof snapshot_source === 'string' ? snapshot_source : 'web',
    snapshotLibrary: typeof snapshot_library === 'string' ? snapshot_library : 'web',
  };
  if (value.chunk !== undefined) {
    const c = value.chunk;
    if (!isObject(c) || typeof c.id !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(c.id) || !isCount(c.index) || !isCount(c.count) || c.index >= c.count || typeof c.window_id !== 'string' || typeof c.data !== 'string') {
      throw new InvalidReplayRecordError('bad chunk');
    }
    return { header, segments: [], chunk: { id: c.id, index: c.index, count: c.count, windowId: c.window_id, data: Buffer.from(c.data, 'base64') } };
  }
  if (!Array.isArray(value.segments)) throw new InvalidReplayRecordError('no segments');
  const segments = value.segments.map((s): ReplaySegment<unknown> => {
    if (!isObject(s) || typeof s.window_id !== 'string' || !Array.isArray(s.items)) throw new InvalidReplayRecordError('bad segment');
    return { windowId: s.window_id, items: s.items };
  });
  return { header, segments, chunk: undefined };
}
