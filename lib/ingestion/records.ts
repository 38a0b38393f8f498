import { createHash } from 'node:crypto';

/**
 * The record formats on the bus (see docs/architecture.md). One record holds the events
 * of one partition key (token:distinct_id) from one request.
 */

export interface IngestionWarning {
  readonly type: string;
  readonly details: Record<string, unknown>;
}

/** An event as capture hands it on: validated, with its final timestamp and uuid. */
export interface CapturedEvent {
  readonly uuid: string;
  readonly event: string;
  readonly distinct_id: string;
  readonly properties: Record<string, unknown>;
  /** ISO 8601, after clock-skew correction. */
  readonly timestamp: string;
  readonly $set?: Record<string, unknown>;
  readonly $set_once?: Record<string, unknown>;
  readonly warnings?: readonly IngestionWarning[];
}

/** A record on the `events` stream. */
export interface CapturedRecord {
  readonly v: 1;
  readonly team_id: number;
  readonly token: string;
  readonly distinct_id: string;
  readonly ip: string | null;
  /** When capture received the request (ISO). */
  readonly now: string;
  readonly sent_at: string | null;
  readonly events: readonly CapturedEvent[];
}

/** Kinesis caps partition keys at 256 characters. */
const MAX_PARTITION_KEY = 256;

/**
 * `token:distinct_id`, so that one person's events stay in order on one shard. A key that would
 * be too long for Kinesis keeps the token and hashes the distinct id (still one key per person).
 */
export function partitionKeyOf(token: string, distinctId: string): string {
  const key = `${token}:${distinctId}`;
  if (key.length <= MAX_PARTITION_KEY) return key;
  return `${token.slice(0, 64)}:#${createHash('sha256').update(distinctId).digest('hex')}`;
}

/** ClickHouse rows, keyed by column name (lib/clickhouse/schema.ts). Event rows are built as text: build-event-row-step.ts. */
export interface PersonRow {
  id: string;
  team_id: number;
  properties: string;
  is_identified: 0 | 1;
  is_deleted: 0 | 1;
  created_at: string;
  version: number;
}

export interface PersonDistinctIdRow {
  team_id: number;
  distinct_id: string;
  person_id: string;
  is_deleted: 0 | 1;
  version: number;
}

export interface GroupRow {
  team_id: number;
  group_type_index: number;
  group_key: string;
  group_properties: string;
  created_at: string;
  version: number;
}

export interface IngestionWarningRow {
  team_id: number;
  source: string;
  type: string;
  details: string;
  timestamp: string;
}
