/**
 * event_uuids (migration 5): the loader's lookup of the events ClickHouse already holds. Kept by a
 * view on `events`, backfilled from the events inserted before the view, and found through its
 * primary key.
 */
import { createClickHouseLoader } from '../../lib/clickhouse/loader';
import { CLICKHOUSE_MIGRATIONS, migrationStatements } from '../../lib/clickhouse/migrate';
import { EVENT_UUIDS_MV, singleNodeViewDdl } from '../../lib/clickhouse/schema';
import { eventLine, packLines } from '../../lib/ingestion/processed-records';
import { silentLogger } from '../../lib/observability/logger';
import { MemoryMetrics } from '../../lib/observability/metrics';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { kinesisBatchOf } from '../support/captured-records';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

const TEAM = 7;
const noDeadLetters = { write: async () => undefined, list: async () => [] };
const uuid = (n: number) => `0190a000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const row = (n: number) =>
  JSON.stringify({ uuid: uuid(n), event: 'e', properties: '{}', timestamp: '2026-11-30 10:00:00.000000', team_id: TEAM, distinct_id: 'd', created_at: '2026-11-30 10:00:00.000000', person_id: uuid(0) });
const processed = (...ns: number[]) => packLines('k', ns.map((n) => eventLine(TEAM, uuid(n), '2026-11-30 10:00:00.000000', row(n)))).records.map((r) => Buffer.from(r.data).toString());
const uuidsOf = async (n: number) => Number((await store.query<{ c: string }>('SELECT count() AS c FROM event_uuids WHERE uuid = {u:UUID}', { params: { u: uuid(n) } }))[0].c);
const countOf = async (n: number) => Number((await store.query<{ c: string }>('SELECT count() AS c FROM events WHERE uuid = {u:UUID}', { params: { u: uuid(n) } }))[0].c);

it('the backfill lets the loader skip events inserted before the view existed', async () => {
  await store.command('DROP VIEW IF EXISTS event_uuids_mv');
  await store.insertJsonLines('events', `${row(1)}\n`); // an event from before migration 5
  const v5 = CLICKHOUSE_MIGRATIONS.find((m) => m.version === 5)!;
  for (const statement of migrationStatements(v5)) await store.command(statement);
  expect(await uuidsOf(1)).toBe(1);

  const load = createClickHouseLoader({ store, deadLetters: noDeadLetters, logger: silentLogger, metrics: new MemoryMetrics() });
  await load(kinesisBatchOf(...processed(1, 2)));
  await load(kinesisBatchOf(...processed(2, 3))); // 2 again, through the view this time
  expect([await countOf(1), await countOf(2), await countOf(3)]).toEqual([1, 1, 1]);
});

it('does not store twice the events of a process killed between the events part and the event_uuids part', async () => {
  // The state such a kill leaves: rows in `events` whose uuids `event_uuids` lacks.
  await store.command('DROP VIEW IF EXISTS event_uuids_mv');
  await store.insertJsonLines('events', `${row(10)}\n${row(11)}\n`);
  await store.command(singleNodeViewDdl(EVENT_UUIDS_MV));
  expect(await uuidsOf(10)).toBe(0);

  // After the restart the same records come again, with the ones that followed.
  const metrics = new MemoryMetrics();
  const load = createClickHouseLoader({ store, deadLetters: noDeadLetters, logger: silentLogger, metrics });
  await load(kinesisBatchOf(...processed(10, 12)));
  await load(kinesisBatchOf(...processed(11, 13)));
  expect([await countOf(10), await countOf(11), await countOf(12), await countOf(13)]).toEqual([1, 1, 1, 1]);
  expect(metrics.get('loader_events_deduplicated', {})).toBe(2);
});

it('does not store twice the events of an insert that failed after its events part was committed', async () => {
  let crash = false;
  // A server that crashed between the two parts: the events are stored, their uuids are not, the insert fails.
  const crashing: AnalyticsStore = Object.assign(Object.create(store) as AnalyticsStore, {
    insertJsonLines: async (table: string, lines: string | Uint8Array) => {
      if (table !== 'events' || !crash) return store.insertJsonLines(table, lines);
      crash = false;
      await store.command('DROP VIEW IF EXISTS event_uuids_mv');
      await store.insertJsonLines(table, lines);
      await store.command(singleNodeViewDdl(EVENT_UUIDS_MV));
      throw new Error('Connection reset by peer');
    },
  });
  const load = createClickHouseLoader({ store: crashing, deadLetters: noDeadLetters, logger: silentLogger, metrics: new MemoryMetrics() });
  await load(kinesisBatchOf(...processed(20))); // a first batch, so the loader is past its start
  crash = true;
  await expect(load(kinesisBatchOf(...processed(21, 22)))).rejects.toThrow('Connection reset by peer');
  await load(kinesisBatchOf(...processed(21, 22)));
  expect([await countOf(20), await countOf(21), await countOf(22)]).toEqual([1, 1, 1]);
});

it('finds a batch of recent uuids in a few granules of its primary key', async () => {
  await store.command(
    `INSERT INTO events (uuid, event, properties, timestamp, team_id, distinct_id, created_at, person_id)
     SELECT generateUUIDv7(number), 'bulk', '{}', now64(6), ${TEAM}, 'd', now64(6), generateUUIDv4() FROM numbers(200000)`,
  );
  const recent = (await store.query<{ id: string }>("SELECT toString(uuid) AS id FROM events WHERE event = 'bulk' ORDER BY uuid DESC LIMIT 2000")).map((r) => r.id);
  const plan = await store.query<{ explain: string }>(
    `EXPLAIN indexes = 1 SELECT team_id, uuid FROM event_uuids WHERE team_id IN (${TEAM}) AND uuid IN (${recent.map((u) => `'${u}'`).join(',')})`,
  );
  const granules = plan.map((p) => p.explain.match(/Granules: (\d+)\/(\d+)/)).filter((m) => m !== null);
  const [read, total] = granules[granules.length - 1]!.slice(1).map(Number);
  expect(total).toBeGreaterThan(100);
  expect(read).toBeLessThan(10);
});

it('on a cluster: a sharded table, the view between the shards’ data tables, the backfill through the Distributed table', () => {
  const statements = migrationStatements(CLICKHOUSE_MIGRATIONS.find((m) => m.version === 5)!, { cluster: 'main', database: 'posthog' });
  expect(statements[0]).toContain("CREATE TABLE IF NOT EXISTS posthog.sharded_event_uuids ON CLUSTER 'main'");
  expect(statements[1]).toContain("ENGINE = Distributed('main', 'posthog', 'sharded_event_uuids', cityHash64(uuid))");
  expect(statements[2]).toContain("CREATE MATERIALIZED VIEW IF NOT EXISTS posthog.event_uuids_mv ON CLUSTER 'main' TO posthog.sharded_event_uuids AS\nSELECT team_id, uuid FROM posthog.sharded_events");
  expect(statements[3]).toMatch(/^INSERT INTO posthog\.event_uuids .* FROM posthog\.events WHERE/);
});
