import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TeamDirectory } from '../../lib/accounts/team-directory';
import { FileKeyValueStore } from '../../lib/adapters/local/file-key-value-store';
import { addStaticCohortMembers, findCohort, insertCohort } from '../../lib/flags/cohort-repository';
import { addHashKeyOverrides, hashKeyOverridesOf } from '../../lib/flags/hash-key-overrides';
import { ProjectedFlagDataSource, projectPersons } from '../../lib/flags/person-projection';
import { publishStaticCohortMembers } from '../../lib/flags/static-cohort-projection';
import { createIngestionConsumer } from '../../lib/ingestion/ingestion-consumer';
import type { CapturedEvent } from '../../lib/ingestion/records';
import { silentLogger } from '../../lib/observability/logger';
import { MemoryMetrics } from '../../lib/observability/metrics';
import type { PersonMerge } from '../../lib/persons/process-persons';
import { personUuidFor } from '../../lib/persons/person-uuid';
import type { BatchHandler, EventBus } from '../../lib/ports/bus';
import type { Database } from '../../lib/ports/database';
import { capturedRecord, kinesisBatchOf } from '../support/captured-records';
import { createTestPglite } from '../support/pglite';
import { createTestPostgres } from '../support/postgres';
import { insertTestTeam } from '../support/teams';

/**
 * Merges through the ingestion consumer ($identify, $create_alias, $merge_dangerously): the merged
 * person's static cohort memberships and hash-key overrides move to the survivor in Postgres, in
 * the merge's transaction, and the consumer's projection (projectPersons, as on AWS) follows, written
 * before the merge commits: a projection that fails rolls the merge back, and the retry projects it.
 */
const staticCohort = { name: null, description: '', filters: null, is_static: true, deleted: false };
let cohorts = 0;

