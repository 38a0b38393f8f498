import { createOrganization, createTeam } from '../../lib/accounts/accounts-repository';
import { CLICKHOUSE_MIGRATIONS } from '../../lib/clickhouse/migrate';
import { REPLAY_TABLES, REPLAY_VIEWS } from '../../lib/clickhouse/replay-schema';
import { STATIC_COHORT_TABLES, TABLES } from '../../lib/clickhouse/schema';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { POSTGRES_MIGRATIONS } from '../../lib/postgres/migrations';
import { updateTeamReplaySettings } from '../../lib/replay/replay-settings';
import { openTestStore } from '../support/chdb';
import { startLambdaEnvironment, type LambdaEnvironment } from '../support/lambda-environment';
import { customResourceEvent } from '../support/lambda-events';

/**
 * The migration custom resource's function (lambdas/migrate), invoked as the Provider framework
 * does, against an empty schema behind the local RDS Data API and this worker's chDB folder
 * (named by the ClickHouse secret in the local Secrets Manager).
 */
let aws: LambdaEnvironment;
let store: AnalyticsStore;
let migrate: typeof import('../../lambdas/migrate');

const allPostgres = POSTGRES_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b).join(',');
const allClickHouse = CLICKHOUSE_MIGRATIONS.map((m) => m.version).join(',');

beforeAll(async () => {
  aws = await startLambdaEnvironment('migrate');
  store = await openTestStore();
  // This worker's chDB folder is shared with other test files: forget its bookkeeping so that the
  // handler has ClickHouse migrations to apply (the DDL itself is IF NOT EXISTS).
  await store.command('DROP TABLE IF EXISTS hedgerow_migrations');
  Object.assign(process.env, aws.env);
  migrate = await import('../../lambdas/migrate');
}, 60_000);

afterAll(async () => {
  await store?.close();
  await aws?.stop();
});

describe('migrate handler', () => {
  it('on Create applies every Postgres (through the Data API) and ClickHouse migration', async () => {
    const answer = await migrate.handler(customResourceEvent('Create', { MigrationsVersion: 'v1' }));

    expect(answer).toEqual({ PhysicalResourceId: 'hedgerow-migrations', Data: { postgres: allPostgres, clickhouse: allClickHouse } });
    const { rows } = await aws.db.query<{ version: number }>('SELECT version FROM hedgerow_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version)).join(',')).toBe(allPostgres);
    const { rows: tables } = await aws.db.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('posthog_team', 'posthog_person')",
    );
    expect(tables.map((t) => t.name).sort()).toEqual(['posthog_person', 'posthog_team']);
    const chTables = new Set((await store.query<{ name: string }>('SHOW TABLES')).map((t) => t.name));
    // Session replay's tables and view (session_replay_events) come with migration 2, static cohorts' with 4.
    for (const table of [...TABLES, ...REPLAY_TABLES, ...REPLAY_VIEWS, ...STATIC_COHORT_TABLES]) expect(chTables).toContain(table.name);
    expect(chTables).toContain('session_replay_events');
    expect(chTables).toContain('hedgerow_migrations');
  });

  it('on Update with nothing pending applies nothing and keeps the physical id', async () => {
    const answer = await migrate.handler(customResourceEvent('Update', { MigrationsVersion: 'v2' }));
    expect(answer).toEqual({ PhysicalResourceId: 'hedgerow-migrations', Data: { postgres: '', clickhouse: '' } });
  });

  it('republishes every team’s token, flag definitions and replay settings to DynamoDB (for the flags and replay functions)', async () => {
    const org = await createOrganization(aws.db, 'Existing org');
    const team = await createTeam(aws.db, { organizationId: org.id, name: 'Existed before the flags function' });
    await updateTeamReplaySettings(aws.db, team.id, { optIn: true, retentionDays: 90 });
    expect(await aws.kv.get(`flag-definitions:${team.id}`)).toBeUndefined();

    await migrate.handler(customResourceEvent('Update', { MigrationsVersion: 'v3' }));

    expect(await aws.kv.get(`team-token:${team.apiToken}`)).toEqual({ teamId: team.id, token: team.apiToken });
    expect(await aws.kv.get(`flag-definitions:${team.id}`)).toMatchObject({ flags: [], cohorts: [], stamp: expect.any(String) });
    expect(await aws.kv.get(`replay-settings:${team.id}`)).toEqual({ optIn: true, retentionDays: 90 });
  });

  it('on Delete does nothing: no database call, the data stays', async () => {
    const before = aws.dataApi.requests.length;
    const secretReads = aws.secrets.calls.length;

    const answer = await migrate.handler(customResourceEvent('Delete'));

    expect(answer).toEqual({ PhysicalResourceId: 'hedgerow-migrations', Data: {} });
    expect(aws.dataApi.requests.length).toBe(before);
    expect(aws.secrets.calls.length).toBe(secretReads);
    const { rows } = await aws.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hedgerow_migrations');
    expect(rows[0].n).toBe(POSTGRES_MIGRATIONS.length);
  });
});
