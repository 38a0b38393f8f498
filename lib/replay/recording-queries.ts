import { SESSION_REPLAY_BLOCKS, SESSION_REPLAY_EVENTS } from '../clickhouse/replay-schema';
import { fromClickHouseTime, toClickHouseTime } from '../clickhouse/time';
import type { AnalyticsStore } from '../ports/analytics-store';

/** Session metrics a list can be filtered on (PostHog's recording property filters). */
export const RECORDING_METRICS = {
  duration: 'duration',
  active_seconds: 'active_ms / 1000',
  inactive_seconds: 'duration - active_ms / 1000',
  click_count: 'clicks',
  keypress_count: 'keypresses',
  mouse_activity_count: 'mouse',
  console_log_count: 'logs',
  console_warn_count: 'warns',
  console_error_count: 'errors',
} as const;
export type RecordingMetric = keyof typeof RECORDING_METRICS;

export const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=', exact: '=' } as const;
export type Comparison = keyof typeof COMPARISONS;

export interface MetricPredicate {
  readonly metric: RecordingMetric;
  readonly comparison: Comparison;
  readonly value: number;
}

export interface RecordingFilters {
  readonly sessionIds?: readonly string[];
  /** Recordings of any of these distinct ids (a person's). */
  readonly distinctIds?: readonly string[];
  /** Sessions that started in this range. */
  readonly dateFrom?: Date;
  readonly dateTo?: Date;
  readonly predicates?: readonly MetricPredicate[];
  /** Sessions in which these events (by name) occurred: all of them (AND) or any (OR). */
  readonly events?: { readonly names: readonly string[]; readonly operand: 'AND' | 'OR' };
  readonly limit: number;
  readonly offset: number;
  /** Recordings past their retention are not shown. */
  readonly now: Date;
}

export interface RecordingSummary {
  readonly sessionId: string;
  readonly distinctId: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationSeconds: number;
  readonly activeMilliseconds: number;
  readonly clickCount: number;
  readonly keypressCount: number;
  readonly mouseActivityCount: number;
  readonly consoleLogCount: number;
  readonly consoleWarnCount: number;
  readonly consoleErrorCount: number;
  readonly startUrl: string | null;
  readonly snapshotSource: string | null;
  readonly snapshotLibrary: string | null;
  readonly retentionDays: number;
}

interface Row {
  session_id: string;
  rec_distinct_id: string;
  start_time: string;
  end_time: string;
  duration: string | number;
  active_ms: string | number;
  clicks: string | number;
  keypresses: string | number;
  mouse: string | number;
  logs: string | number;
  warns: string | number;
  errors: string | number;
  start_url: string | null;
  src: string | null;
  lib: string | null;
  retention: string | number | null;
}

const chTime = (d: Date) => toClickHouseTime(d.toISOString());
/** Sessions last at most a day (posthog-js): rows that started two days before `date_from` cannot belong to one that started after it. */
const SESSION_SPAN = 'INTERVAL 2 DAY';

/**
 * The team's recordings (newest first) from `session_replay_events`, aggregated per session.
 * Every query is scoped to the team; filters apply to the whole session (HAVING), not to rows.
 */
