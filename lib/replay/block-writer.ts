import { gunzipSync, gzipSync } from 'node:zlib';
import { toClickHouseTime } from '../clickhouse/time';
import type { BlobStore } from '../ports/blob-store';
import { blockKey, type RetentionPeriodDays } from './block-key';
import { blockMetadata } from './block-metadata';

/** An rrweb event and the browser window it was recorded in. */
export interface WindowedEvent {
  readonly windowId: string;
  readonly event: unknown;
}

export interface BlockInput {
  readonly teamId: number;
  readonly sessionId: string;
  readonly distinctId: string;
  readonly snapshotSource: string;
  readonly snapshotLibrary: string;
  readonly retentionDays: RetentionPeriodDays;
  /** Stream positions (`streamPosition`) of the records the block holds, all of one shard. */
  readonly sequenceNumbers: readonly string[];
  /** Used for first/last time when no event has a usable timestamp (epoch ms). */
  readonly fallbackMs: number;
  /** The last activity (epoch ms) of the session's stored blocks, so active time runs across blocks. */
  readonly earlierActivity?: readonly number[];
  readonly events: readonly WindowedEvent[];
}

/** A `session_replay_blocks` row (lib/clickhouse/schema.ts). */
export interface BlockRow {
  team_id: number;
  session_id: string;
  block_key: string;
  distinct_id: string;
  first_timestamp: string;
  last_timestamp: string;
  first_url: string | null;
  urls: string[];
  click_count: number;
  keypress_count: number;
  mouse_activity_count: number;
  active_milliseconds: number;
  console_log_count: number;
  console_warn_count: number;
  console_error_count: number;
  size: number;
  message_count: number;
  event_count: number;
  snapshot_source: string;
  snapshot_library: string;
  first_sequence_number: string;
  last_sequence_number: string;
  last_active_timestamp: string | null;
  retention_period_days: number;
}

/** rrweb JSONL: level 3 compresses ~13× at a third of level 6's time (which gains ~10 %). */
const GZIP_LEVEL = 3;

export interface BuiltBlock {
  readonly key: string;
  /** gzip of the JSONL. */
  readonly body: Buffer;
  readonly row: BlockRow;
}

/**
 * Kinesis sequence numbers are decimal strings of up to 129 digits (the local log's are shorter);
 * zero-padded to one width they compare as strings in ClickHouse.
 */
export function comparableSequence(sequenceNumber: string): string {
  return sequenceNumber.padStart(130, '0');
}

/**
 * Where a record is in the stream: `<shard id>|<comparable sequence number>`. Sequence numbers
 * only order records within a shard; after a reshard (or the local log run with another shard
 * count) a session's records come from another shard, whose numbers must not be compared.
 */
export function streamPosition(shardId: string, sequenceNumber: string): string {
  return `${shardId}|${comparableSequence(sequenceNumber)}`;
}

/**
 * A block: the session's events as JSONL, one `[windowId, event]` array per line (the line shape
 * of PostHog's v2 blocks, which its player reads), gzipped; its content-derived key; its row.
 */
export function buildBlock(input: BlockInput): BuiltBlock {
  const lines: string[] = new Array(input.events.length);
  for (let i = 0; i < input.events.length; i++) lines[i] = JSON.stringify([input.events[i].windowId, input.events[i].event]);
  const content = Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', 'utf8');
  const meta = blockMetadata(
    input.events.map((e) => e.event),
    input.fallbackMs,
    input.earlierActivity,
  );
  const key = blockKey({
    retentionDays: input.retentionDays,
    teamId: input.teamId,
    sessionId: input.sessionId,
    firstTimestamp: meta.firstTimestamp,
    lastTimestamp: meta.lastTimestamp,
    content,
    sequenceNumbers: input.sequenceNumbers,
  });
  const sequences = [...input.sequenceNumbers].sort();
  return {
    key,
    body: gzipSync(content, { level: GZIP_LEVEL }),
    row: {
      team_id: input.teamId,
      session_id: input.sessionId,
      block_key: key,
      distinct_id: input.distinctId,
      first_timestamp: chTime(meta.firstTimestamp),
      last_timestamp: chTime(meta.lastTimestamp),
      first_url: meta.firstUrl,
      urls: meta.urls,
      click_count: meta.clickCount,
      keypress_count: meta.keypressCount,
      mouse_activity_count: meta.mouseActivityCount,
      active_milliseconds: meta.activeMilliseconds,
      console_log_count: meta.consoleLogCount,
      console_warn_count: meta.consoleWarnCount,
      console_error_count: meta.consoleErrorCount,
      size: content.length,
      message_count: input.sequenceNumbers.length,
      event_count: meta.eventCount,
      snapshot_source: input.snapshotSource,
      snapshot_library: input.snapshotLibrary,
      first_sequence_number: sequences[0] ?? '',
      last_sequence_number: sequences[sequences.length - 1] ?? '',
      last_active_timestamp: meta.lastActiveTimestamp === null ? null : chTime(meta.lastActiveTimestamp),
      retention_period_days: input.retentionDays,
    },
  };
}

function chTime(ms: number): string {
  return toClickHouseTime(new Date(ms).toISOString());
}

/** Writes a block once: its key is derived from its content, so a rewrite puts the same bytes. */
export async function writeBlock(blobs: BlobStore, block: BuiltBlock): Promise<void> {
  await blobs.put(block.key, block.body, 'application/gzip');
}

/** A stored block's lines (`[windowId, event]` JSON text each), for the API. */
export function blockLines(body: Buffer): string {
  return (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
}
