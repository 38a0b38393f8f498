/**
 * The session replay tables (ClickHouse migration 2): the replay consumer's block ledger and
 * PostHog's `session_replay_events`, fed from it by a materialized view. Specs as in schema.ts.
 */
import type { MaterializedViewSpec, TableSpec } from './schema';

const time6 = "DateTime64(6, 'UTC')";
const sumOf = (name: string) => `${name} SimpleAggregateFunction(sum, Int64)`;
const REPLAY_COUNTERS = [
  'click_count',
  'keypress_count',
  'mouse_activity_count',
  'active_milliseconds',
  'console_log_count',
  'console_warn_count',
  'console_error_count',
  'size',
  'message_count',
  'event_count',
] as const;
/**
 * Inserts deduplicated by `insert_deduplication_token` on a single node too (Replicated* engines
 * always do); the view's target needs it as well, or a deduplicated insert still feeds the view.
 */
const DEDUP_WINDOW = 'non_replicated_deduplication_window = 10000';

/**
 * One row per stored replay block (a session's snapshots from one consumer batch, one immutable
 * object in the blob store). The replay consumer's ledger: which records a block holds (sequence
 * number range), so a redelivered batch writes nothing twice; the API's block list; the source of
 * `session_replay_events`.
 */
export const SESSION_REPLAY_BLOCKS: TableSpec = {
  name: 'session_replay_blocks',
  columns: [
    'team_id Int64',
    'session_id String',
    'block_key String',
    'distinct_id String',
    `first_timestamp ${time6}`,
    `last_timestamp ${time6}`,
    'first_url Nullable(String)',
    'urls Array(String)',
    ...REPLAY_COUNTERS.map((c) => `${c} Int64`),
    'snapshot_source LowCardinality(Nullable(String))',
    'snapshot_library Nullable(String)',
    'first_sequence_number String',
    'last_sequence_number String',
    // The block's last user activity: the next block's active time continues from it (gaps < 5 s).
    `last_active_timestamp Nullable(${time6})`,
    'retention_period_days UInt16',
    '_timestamp DateTime DEFAULT now()',
  ],
  engine: ['ReplacingMergeTree', '_timestamp'],
  partitionBy: 'toYYYYMM(first_timestamp)',
  orderBy: '(team_id, session_id, block_key)',
  ttl: 'toDateTime(first_timestamp) + toIntervalDay(retention_period_days)',
  settings: DEDUP_WINDOW,
  shardBy: 'sipHash64(session_id)',
};

/**
 * POSTHOG_CONTRACT §6.5: one logical row per (team, session), aggregated from the blocks (query
 * with min/max/sum/argMinMerge, GROUP BY session_id). Sharded by session (not distinct id, which
 * changes when a visitor identifies mid-session) so that one session's rows meet on one shard.
 */
export const SESSION_REPLAY_EVENTS: TableSpec = {
  name: 'session_replay_events',
  columns: [
    'session_id String',
    'team_id Int64',
    'distinct_id SimpleAggregateFunction(any, String)',
    `min_first_timestamp SimpleAggregateFunction(min, ${time6})`,
    `max_last_timestamp SimpleAggregateFunction(max, ${time6})`,
    `block_first_timestamps SimpleAggregateFunction(groupArrayArray, Array(${time6}))`,
    `block_last_timestamps SimpleAggregateFunction(groupArrayArray, Array(${time6}))`,
    'block_urls SimpleAggregateFunction(groupArrayArray, Array(String))',
    `first_url AggregateFunction(argMin, Nullable(String), ${time6})`,
    'all_urls SimpleAggregateFunction(groupUniqArrayArray, Array(String))',
    ...REPLAY_COUNTERS.map(sumOf),
    `snapshot_source AggregateFunction(argMin, LowCardinality(Nullable(String)), ${time6})`,
    `snapshot_library AggregateFunction(argMin, Nullable(String), ${time6})`,
    '_timestamp SimpleAggregateFunction(max, DateTime)',
    'retention_period_days SimpleAggregateFunction(max, Nullable(Int64))',
  ],
  engine: ['AggregatingMergeTree'],
  partitionBy: 'toYYYYMM(min_first_timestamp)',
  orderBy: '(toDate(min_first_timestamp), team_id, session_id)',
  ttl: 'toDateTime(min_first_timestamp) + toIntervalDay(coalesce(retention_period_days, 30))',
  settings: `index_granularity = 512, ${DEDUP_WINDOW}`,
  shardBy: 'sipHash64(session_id)',
};

export const SESSION_REPLAY_EVENTS_MV: MaterializedViewSpec = {
  name: 'session_replay_events_mv',
  source: SESSION_REPLAY_BLOCKS,
  target: SESSION_REPLAY_EVENTS,
  select: `SELECT
  session_id, team_id, any(distinct_id) AS distinct_id,
  min(first_timestamp) AS min_first_timestamp, max(last_timestamp) AS max_last_timestamp,
  groupArray(first_timestamp) AS block_first_timestamps, groupArray(last_timestamp) AS block_last_timestamps,
  groupArray(block_key) AS block_urls,
  argMinState(first_url, first_timestamp) AS first_url,
  groupUniqArrayArray(urls) AS all_urls,
  ${REPLAY_COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
  argMinState(snapshot_source, first_timestamp) AS snapshot_source,
  argMinState(snapshot_library, first_timestamp) AS snapshot_library,
  max(_timestamp) AS _timestamp,
  max(toInt64(retention_period_days)) AS retention_period_days
FROM {source}
GROUP BY session_id, team_id`,
};

/** Session replay (migration 2). */
export const REPLAY_TABLES: readonly TableSpec[] = [SESSION_REPLAY_BLOCKS, SESSION_REPLAY_EVENTS];
export const REPLAY_VIEWS: readonly MaterializedViewSpec[] = [SESSION_REPLAY_EVENTS_MV];
