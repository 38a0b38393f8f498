import {
  addStaticCohortMembers,
  findCohort,
  insertCohort,
  listCohortRecords,
  listCohorts,
  removeStaticCohortMembers,
  staticCohortIdsOfPerson,
  staticCohortMembers,
  updateCohort,
  type CohortFields,
} from '../../../lib/flags/cohort-repository';
import { addHashKeyOverrides, flagsVersionStamp, hashKeyOverridesOf, moveHashKeyOverrides } from '../../../lib/flags/flag-repository';
import type { PersonEventInput } from '../../../lib/persons/person-batch';
import { personUuidFor } from '../../../lib/persons/person-uuid';
import { processPersons } from '../../../lib/persons/process-persons';
import type { Database } from '../../../lib/ports/database';
import { databaseEngines } from '../../support/databases';
import { insertTestTeam } from '../../support/teams';

const T0 = '2026-01-01T00:00:00.000Z';
const ev = (distinctId: string, extra: Partial<PersonEventInput> = {}): PersonEventInput => ({
  event: 'pageview',
  distinctId,
  processPerson: true,
  updates: {},
  timestamp: T0,
  ...extra,
});

const dynamic: CohortFields = {
  name: 'Pro users',
  description: 'plans',
  filters: { properties: { type: 'OR', values: [{ type: 'AND', values: [{ key: 'plan', type: 'person', value: ['pro'], operator: 'exact', negation: true }] }] } },
  is_static: false,
  deleted: false,
};
const staticCohort: CohortFields = { name: 'Uploaded', description: '', filters: null, is_static: true, deleted: false };

async function personId(db: Database, teamId: number, distinctId: string): Promise<number> {
  const { rows } = await db.query<{ person_id: string | number }>('SELECT person_id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id = $2', [teamId, distinctId]);
  return Number(rows[0].person_id);
}

