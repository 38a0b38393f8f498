import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbKvStore } from '../../../lib/adapters/aws/dynamodb-kv-store';
import { FileKeyValueStore } from '../../../lib/adapters/local/file-key-value-store';
import { addStaticCohortMembers, insertCohort, removeStaticCohortMembers } from '../../../lib/flags/cohort-repository';
import { addHashKeyOverrides } from '../../../lib/flags/hash-key-overrides';
import { ProjectedFlagDataSource, projectPersons } from '../../../lib/flags/person-projection';
import { backfillPersonsProjection } from '../../../lib/flags/persons-backfill';
import { publishStaticCohortMembers } from '../../../lib/flags/static-cohort-projection';
import type { PersonEventInput } from '../../../lib/persons/person-batch';
import { personUuidFor } from '../../../lib/persons/person-uuid';
import { processPersons } from '../../../lib/persons/process-persons';
import type { Database } from '../../../lib/ports/database';
import type { KeyValueStore } from '../../../lib/ports/key-value-store';
import { TEST_CREDENTIALS, TEST_REGION, createKeyValueTable, startDynalite } from '../../support/aws-emulators';
import { createTestPglite } from '../../support/pglite';
import { insertTestTeam } from '../../support/teams';

/**
 * The persons projection /flags reads on AWS (ProjectedFlagDataSource), on both key-value
 * adapters: the embedded file store and DynamoDB (dynalite, with the real SDK client). Postgres
 * (PGlite) is the source the cohort API publishes from and the backfill reads.
 */
type Opened = { kv: KeyValueStore; close(): Promise<void> };

