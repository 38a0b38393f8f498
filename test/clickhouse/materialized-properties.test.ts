/**
 * Materialized event properties: each column holds what JSONExtract(properties, key,
 * 'Nullable(String)') gives, so queries may read either; migration 3 adds them idempotently.
 * All columns computed from `properties` come from one parse of it (migration 6 moves older
 * tables there) and hold what an extraction of their own would give.
 */
import fc from 'fast-check';
import { CLICKHOUSE_MIGRATIONS, migrationStatements } from '../../lib/clickhouse/migrate';
import { EVENT_COLUMNS_FROM_PROPERTIES, MATERIALIZED_EVENT_PROPERTIES } from '../../lib/clickhouse/schema';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { COLUMNS_FROM_PROPERTIES as COMPUTED, eventsDdlWithOwnExtractions } from '../support/events-ddl';

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
    "ALTER TABLE posthog.sharded_events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS `mat_$browser` Nullable(String) MATERIALIZED tupleElement(JSONExtract(properties, 'Tuple(`$group_0` String, `$group_1` String, `$group_2` String, `$group_3` String, `$group_4` String, `$session_id` String, `$window_id` String, `$browser` Nullable(String), `$os` Nullable(String), `$device_type` Nullable(String), `$current_url` Nullable(String), `$pathname` Nullable(String), `$host` Nullable(String), `$referring_domain` Nullable(String), `$screen_name` Nullable(String), `$lib` Nullable(String))'), 8)",
  );
  expect(cluster).toContain("ALTER TABLE posthog.events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS `mat_$browser` Nullable(String)");
});

const compareComputed = (table: string, teamId: number) =>
  store.query<Record<string, string | null>>(
    `SELECT distinct_id, ${COMPUTED.map((c, i) => `\`${c.column}\` AS c${i}, ${c.own} AS o${i}`).join(', ')} FROM ${table} WHERE team_id = ${teamId} ORDER BY distinct_id`,
  );

it('computes every column from one parse of properties, each holding what its own extraction gives, whatever the values', async () => {
  expect(EVENT_COLUMNS_FROM_PROPERTIES).toHaveLength(COMPUTED.length);
  for (const [i, { ddl }] of EVENT_COLUMNS_FROM_PROPERTIES.entries()) {
    expect(ddl.startsWith(`\`${COMPUTED[i]!.column}\` `)).toBe(true);
    expect(ddl).toContain(`MATERIALIZED tupleElement(JSONExtract(properties, 'Tuple(`);
  }
  const keys = ['$group_0', '$group_2', '$group_4', '$session_id', '$window_id', '$browser', '$os', '$current_url', '$lib', '$screen_name', 'other'];
  const value = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('', 'Chrome', 'a"b\\c\n\té'), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const properties = fc.sample(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 }), { numRuns: 300, seed: 42 });
  await store.insert('events', properties.map((p, i) => ({ ...event(i, p), team_id: 10, distinct_id: `d${String(i).padStart(3, '0')}` })));
  const rows = await compareComputed('events', 10);
  expect(rows).toHaveLength(300);
  for (const row of rows) COMPUTED.forEach((c, i) => expect([row.distinct_id, c.column, row[`c${i}`]]).toEqual([row.distinct_id, c.column, row[`o${i}`]]));
  // Not all empty: the sample holds strings, numbers and nulls in these columns.
  expect(new Set(rows.map((r) => r.c5)).size).toBeGreaterThan(50);
  expect(rows.some((r) => r.c7 === null) && rows.some((r) => r.c7 !== null)).toBe(true);
});

it('migration 6 moves a table of the older expressions to the one parse, without rewriting its rows', async () => {
  const ddl = eventsDdlWithOwnExtractions('events_v5');
  expect(ddl).not.toContain('tupleElement');
  expect(ddl.match(/MATERIALIZED JSONExtract/g)).toHaveLength(COMPUTED.length);
  await store.command(ddl);
  try {
    await store.insert('events_v5', [event(1, { $browser: 'Firefox', $session_id: 's1', $group_0: 'acme' }), event(2, { $os: 5 })].map((e) => ({ ...e, team_id: 11 })));
    const v6 = CLICKHOUSE_MIGRATIONS.find((m) => m.version === 6)!;
    const [statement, ...rest] = migrationStatements(v6);
    expect(rest).toEqual([]);
    await store.command(statement!.replace('ALTER TABLE events ', 'ALTER TABLE events_v5 '));
    const expressions = await store.query<{ name: string; default_expression: string }>(
      "SELECT name, default_expression FROM system.columns WHERE database = currentDatabase() AND table = 'events_v5' AND default_kind = 'MATERIALIZED'",
    );
    expect(expressions).toHaveLength(COMPUTED.length);
    for (const e of expressions) expect(e.default_expression).toMatch(/^tupleElement\(JSONExtract\(properties, 'Tuple\(/);
    const mutations = await store.query<{ n: string }>("SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'events_v5'");
    expect(Number(mutations[0]!.n)).toBe(0);
    await store.insert('events_v5', [{ ...event(3, { $browser: 'Safari', $window_id: 'w3' }), team_id: 11 }]);
    const rows = await compareComputed('events_v5', 11);
    expect(rows.map((r) => [r.c0, r.c5, r.c6, r.c7, r.c8])).toEqual([
      ['acme', 's1', '', 'Firefox', null],
      ['', '', '', null, '5'],
      ['', '', 'w3', 'Safari', null],
    ]);
    for (const row of rows) COMPUTED.forEach((_, i) => expect(row[`c${i}`]).toEqual(row[`o${i}`]));
  } finally {
    await store.command('DROP TABLE IF EXISTS events_v5');
  }
  const cluster = migrationStatements(CLICKHOUSE_MIGRATIONS.find((m) => m.version === 6)!, { cluster: 'main', database: 'posthog' });
  expect(cluster).toHaveLength(2);
  expect(cluster[0]).toMatch(/^ALTER TABLE posthog\.sharded_events ON CLUSTER 'main' MODIFY COLUMN `\$group_0` String MATERIALIZED tupleElement/);
  expect(cluster[0]!.match(/MODIFY COLUMN/g)).toHaveLength(16);
  expect(cluster[1]).toMatch(/^ALTER TABLE posthog\.events ON CLUSTER 'main' MODIFY COLUMN `\$group_0`/);
  expect(cluster[1]!.match(/MODIFY COLUMN/g)).toHaveLength(7);
  expect(cluster[1]).not.toContain('mat_');
});