describe.each(databaseEngines())('cohorts and hash-key overrides on %s', (_engine, open) => {
  let db: Database;
  let teamId: number;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    ({ teamId } = await insertTestTeam(db));
    await processPersons(db, teamId, ['u1', 'u2', 'u3'].map((id) => ev(id, { updates: { set: { email: `${id}@example.com` } } })));
  });

  it('stores dynamic cohorts with their property tree and soft-deletes them', async () => {
    const created = await db.transaction((tx) => insertCohort(tx, teamId, dynamic, null));
    expect(created).toMatchObject({ team_id: teamId, name: 'Pro users', description: 'plans', filters: dynamic.filters, is_static: false, version: 1, count: null });
    expect(await listCohorts(db, teamId)).toEqual([{ id: created.id, team_id: teamId, name: 'Pro users', is_static: false, deleted: false, filters: dynamic.filters }]);
    const stamp = await flagsVersionStamp(db, teamId);
    const deleted = await db.transaction((tx) => updateCohort(tx, teamId, created.id, { ...dynamic, deleted: true }));
    expect(deleted?.version).toBe(2);
    expect(await flagsVersionStamp(db, teamId)).not.toBe(stamp);
    expect(await listCohorts(db, teamId)).toEqual([]);
    expect((await listCohortRecords(db, teamId, { limit: 10, offset: 0 })).count).toBe(0);
    expect((await findCohort(db, teamId, created.id))?.deleted).toBe(true);
  });

  it('adds static members by distinct id and person uuid, skips unknown ids, and counts them', async () => {
    const cohort = await db.transaction((tx) => insertCohort(tx, teamId, staticCohort, null));
    expect(cohort.count).toBe(0);
    const first = await db.transaction((tx) => addStaticCohortMembers(tx, teamId, cohort.id, { distinctIds: ['u1', 'nobody'], personUuids: [personUuidFor(teamId, 'u2')] }));
    expect(first).toEqual({ matched: 2, added: 2, count: 2 });
    const again = await db.transaction((tx) => addStaticCohortMembers(tx, teamId, cohort.id, { distinctIds: ['u1', 'u3'] }));
    expect(again).toEqual({ matched: 2, added: 1, count: 3 });
    const members = await staticCohortMembers(db, teamId, cohort.id, { limit: 2, offset: 0 });
    expect(members.map((m) => [m.uuid, m.distinctIds, m.properties.email])).toEqual([
      [personUuidFor(teamId, 'u1'), ['u1'], 'u1@example.com'],
      [personUuidFor(teamId, 'u2'), ['u2'], 'u2@example.com'],
    ]);
    expect(await staticCohortIdsOfPerson(db, teamId, await personId(db, teamId, 'u3'))).toEqual([cohort.id]);
    expect(await db.transaction((tx) => removeStaticCohortMembers(tx, teamId, cohort.id, [personUuidFor(teamId, 'u3')]))).toBe(2);
    expect(await staticCohortIdsOfPerson(db, teamId, await personId(db, teamId, 'u3'))).toEqual([]);
    await db.transaction((tx) => updateCohort(tx, teamId, cohort.id, { ...staticCohort, deleted: true }));
    expect(await staticCohortIdsOfPerson(db, teamId, await personId(db, teamId, 'u1'))).toEqual([]);
  });

  it('drops the uploaded members of a cohort that turns dynamic', async () => {
    const cohort = await db.transaction((tx) => insertCohort(tx, teamId, staticCohort, null));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, cohort.id, { distinctIds: ['u1', 'u2'] }));
    const turned = await db.transaction((tx) => updateCohort(tx, teamId, cohort.id, { ...dynamic, name: 'now dynamic' }));
    expect(turned).toMatchObject({ is_static: false, count: null });
    expect(await staticCohortMembers(db, teamId, cohort.id, { limit: 10, offset: 0 })).toEqual([]);
    expect(await staticCohortIdsOfPerson(db, teamId, await personId(db, teamId, 'u1'))).toEqual([]);
  });

  it('writes hash-key overrides only where missing, for the persons of both ids', async () => {
    expect(await addHashKeyOverrides(db, teamId, 'u1', 'u2', ['a', 'b'])).toEqual({ a: 'u2', b: 'u2' });
    expect(await hashKeyOverridesOf(db, teamId, 'u2')).toEqual({ a: 'u2', b: 'u2' });
    // Existing overrides are kept; only the new flag gets the new hash key.
    expect(await addHashKeyOverrides(db, teamId, 'u1', 'anon-x', ['a', 'b', 'c'])).toEqual({ a: 'u2', b: 'u2', c: 'anon-x' });
    expect(await hashKeyOverridesOf(db, teamId, 'u1')).toEqual({ a: 'u2', b: 'u2', c: 'anon-x' });
    expect(await addHashKeyOverrides(db, teamId, 'no-person', 'anon-y', ['a'])).toEqual({});
    expect(await hashKeyOverridesOf(db, teamId, 'no-person')).toEqual({});
    expect(await addHashKeyOverrides(db, teamId, 'u3', 'anon-z', [])).toEqual({});
  });

  it('moves overrides to the surviving person, keeping the survivor\'s own', async () => {
    await addHashKeyOverrides(db, teamId, 'u1', 'from-1', ['a', 'b']);
    await addHashKeyOverrides(db, teamId, 'u2', 'from-2', ['b', 'c']);
    const [from, to] = [await personId(db, teamId, 'u1'), await personId(db, teamId, 'u2')];
    expect(await db.transaction((tx) => moveHashKeyOverrides(tx, from, to))).toBe(1);
    expect(await hashKeyOverridesOf(db, teamId, 'u2')).toEqual({ a: 'from-1', b: 'from-2', c: 'from-2' });
    expect(await hashKeyOverridesOf(db, teamId, 'u1')).toEqual({});
  });

  it('an identify merge carries the merged person\'s overrides and static cohorts to the survivor', async () => {
    await processPersons(db, teamId, [ev('anon-1'), ev('user-1')]);
    await addHashKeyOverrides(db, teamId, 'anon-1', 'anon-1', ['continuity', 'shared']);
    await addHashKeyOverrides(db, teamId, 'user-1', 'user-own', ['shared']);
    const both = await db.transaction((tx) => insertCohort(tx, teamId, staticCohort, null));
    const anonOnly = await db.transaction((tx) => insertCohort(tx, teamId, { ...staticCohort, name: 'anon only' }, null));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, both.id, { distinctIds: ['anon-1', 'user-1', 'u1'] }));
    await db.transaction((tx) => addStaticCohortMembers(tx, teamId, anonOnly.id, { distinctIds: ['anon-1'] }));

    await processPersons(db, teamId, [ev('user-1', { event: '$identify', mergeFrom: 'anon-1', mergeKind: 'identify' })]);

    const survivor = await personId(db, teamId, 'anon-1');
    expect(survivor).toBe(await personId(db, teamId, 'user-1'));
    expect(await hashKeyOverridesOf(db, teamId, 'user-1')).toEqual({ continuity: 'anon-1', shared: 'user-own' });
    expect(await staticCohortIdsOfPerson(db, teamId, survivor)).toEqual([both.id, anonOnly.id].sort((a, b) => a - b));
    expect((await findCohort(db, teamId, both.id))?.count).toBe(2);
    expect((await findCohort(db, teamId, anonOnly.id))?.count).toBe(1);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int4 AS n FROM posthog_featureflaghashkeyoverride WHERE team_id = $1', [teamId]);
    expect(rows[0].n).toBe(2);
  });
});
