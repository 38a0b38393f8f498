/**
 * Materialized event properties: each column holds what JSONExtract(properties, key,
 * 'Nullable(String)') gives, so queries may read either; migration 3 adds them idempotently.
 */
import { CLICKHOUSE_MIGRATIONS, migrationStatements } from '../../lib/clickhouse/migrate';
import { MATERIALIZED_EVENT_PROPERTIES } from '../../lib/clickhouse/schema';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';

let store: AnalyticsStore;

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await store?.close();
});

const event = (i: number, properties: Record<string, unknown>) => ({
  uuid: `0190b3c2-7d3e-7c41-9a7e-${String(i).padStart(12, '0')}`,
  event: '$pageview',
  properties: JSON.stringify(properties),
  timestamp: '2026-11-23 10:00:00.000000',
  team_id: 9,
  distinct_id: `d${i}`,
  elements_chain: '',
  created_at: '2026-11-23 10:00:00.000000',
  person_id: '00000000-0000-0000-0000-000000000000',
  person_created_at: '2026-11-23 10:00:00.000',
  person_properties: '{}',
  person_mode: 'full',
});

it('holds exactly what JSONExtract of the property gives, for every kind of value', async () => {
  await store.insert('events', [
    event(1, { $browser: 'Chrome', $os: 'Mac OS X', $current_url: 'https://a.example/x?y=1' }),
    event(2, { $browser: 12, $os: null, $host: true }),
    event(3, { $browser: { nested: 'x' }, $lib: 'web' }),
    event(4, {}),
  ]);
  const columns = [...MATERIALIZED_EVENT_PROPERTIES];
  const rows = await store.query<Record<string, string | null>>(
    `SELECT distinct_id, ${columns.map((k, i) => `\`mat_${k}\` AS m${i}, JSONExtract(properties, '${k}', 'Nullable(String)') AS j${i}`).join(', ')}
       FROM events WHERE team_id = 9 ORDER BY distinct_id`,
  );
  expect(rows).toHaveLength(4);
  for (const row of rows) columns.forEach((_, i) => expect([row.distinct_id, row[`m${i}`]]).toEqual([row.distinct_id, row[`j${i}`]]));
  expect(rows.map((r) => r.m0)).toEqual(['Chrome', '12', '{"nested":"x"}', null]);
});

it('migration 3 adds the columns idempotently, on a single node and on a cluster', async () => {
  const v3 = CLICKHOUSE_MIGRATIONS.find((m) => m.version === 3)!;
  const statements = migrationStatements(v3);
  expect(statements).toHaveLength(MATERIALIZED_EVENT_PROPERTIES.size);
  for (const statement of statements) await store.command(statement); // already there: no-op
  const cluster = migrationStatements(v3, { cluster: 'main', database: 'posthog' });
  expect(cluster).toContain(
    "ALTER TABLE posthog.sharded_events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS `mat_$browser` Nullable(String) MATERIALIZED JSONExtract(properties, '$browser', 'Nullable(String)')",
  );
  expect(cluster).toContain("ALTER TABLE posthog.events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS `mat_$browser` Nullable(String)");
});
