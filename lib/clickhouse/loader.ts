import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import { parseProcessedRecord, type ProcessedLines } from '../ingestion/processed-records';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AnalyticsStore } from '../ports/analytics-store';
import { decodeRecord, type BatchHandler } from '../ports/bus';

export interface LoaderDeps {
  readonly store: AnalyticsStore;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Rows per INSERT statement. */
const INSERT_CHUNK = 20_000;

/**
 * The ClickHouse loader of the `events_processed` stream: one batched insert per table, of rows
 * that ingestion already serialised. Idempotent: events ClickHouse already holds (same team and
 * uuid — a redelivered batch, or an SDK retry) are skipped, and person, distinct-id and group rows
 * are versioned (ReplacingMergeTree), so a repeated row changes nothing. Any insert failure fails
 * the batch, which the platform retries.
 *
 * The stored uuids are read from `event_uuids`, which a materialized view fills as `events` is
 * inserted into. The two tables' parts are committed one after the other, so a process killed
 * between them (chDB runs inside ours) leaves events whose uuids `event_uuids` lacks; that batch
 * is redelivered first after the restart (a server that crashed there fails the insert, and the
 * batch comes again). So a loader's first batch, every batch after a failed one and every batch
 * after one that held stored events also looks the rest up in `events` itself (slower: the
 * uuids of the batch's time range).
 */
export function createClickHouseLoader(deps: LoaderDeps): BatchHandler {
  let recovering = true;
  const insert = async (table: string, rows: readonly Buffer[]) => {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await deps.store.insertJsonLines(table, joinLines(rows.slice(i, i + INSERT_CHUNK)));
  };

  return async function load(batch) {
    try {
      return await loadBatch(batch);
    } catch (error) {
      // The batch comes again; an insert that failed may have committed its events part only.
      recovering = true;
      throw error;
    }
  };

  async function loadBatch(batch: Parameters<BatchHandler>[0]): ReturnType<BatchHandler> {
    const events = new Map<string, ProcessedLines['events'][number]>();
    const persons: Buffer[] = [];
    const distinctIds: ProcessedLines['distinctIds'] = [];
    const groups: Buffer[] = [];
    const warnings: Buffer[] = [];
    for (const record of batch.Records) {
      let parsed: ProcessedLines;
      try {
        parsed = parseProcessedRecord(decodeRecord(record));
      } catch (error) {
        await deps.deadLetters.write({
          source: 'clickhouse-loader',
          reason: 'unparseable_record',
          error: (error as Error).message,
          partitionKey: record.kinesis.partitionKey,
          sequenceNumber: record.kinesis.sequenceNumber,
          data: record.kinesis.data,
          time: new Date().toISOString(),
        });
        continue;
      }
      for (const e of parsed.events) events.set(`${e.teamId}:${e.uuid.toLowerCase()}`, e);
      persons.push(...parsed.persons);
      distinctIds.push(...parsed.distinctIds);
      groups.push(...parsed.groups);
      warnings.push(...parsed.warnings);
    }

    // Persons, distinct ids and groups go in before the events: an event that can be read has its
    // person and groups to be read with it (a reader between the inserts saw events without them).
    await insert('person', persons);
    await insert('person_distinct_id2', distinctIds.map((d) => d.row));
    await insert('person_distinct_id_overrides', distinctIds.filter((d) => d.version > 0).map((d) => d.row));
    await insert('groups', groups);
    const fresh = await withoutStoredEvents(deps.store, [...events.values()], recovering);
    recovering = fresh.length < events.size;
    await insert('events', fresh.map((e) => e.row));
    await insert('ingestion_warnings', warnings);
    deps.metrics.increment('loader_events_inserted', {}, fresh.length);
    if (fresh.length < events.size) deps.metrics.increment('loader_events_deduplicated', {}, events.size - fresh.length);
    return { batchItemFailures: [] };
  }
}

const NEWLINE = Buffer.from('\n');

/** JSONEachRow bytes of the rows, one per line. */
function joinLines(rows: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) parts.push(row, NEWLINE);
  return Buffer.concat(parts);
}

/**
 * Drops the events whose (team, uuid) ClickHouse already holds: those `event_uuids` holds (the
 * last seven days), and with `inEvents` those `events` holds in the rows' time range.
 */
async function withoutStoredEvents(store: AnalyticsStore, rows: ProcessedLines['events'], inEvents: boolean): Promise<ProcessedLines['events']> {
  if (rows.length === 0) return rows;
  // (The alias must not be `uuid`: ClickHouse resolves aliases in WHERE, and `uuid IN` would compare strings.)
  const stored = await store.query<{ team_id: string | number; id: string }>(
    'SELECT team_id, toString(uuid) AS id FROM event_uuids WHERE team_id IN {teams:Array(Int64)} AND uuid IN {uuids:Array(UUID)}',
    { params: { teams: teamsOf(rows), uuids: rows.map((r) => r.uuid) } },
  );
  const fresh = without(rows, stored);
  if (!inEvents || fresh.length === 0) return fresh;
  let from = fresh[0]!.timestamp;
  let to = from;
  for (const r of fresh) {
    if (r.timestamp < from) from = r.timestamp;
    if (r.timestamp > to) to = r.timestamp;
  }
  const inTable = await store.query<{ team_id: string | number; id: string }>(
    `SELECT team_id, toString(uuid) AS id FROM events
      WHERE team_id IN {teams:Array(Int64)} AND timestamp >= {from:DateTime64(6, 'UTC')} AND timestamp <= {to:DateTime64(6, 'UTC')}
        AND uuid IN {uuids:Array(UUID)}`,
    { params: { teams: teamsOf(fresh), from, to, uuids: fresh.map((r) => r.uuid) } },
  );
  return without(fresh, inTable);
}

const teamsOf = (rows: ProcessedLines['events']) => [...new Set(rows.map((r) => r.teamId))];

function without(rows: ProcessedLines['events'], stored: readonly { team_id: string | number; id: string }[]): ProcessedLines['events'] {
  if (stored.length === 0) return rows;
  const seen = new Set(stored.map((s) => `${Number(s.team_id)}:${s.id}`));
  return rows.filter((r) => !seen.has(`${r.teamId}:${r.uuid.toLowerCase()}`));
}
