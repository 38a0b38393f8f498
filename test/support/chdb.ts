import os from 'node:os';
import path from 'node:path';
import { migrateClickHouse } from '../../lib/clickhouse/migrate';
import { REPLAY_TABLES } from '../../lib/clickhouse/replay-schema';
import { EVENT_UUIDS, STATIC_COHORT_TABLES, TABLES } from '../../lib/clickhouse/schema';
import { openAnalyticsStore } from '../../lib/platform/ports';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';

/**
 * The chDB store for a test file. chDB allows one data folder per process, so every file of a
 * Jest worker shares one folder; the tables are emptied when a file opens it. Close it in afterAll.
 */
export async function openTestStore(): Promise<AnalyticsStore> {
  const store = await openAnalyticsStore({ kind: 'chdb', dir: testChdbDir() });
  await migrateClickHouse(store);
  for (const table of [...TABLES, ...REPLAY_TABLES, ...STATIC_COHORT_TABLES, EVENT_UUIDS]) await store.command(`TRUNCATE TABLE IF EXISTS ${table.name}`);
  return store;
}

/** The chDB folder of this Jest worker (chDB binds one folder per process): open nothing else. */
export function testChdbDir(): string {
  return path.join(os.tmpdir(), `hedgerow-chdb-${process.env.JEST_WORKER_ID ?? '0'}-${process.ppid}`);
}
