import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FolderBlobStore } from '../../lib/adapters/local/folder-blob-store';
import { REPLAY_TABLES } from '../../lib/clickhouse/replay-schema';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { BlobStore } from '../../lib/ports/blob-store';
import { openTestStore } from '../support/chdb';

/** The worker's chDB (migrated) with the replay tables emptied. */
export async function openReplayStore(): Promise<AnalyticsStore> {
  const store = await openTestStore();
  for (const table of REPLAY_TABLES) await store.command(`TRUNCATE TABLE IF EXISTS ${table.name}`);
  return store;
}

export function tempBlobs(): { blobs: FolderBlobStore; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-replay-blobs-'));
  return { blobs: new FolderBlobStore(dir), dir };
}

/** A blob store that fails `put` for keys matching `failing` while it is set. */
export class FlakyBlobs implements BlobStore {
  failing: RegExp | undefined;
  constructor(private readonly inner: BlobStore) {}
  put(key: string, body: Uint8Array, contentType?: string) {
    if (this.failing?.test(key)) return Promise.reject(new Error(`put refused: ${key}`));
    return this.inner.put(key, body, contentType);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

/** A session's aggregated row, as the API reads it. */
export async function sessionRow(store: AnalyticsStore, teamId: number, sessionId: string) {
  const [row] = await store.query<Record<string, unknown>>(
    `SELECT session_id, any(distinct_id) AS did, min(min_first_timestamp) AS start, max(max_last_timestamp) AS end,
            sum(click_count) AS clicks, sum(keypress_count) AS keys, sum(mouse_activity_count) AS mouse, sum(active_milliseconds) AS active,
            sum(console_log_count) AS logs, sum(console_warn_count) AS warns, sum(console_error_count) AS errors,
            sum(event_count) AS events, sum(message_count) AS messages, sum(size) AS size,
            argMinMerge(first_url) AS first_url, groupUniqArrayArray(all_urls) AS urls, groupArrayArray(block_urls) AS blocks,
            max(retention_period_days) AS retention
       FROM session_replay_events WHERE team_id = {team:Int64} AND session_id = {session:String} GROUP BY session_id`,
    { params: { team: teamId, session: sessionId } },
  );
  return row;
}

export async function blockRows(store: AnalyticsStore, teamId: number, sessionId: string) {
  return store.query<{ block_key: string; event_count: string | number; first_sequence_number: string; last_sequence_number: string }>(
    'SELECT block_key, event_count, first_sequence_number, last_sequence_number FROM session_replay_blocks WHERE team_id = {team:Int64} AND session_id = {session:String} ORDER BY first_timestamp',
    { params: { team: teamId, session: sessionId } },
  );
}
