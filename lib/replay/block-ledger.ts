import { createHash } from 'node:crypto';
import { SESSION_REPLAY_BLOCKS } from '../clickhouse/replay-schema';
import { fromClickHouseTime } from '../clickhouse/time';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { BlockRow } from './block-writer';

/** A stored block's range of stream records (`streamPosition`s, inclusive) and its last activity. */
export interface StoredBlockRange {
  readonly first: string;
  readonly last: string;
  readonly lastActiveMs: number | null;
}

export interface SessionRef {
  readonly teamId: number;
  readonly sessionId: string;
}

export const sessionKey = (teamId: number, sessionId: string): string => `${teamId}:${sessionId}`;

/**
 * The blocks already stored for these sessions (team:session → their record ranges). A record
 * inside a range is in a block already: every record of a session that a batch held went into
 * that batch's one block, so ranges never have holes.
 */
export async function storedBlocks(store: AnalyticsStore, sessions: readonly SessionRef[]): Promise<Map<string, StoredBlockRange[]>> {
  const out = new Map<string, StoredBlockRange[]>();
  if (sessions.length === 0) return out;
  const rows = await store.query<{ team_id: string | number; session_id: string; first: string; last: string; active: string | null }>(
    `SELECT team_id, session_id, first_sequence_number AS first, last_sequence_number AS last, last_active_timestamp AS active
       FROM ${SESSION_REPLAY_BLOCKS.name}
      WHERE team_id IN {teams:Array(Int64)} AND session_id IN {sessions:Array(String)}`,
    { params: { teams: [...new Set(sessions.map((s) => s.teamId))], sessions: [...new Set(sessions.map((s) => s.sessionId))] } },
  );
  for (const r of rows) {
    const key = sessionKey(Number(r.team_id), r.session_id);
    const list = out.get(key) ?? [];
    list.push({ first: r.first, last: r.last, lastActiveMs: r.active ? Date.parse(`${fromClickHouseTime(r.active)}`) : null });
    out.set(key, list);
  }
  return out;
}

/** Whether a record (its `streamPosition`) is in one of the blocks: same shard, inside the range. */
export function isStored(blocks: readonly StoredBlockRange[] | undefined, position: string): boolean {
  if (!blocks) return false;
  const shard = position.slice(0, position.indexOf('|') + 1);
  return blocks.some((r) => r.first.startsWith(shard) && r.first <= position && position <= r.last);
}

/** The blocks' last activity times, for active time across blocks. */
export function activityOf(blocks: readonly StoredBlockRange[] | undefined): number[] {
  return (blocks ?? []).flatMap((b) => (b.lastActiveMs === null ? [] : [b.lastActiveMs]));
}

/**
 * One insert of the batch's block rows. The deduplication token (the block keys) makes a repeat
 * of the same insert a no-op in ClickHouse, for the rows and for the view that aggregates them
 * into `session_replay_events` — a second guard behind the range check.
 */
export async function insertBlockRows(store: AnalyticsStore, rows: readonly BlockRow[]): Promise<void> {
  if (rows.length === 0) return;
  const token = createHash('sha256')
    .update(rows.map((r) => r.block_key).sort().join('\n'))
    .digest('hex');
  await store.insert(SESSION_REPLAY_BLOCKS.name, rows, { dedupToken: `replay-blocks-${token}` });
}
