import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { BlobStore } from '../ports/blob-store';
import { decodeRecord, type BatchHandler, type StreamRecord } from '../ports/bus';
import type { Database } from '../ports/database';
import { DEFAULT_RETENTION_DAYS } from './block-key';
import { activityOf, insertBlockRows, isStored, sessionKey, storedBlocks, type StoredBlockRange } from './block-ledger';
import { buildBlock, streamPosition, writeBlock, type BlockRow, type WindowedEvent } from './block-writer';
import { InvalidChunkError, stashPart } from './chunk-stash';
import { decompressEvent } from './decompress-events';
import { parseReplayRecord, type ReplayRecord } from './replay-record';
import { cachePerTeam, loadTeamReplaySettings, type TeamReplaySettings } from './replay-settings';

export interface ReplayConsumerDeps {
  readonly blobs: BlobStore;
  readonly store: AnalyticsStore;
  /** Project settings (opt-in, retention). Without it (and without `settings`) every team records, kept 30 days. */
  readonly db?: Database;
  /**
   * Where the project settings come from instead of `db` (e.g. the key-value store, so the
   * consumer needs no VPC and never wakes a paused Aurora). Undefined means no such team: off.
   * Cache it yourself; `settingsTtlMs` applies to `db` only.
   */
  readonly settings?: (teamId: number) => Promise<TeamReplaySettings | undefined>;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How long a team's settings are cached. @default 30 s */
  readonly settingsTtlMs?: number;
  /** Sessions whose blocks are built and written at once. @default 8 */
  readonly writeConcurrency?: number;
}

interface Item {
  readonly record: StreamRecord;
  readonly replay: ReplayRecord;
}

interface SessionWork {
  readonly items: Item[];
  readonly settings: TeamReplaySettings;
}

const SOURCE = 'replay-consumer';

/** A record's shard (from the Kinesis event ID `shardId-…:<sequence>`) and sequence number. */
function positionOf(record: StreamRecord): string {
  const colon = record.eventID.indexOf(':');
  return streamPosition(colon > 0 ? record.eventID.slice(0, colon) : '', record.kinesis.sequenceNumber);
}
const EVERYONE: TeamReplaySettings = { optIn: true, retentionDays: DEFAULT_RETENTION_DAYS };

/**
 * The replay consumer of the `recordings` stream:
 *
 *   parse records → drop teams without replay → skip records already in a block (redelivery)
 *     → per session: reassemble oversized events, inflate cv:"2024-10", one block (JSONL.gz,
 *       content-addressed key) → blob store → one insert of the block rows (→ session_replay_events)
 *
 * Unreadable records go to the dead-letter store; a session whose block could not be written is
 * reported as failed (its records are retried); a failed insert fails the whole batch. A block
 * holds one batch's records of one session, so its size is bounded by the batch, however long
 * the session. Redelivered records are found in the blocks' record ranges and written nowhere.
 */