export async function listRecordings(store: AnalyticsStore, teamId: number, filters: RecordingFilters): Promise<RecordingSummary[]> {
  const where = ['team_id = {team:Int64}'];
  const having = [`start_time + toIntervalDay(coalesce(retention, 30)) > {now:DateTime64(6, 'UTC')}`];
  const params: Record<string, unknown> = { team: teamId, now: chTime(filters.now), limit: filters.limit, offset: filters.offset };
  if (filters.sessionIds) {
    where.push('session_id IN {sessionIds:Array(String)}');
    params.sessionIds = filters.sessionIds;
  }
  if (filters.dateFrom) {
    where.push(`min_first_timestamp >= {from:DateTime64(6, 'UTC')} - ${SESSION_SPAN}`);
    having.push(`start_time >= {from:DateTime64(6, 'UTC')}`);
    params.from = chTime(filters.dateFrom);
  }
  if (filters.dateTo) {
    having.push(`start_time <= {to:DateTime64(6, 'UTC')}`);
    params.to = chTime(filters.dateTo);
  }
  if (filters.distinctIds) {
    having.push('countIf(distinct_id IN {distinctIds:Array(String)}) > 0');
    params.distinctIds = filters.distinctIds;
  }
  (filters.predicates ?? []).forEach((p, i) => {
    having.push(`(${RECORDING_METRICS[p.metric]}) ${COMPARISONS[p.comparison]} {p${i}:Float64}`);
    params[`p${i}`] = p.value;
  });
  if (filters.events && filters.events.names.length > 0) {
    const names = [...new Set(filters.events.names)];
    const all = filters.events.operand === 'AND' ? `HAVING uniqExact(event) = ${names.length}` : '';
    where.push(
      `session_id IN (SELECT \`$session_id\` FROM events WHERE team_id = {team:Int64} AND \`$session_id\` != '' AND event IN {eventNames:Array(String)}` +
        `${filters.dateFrom ? ` AND timestamp >= {from:DateTime64(6, 'UTC')} - ${SESSION_SPAN}` : ''} GROUP BY \`$session_id\` ${all})`,
    );
    params.eventNames = names;
  }
  const rows = await store.query<Row>(
    `SELECT session_id,
            any(distinct_id) AS rec_distinct_id,
            min(min_first_timestamp) AS start_time,
            max(max_last_timestamp) AS end_time,
            dateDiff('second', start_time, end_time) AS duration,
            sum(active_milliseconds) AS active_ms,
            sum(click_count) AS clicks, sum(keypress_count) AS keypresses, sum(mouse_activity_count) AS mouse,
            sum(console_log_count) AS logs, sum(console_warn_count) AS warns, sum(console_error_count) AS errors,
            argMinMerge(first_url) AS start_url,
            argMinMerge(snapshot_source) AS src, argMinMerge(snapshot_library) AS lib,
            max(retention_period_days) AS retention
       FROM ${SESSION_REPLAY_EVENTS.name}
      WHERE ${where.join(' AND ')}
      GROUP BY session_id
     HAVING ${having.join(' AND ')}
      ORDER BY start_time DESC, session_id
      LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { params },
  );
  return rows.map(toSummary);
}

function toSummary(r: Row): RecordingSummary {
  return {
    sessionId: r.session_id,
    distinctId: r.rec_distinct_id,
    startTime: fromClickHouseTime(r.start_time),
    endTime: fromClickHouseTime(r.end_time),
    durationSeconds: Number(r.duration),
    activeMilliseconds: Number(r.active_ms),
    clickCount: Number(r.clicks),
    keypressCount: Number(r.keypresses),
    mouseActivityCount: Number(r.mouse),
    consoleLogCount: Number(r.logs),
    consoleWarnCount: Number(r.warns),
    consoleErrorCount: Number(r.errors),
    startUrl: r.start_url,
    snapshotSource: r.src,
    snapshotLibrary: r.lib,
    retentionDays: Number(r.retention ?? 30),
  };
}

/** One recording, or undefined (none, or past its retention). */
export async function getRecording(store: AnalyticsStore, teamId: number, sessionId: string, now: Date): Promise<RecordingSummary | undefined> {
  const [found] = await listRecordings(store, teamId, { sessionIds: [sessionId], limit: 1, offset: 0, now });
  return found;
}

export interface StoredBlock {
  readonly key: string;
  readonly startTime: string;
  readonly endTime: string;
}

/** A session's blocks in time order (the snapshot API's sources; index = PostHog's blob_key). */
export async function listBlocks(store: AnalyticsStore, teamId: number, sessionId: string): Promise<StoredBlock[]> {
  const rows = await store.query<{ block_key: string; start: string; end: string }>(
    `SELECT block_key, min(first_timestamp) AS start, max(last_timestamp) AS end
       FROM ${SESSION_REPLAY_BLOCKS.name}
      WHERE team_id = {team:Int64} AND session_id = {session:String}
      GROUP BY block_key
      ORDER BY start, end, block_key`,
    { params: { team: teamId, session: sessionId } },
  );
  return rows.map((r) => ({ key: r.block_key, startTime: fromClickHouseTime(r.start), endTime: fromClickHouseTime(r.end) }));
}

/** Where replay rows are deleted: the tables themselves, or a cluster's sharded data tables ON CLUSTER. */
export interface ReplayTopology {
  readonly cluster?: string;
}

function tableFor(name: string, topology: ReplayTopology): string {
  return topology.cluster ? `sharded_${name} ON CLUSTER '${topology.cluster}'` : name;
}

/** Deletes a session's rows (lightweight DELETE: gone from queries at once, from disk at the next merge). */
export async function deleteRecordingRows(store: AnalyticsStore, teamId: number, sessionId: string, topology: ReplayTopology = {}): Promise<void> {
  for (const table of [SESSION_REPLAY_BLOCKS.name, SESSION_REPLAY_EVENTS.name]) {
    await store.command(`DELETE FROM ${tableFor(table, topology)} WHERE team_id = {team:Int64} AND session_id = {session:String}`, {
      params: { team: teamId, session: sessionId },
    });
  }
}

/** Deletes rows past their retention now, rather than whenever TTL merges run. */
export async function deleteExpiredRows(store: AnalyticsStore, now: Date, topology: ReplayTopology = {}): Promise<void> {
  const params = { now: chTime(now) };
  await store.command(
    `DELETE FROM ${tableFor(SESSION_REPLAY_BLOCKS.name, topology)} WHERE first_timestamp + toIntervalDay(retention_period_days) <= {now:DateTime64(6, 'UTC')}`,
    { params },
  );
  await store.command(
    `DELETE FROM ${tableFor(SESSION_REPLAY_EVENTS.name, topology)} WHERE min_first_timestamp + toIntervalDay(coalesce(retention_period_days, 30)) <= {now:DateTime64(6, 'UTC')}`,
    { params },
  );
}