async function openFileStore(): Promise<Opened> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-projection-'));
  const kv = FileKeyValueStore.open(path.join(dir, 'kv.jsonl'));
  return { kv, close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function openDynamo(): Promise<Opened> {
  const dynalite = await startDynalite();
  const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const table = `hedgerow-kv-${Date.now().toString(36)}`;
  await createKeyValueTable(client, table);
  return { kv: new DynamoDbKvStore({ table, client }), close: async () => (client.destroy(), dynalite.stop()) };
}

const ev = (distinctId: string, extra: Partial<PersonEventInput> = {}): PersonEventInput => ({ event: 'pageview', distinctId, processPerson: true, updates: {}, timestamp: '2026-01-01T00:00:00.000Z', ...extra });
const staticCohort = { name: null, description: '', filters: null, is_static: true, deleted: false };

describe.each([
  ['the file store', openFileStore],
  ['DynamoDB (dynalite)', openDynamo],
] as [string, () => Promise<Opened>][])('the persons projection on %s', (_name, openKv) => {
  let opened: Opened;
  let kv: KeyValueStore;
  let db: Database;
  let teamId: number;
  const load = (distinctId: string, groups: { index: number; key: string }[] = []) => new ProjectedFlagDataSource(kv).load({ teamId, distinctId, groups, person: true });

  beforeAll(async () => {
    [opened, db] = await Promise.all([openKv(), createTestPglite()]);
    kv = opened.kv;
  });
  afterAll(async () => {
    await Promise.all([opened?.close(), db?.close()]);
  });
  beforeEach(async () => {
    ({ teamId } = await insertTestTeam(db));
  });

  it('answers what ingestion projected; a deleted person reads as unknown', async () => {
    const outcome = await processPersons(db, teamId, [ev('u1', { updates: { set: { plan: 'pro' } } })]);
    await projectPersons(kv, teamId, {
      ...outcome,
      groups: [{ team_id: teamId, group_type_index: 0, group_key: 'acme', group_properties: '{"size":5}', created_at: '2026-01-01 00:00:00', version: 0 }],
    });
    const uuid = personUuidFor(teamId, 'u1');
    expect(await load('u1', [{ index: 0, key: 'acme' }, { index: 1, key: 'none' }])).toEqual({
      personId: uuid,
      personProperties: { plan: 'pro' },
      staticCohortIds: [],
      hashKeyOverrides: {},
      groupProperties: new Map([['0:acme', { size: 5 }]]),
    });
    expect(await new ProjectedFlagDataSource(kv).load({ teamId, distinctId: 'u1', groups: [], person: false })).toMatchObject({ personProperties: undefined, staticCohortIds: [] });
    await projectPersons(kv, teamId, { persons: [{ ...outcome.persons[0], is_deleted: 1 }], distinctIds: [], groups: [] });
    expect((await load('u1')).personProperties).toBeUndefined();
    expect((await load('nobody')).personId).toBeUndefined();
  });

  it('static cohort members: the cohort API path publishes each named person’s memberships from Postgres', async () => {
    await projectPersons(kv, teamId, { ...(await processPersons(db, teamId, [ev('m1'), ev('m2'), ev('m3')])), groups: [] });
    const [a, b] = [await db.transaction((tx) => insertCohort(tx, teamId, { ...staticCohort, name: 'a' }, null)), await db.transaction((tx) => insertCohort(tx, teamId, { ...staticCohort, name: 'b' }, null))];
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, b.id, { distinctIds: ['m1'] }));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, a.id, { distinctIds: ['m1', 'm2', 'no-person'] }));
    await publishStaticCohortMembers(db, kv, teamId, { distinctIds: ['m1', 'm2', 'no-person'] });
    expect((await load('m1')).staticCohortIds).toEqual([a.id, b.id]);
    expect((await load('m2')).staticCohortIds).toEqual([a.id]);
    expect((await load('m3')).staticCohortIds).toEqual([]);

    await db.transaction((tx) => removeStaticCohortMembers(tx, teamId, a.id, [personUuidFor(teamId, 'm1'), personUuidFor(teamId, 'm2')]));
    await publishStaticCohortMembers(db, kv, teamId, { personUuids: [personUuidFor(teamId, 'm1'), personUuidFor(teamId, 'm2')] });
    expect((await load('m1')).staticCohortIds).toEqual([b.id]);
    expect((await load('m2')).staticCohortIds).toEqual([]);
    expect(await kv.get(`flags-static:${teamId}:${personUuidFor(teamId, 'm2')}`)).toBeUndefined();
  });

  it('the backfill projects persons that predate the projection, page by page, once, never over newer entries', async () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    await processPersons(db, teamId, ids.map((id) => ev(id, { updates: { set: { n: id } } })));
    await processPersons(db, teamId, [ev('p1', { event: '$identify', mergeFrom: 'p1-anon', mergeKind: 'identify', updates: { set: { n: 'p1 v1' } } })]);
    const cohort = await db.transaction((tx) => insertCohort(tx, teamId, staticCohort, null));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, cohort.id, { distinctIds: ['p2', 'p4'] }));
    await addHashKeyOverrides(db, teamId, 'p3', 'pg-hash', ['x', 'y']);
    await db.query(`INSERT INTO posthog_group (team_id, group_type_index, group_key, group_properties, version) VALUES ($1, 0, 'g1', '{"tier":"gold"}', 2), ($1, 0, 'g2', '{}', 0), ($1, 1, 'g0', '{}', 0)`, [teamId]);
    // Already projected: p4 at a newer version than Postgres holds, p5 at an older one; p3 has an override of its own.
    await kv.put(`flags-person:${teamId}:${personUuidFor(teamId, 'p4')}`, { properties: { n: 'newer' }, version: 7 });
    await kv.put(`flags-person:${teamId}:${personUuidFor(teamId, 'p5')}`, { properties: { n: 'stale' }, version: -1 });
    await kv.put(`flags-overrides:${teamId}:${personUuidFor(teamId, 'p3')}`, { y: 'kv-hash' });
    expect((await load('p2')).personProperties).toBeUndefined();

    expect(await backfillPersonsProjection(db, kv, teamId, 2)).toEqual({ persons: 5, groups: 3 });

    expect(await load('p1-anon', [{ index: 0, key: 'g1' }])).toMatchObject({ personId: personUuidFor(teamId, 'p1'), personProperties: { n: 'p1 v1' }, groupProperties: new Map([['0:g1', { tier: 'gold' }]]) });
    expect(await load('p2')).toMatchObject({ personProperties: { n: 'p2' }, staticCohortIds: [cohort.id] });
    expect(await load('p3')).toMatchObject({ staticCohortIds: [], hashKeyOverrides: { x: 'pg-hash', y: 'kv-hash' } });
    expect(await load('p4')).toMatchObject({ personProperties: { n: 'newer' }, staticCohortIds: [cohort.id] });
    expect((await load('p5')).personProperties).toEqual({ n: 'p5' });
    expect((await load('g-less', [{ index: 1, key: 'g0' }])).groupProperties.get('1:g0')).toEqual({});

    // Done for this format: a second run (a later deploy) scans nothing, even if something went missing.
    await kv.delete(`flags-person:${teamId}:${personUuidFor(teamId, 'p2')}`);
    expect(await backfillPersonsProjection(db, kv, teamId, 2)).toBeUndefined();
    expect((await load('p2')).personProperties).toBeUndefined();
  });
});
