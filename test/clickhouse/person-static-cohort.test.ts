/**
 * person_static_cohort (migration 4): created idempotently on a single node and replicated whole on
 * a cluster; a member's rows collapse to its latest version, whatever order they arrive in.
 */
import { CLICKHOUSE_MIGRATIONS, migrationStatements } from '../../lib/clickhouse/migrate';
import { staticCohortMembersSql } from '../../lib/clickhouse/static-cohort-members';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

const P1 = '00000000-0000-4000-8000-000000000001';
const P2 = '00000000-0000-4000-8000-000000000002';

it('migration 4 creates the table idempotently, on a single node and on a cluster', async () => {
  const v4 = CLICKHOUSE_MIGRATIONS.find((m) => m.version === 4)!;
  for (const statement of migrationStatements(v4)) await store.command(statement); // already there: no-op
  const cluster = migrationStatements(v4, { cluster: 'main', database: 'posthog' });
  expect(cluster).toHaveLength(1);
  expect(cluster[0]).toContain("CREATE TABLE IF NOT EXISTS posthog.person_static_cohort ON CLUSTER 'main'");
  expect(cluster[0]).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/noshard/posthog.person_static_cohort', '{replica}', version)");
});

it('the latest version of each member wins, inserted in any order, also after a merge', async () => {
  const row = (person: string, version: number, isDeleted: number) => ({ team_id: 1, cohort_id: 5, person_id: person, is_deleted: isDeleted, version });
  // P1: removed at version 3, its older add arriving later; P2: added twice, removed at 2, re-added at 4.
  for (const r of [row(P1, 3, 1), row(P1, 1, 0), row(P2, 1, 0), row(P2, 1, 0), row(P2, 2, 1), row(P2, 4, 0)]) await store.insert('person_static_cohort', [r]);
  const members = async () => (await store.query<{ p: string }>(`SELECT toString(person_id) AS p FROM (${staticCohortMembersSql('1', '5')})`)).map((r) => r.p);
  expect(await members()).toEqual([P2]);
  await store.command('OPTIMIZE TABLE person_static_cohort FINAL');
  expect(await members()).toEqual([P2]);
  expect(await store.query('SELECT count() AS n FROM person_static_cohort')).toEqual([{ n: 2 }]);
});