export function createReplayConsumer(deps: ReplayConsumerDeps): BatchHandler {
  const fromSettings = deps.settings;
  const settingsOf = fromSettings
    ? { get: async (teamId: number) => (await fromSettings(teamId)) ?? { optIn: false, retentionDays: DEFAULT_RETENTION_DAYS } }
    : deps.db
    ? cachePerTeam(async (teamId) => (await loadTeamReplaySettings(deps.db as Database, teamId)) ?? { optIn: false, retentionDays: DEFAULT_RETENTION_DAYS }, deps.settingsTtlMs ?? 30_000)
    : { get: async () => EVERYONE };
  const { metrics, logger } = deps;

  async function deadLetter(record: StreamRecord, reason: string, error: unknown): Promise<void> {
    metrics.increment('replay_dead_letters', { reason });
    logger.warn('replay record sent to the dead-letter store', { reason, sequenceNumber: record.kinesis.sequenceNumber });
    await deps.deadLetters.write({
      source: SOURCE,
      reason,
      error: error instanceof Error ? error.message : String(error),
      partitionKey: record.kinesis.partitionKey,
      sequenceNumber: record.kinesis.sequenceNumber,
      data: record.kinesis.data,
      time: new Date().toISOString(),
    });
  }

  return async function handleBatch(batch) {
    const sessions = new Map<string, SessionWork>();
    for (const record of batch.Records) {
      let replay: ReplayRecord;
      try {
        replay = parseReplayRecord(decodeRecord(record));
      } catch (error) {
        await deadLetter(record, 'unparseable_record', error);
        continue;
      }
      const { teamId, sessionId } = replay.header;
      const settings = await settingsOf.get(teamId);
      if (!settings.optIn) {
        metrics.increment('replay_records_dropped', { drop_cause: 'recording_disabled' });
        continue;
      }
      const key = sessionKey(teamId, sessionId);
      const work = sessions.get(key) ?? { items: [], settings };
      work.items.push({ record, replay });
      sessions.set(key, work);
    }
    if (sessions.size === 0) return { batchItemFailures: [] };

    const stored = await storedBlocks(
      deps.store,
      [...sessions.values()].map((w) => w.items[0].replay.header),
    );

    const failed: string[] = [];
    const rows: BlockRow[] = [];
    const partsToDelete: string[] = [];
    // Sessions are independent: their blocks are built and written with some concurrency (S3
    // puts take tens of ms each); rows keep the batch's session order.
    const outcomes = await mapConcurrently([...sessions], deps.writeConcurrency ?? 8, async ([key, work]) => {
      const fresh = work.items.filter((i) => !isStored(stored.get(key), positionOf(i.record)));
      if (fresh.length < work.items.length) metrics.increment('replay_records_deduplicated', {}, work.items.length - fresh.length);
      if (fresh.length === 0) return undefined;
      try {
        const outcome = await buildSessionBlock(fresh, work.settings, stored.get(key));
        if (outcome) await writeBlock(deps.blobs, outcome.block);
        return outcome;
      } catch (error) {
        logger.error('replay block not written; records will be retried', { session: key, error });
        for (const i of fresh) failed.push(i.record.kinesis.sequenceNumber);
        return undefined;
      }
    });
    for (const outcome of outcomes) {
      if (!outcome) continue;
      rows.push(outcome.block.row);
      partsToDelete.push(...outcome.partKeys);
    }

    await insertBlockRows(deps.store, rows);
    for (const row of rows) {
      metrics.increment('replay_blocks_written');
      metrics.increment('replay_events_written', {}, row.event_count);
      metrics.increment('replay_bytes_written', {}, row.size);
    }
    for (const key of partsToDelete) {
      await deps.blobs.delete(key).catch((error: unknown) => logger.warn('replay part not deleted (the sweeper will)', { key, error }));
    }
    const order = new Map(batch.Records.map((r, i) => [r.kinesis.sequenceNumber, i]));
    failed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  async function buildSessionBlock(items: readonly Item[], settings: TeamReplaySettings, earlier: readonly StoredBlockRange[] | undefined) {
    const { header } = items[0].replay;
    const events: WindowedEvent[] = [];
    const partKeys: string[] = [];
    let inflateFailures = 0;
    const add = (windowId: string, item: unknown) => {
      const { event, failed } = decompressEvent(item);
      if (failed) inflateFailures++;
      events.push({ windowId, event });
    };
    for (const { record, replay } of items) {
      if (replay.chunk) {
        let assembled;
        try {
          assembled = await stashPart(deps.blobs, header.teamId, header.sessionId, replay.chunk);
        } catch (error) {
          if (!(error instanceof InvalidChunkError)) throw error;
          await deadLetter(record, 'invalid_chunk', error);
          continue;
        }
        if (assembled) {
          add(replay.chunk.windowId, assembled.item);
          partKeys.push(...assembled.partKeys);
        }
        continue;
      }
      for (const segment of replay.segments) for (const item of segment.items) add(segment.windowId, item);
    }
    if (inflateFailures > 0) metrics.increment('replay_inflate_failures', {}, inflateFailures);
    if (events.length === 0) return undefined; // only parts of an event still incomplete
    const block = buildBlock({
      teamId: header.teamId,
      sessionId: header.sessionId,
      distinctId: header.distinctId,
      snapshotSource: header.snapshotSource,
      snapshotLibrary: header.snapshotLibrary,
      retentionDays: settings.retentionDays,
      sequenceNumbers: items.map((i) => positionOf(i.record)),
      fallbackMs: Date.parse(header.nowIso) || Date.now(),
      earlierActivity: activityOf(earlier),
      events,
    });
    return { block, partKeys };
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