describe.each([
  ['PGlite', createTestPglite],
  ['PostgreSQL', createTestPostgres],
] as [string, () => Promise<Database>][])('merges carry flag data to the survivor on %s', (_engine, open) => {
  let db: Database;
  let kv: FileKeyValueStore;
  let dir: string;
  let teamId: number;
  let token: string;
  let ingest: BatchHandler;
  const merges: PersonMerge[] = [];
  const projected = () => new ProjectedFlagDataSource(kv);
  let failProjections = 0;

  beforeAll(async () => {
    db = await open();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-merge-kv-'));
    kv = FileKeyValueStore.open(path.join(dir, 'kv.jsonl'));
    const bus: EventBus = { put: async () => undefined, close: async () => undefined };
    ingest = createIngestionConsumer({
      db,
      bus,
      teams: new TeamDirectory(db),
      deadLetters: { write: async () => undefined, list: async () => [] },
      logger: silentLogger,
      metrics: new MemoryMetrics(),
      projectPersons: async (team, rows) => {
        if (failProjections > 0 && failProjections--) throw new Error('DynamoDB is unreachable');
        merges.push(...rows.merges);
        await projectPersons(kv, team, rows);
      },
    });
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    ({ teamId, token } = await insertTestTeam(db));
    merges.length = 0;
    failProjections = 0;
  });

  async function send(distinctId: string, event: Partial<CapturedEvent>): Promise<void> {
    const result = await ingest(kinesisBatchOf(capturedRecord({ teamId, token }, distinctId, [event])));
    expect(result.batchItemFailures).toEqual([]);
  }

  /** Two persons, `from` (to be merged away) and `into`, with static cohorts and overrides in Postgres and in the projection. */
  async function twoPersonsWithFlagData(from: string, into: string) {
    await send(from, { properties: { $set: { role: 'from' } } });
    await send(into, { properties: { $set: { role: 'into' } } });
    const both = await db.transaction((tx) => insertCohort(tx, teamId, { ...staticCohort, name: `both ${++cohorts}` }, null));
    const fromOnly = await db.transaction((tx) => insertCohort(tx, teamId, { ...staticCohort, name: `from only ${cohorts}` }, null));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, both.id, { distinctIds: [from, into] }));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, fromOnly.id, { distinctIds: [from] }));
    await publishStaticCohortMembers(db, kv, teamId, { distinctIds: [from, into] });
    for (const source of [(d: string, h: string, k: string[]) => addHashKeyOverrides(db, teamId, d, h, k), (d: string, h: string, k: string[]) => projected().addHashKeyOverrides(teamId, d, h, k)]) {
      await source(from, 'from-hash', ['only-from', 'shared']);
      await source(into, 'into-hash', ['shared']);
    }
    expect((await projected().load({ teamId, distinctId: from, groups: [], person: true })).staticCohortIds).toEqual([both.id, fromOnly.id]);
    return { both, fromOnly };
  }

  async function expectMerged(from: string, into: string, survivor: string, cohorts: { both: { id: number }; fromOnly: { id: number } }) {
    expect(merges).toEqual([{ from: personUuidFor(teamId, from), into: survivor }]);
    const { rows } = await db.query<{ cohort_id: string | number; uuid: string }>(
      'SELECT c.cohort_id, p.uuid::text AS uuid FROM posthog_cohortpeople c JOIN posthog_person p ON p.id = c.person_id WHERE c.team_id = $1 ORDER BY c.cohort_id',
      [teamId],
    );
    expect(rows.map((r) => [Number(r.cohort_id), r.uuid])).toEqual([
      [cohorts.both.id, survivor],
      [cohorts.fromOnly.id, survivor],
    ]);
    expect((await findCohort(db, teamId, cohorts.both.id))?.count).toBe(1);
    const overrides = { 'only-from': 'from-hash', shared: 'into-hash' };
    expect(await hashKeyOverridesOf(db, teamId, from)).toEqual(overrides);
    const { rows: left } = await db.query<{ n: number }>('SELECT count(*)::int4 AS n FROM posthog_featureflaghashkeyoverride WHERE team_id = $1', [teamId]);
    expect(Number(left[0].n)).toBe(2);

    for (const distinctId of [from, into]) {
      const subject = await projected().load({ teamId, distinctId, groups: [], person: true });
      expect(subject).toMatchObject({ personId: survivor, staticCohortIds: [cohorts.both.id, cohorts.fromOnly.id], hashKeyOverrides: overrides });
    }
    // The merged-away person's own keys are gone.
    expect(await kv.get(`flags-static:${teamId}:${personUuidFor(teamId, from)}`)).toBeUndefined();
    expect(await kv.get(`flags-overrides:${teamId}:${personUuidFor(teamId, from)}`)).toBeUndefined();
  }

  it('$identify merges the anonymous person into the identified one', async () => {
    const cohorts = await twoPersonsWithFlagData('anon-1', 'user-1');
    await send('user-1', { event: '$identify', properties: { $anon_distinct_id: 'anon-1' } });
    await expectMerged('anon-1', 'user-1', personUuidFor(teamId, 'user-1'), cohorts);
  });

  it('$create_alias merges the alias’s person into the distinct id’s', async () => {
    const cohorts = await twoPersonsWithFlagData('alias-2', 'main-2');
    await send('main-2', { event: '$create_alias', properties: { alias: 'alias-2' } });
    await expectMerged('alias-2', 'main-2', personUuidFor(teamId, 'main-2'), cohorts);
  });

  it('$merge_dangerously merges even an identified person', async () => {
    const cohorts = await twoPersonsWithFlagData('other-3', 'main-3');
    await send('other-3', { event: '$identify', properties: {} });
    await send('main-3', { event: '$merge_dangerously', properties: { alias: 'other-3' } });
    await expectMerged('other-3', 'main-3', personUuidFor(teamId, 'main-3'), cohorts);
  });

  it('a merge whose projection fails is rolled back, and its retry merges and projects it', async () => {
    const cohorts = await twoPersonsWithFlagData('anon-4', 'user-4');
    failProjections = 1;
    const batch = kinesisBatchOf(capturedRecord({ teamId, token }, 'user-4', [{ event: '$identify', properties: { $anon_distinct_id: 'anon-4' } }]));
    expect((await ingest(batch)).batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0].kinesis.sequenceNumber }]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int4 AS n FROM posthog_person WHERE team_id = $1', [teamId]);
    expect(Number(rows[0].n)).toBe(2); // not merged yet
    expect(merges).toEqual([]);

    expect((await ingest(batch)).batchItemFailures).toEqual([]);
    await expectMerged('anon-4', 'user-4', personUuidFor(teamId, 'user-4'), cohorts);
  });
});
