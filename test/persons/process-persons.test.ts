import type { PersonEventInput } from '../../lib/persons/person-batch';
import { personUuidFor } from '../../lib/persons/person-uuid';
import { processPersons } from '../../lib/persons/process-persons';
import type { Database } from '../../lib/ports/database';
import { databaseEngines } from '../support/databases';
import { insertTestTeam } from '../support/teams';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

function ev(distinctId: string, extra: Partial<PersonEventInput> = {}): PersonEventInput {
  return { event: 'pageview', distinctId, processPerson: true, updates: {}, timestamp: T0, ...extra };
}
const identify = (distinctId: string, anon: string, extra: Partial<PersonEventInput> = {}) =>
  ev(distinctId, { event: '$identify', mergeFrom: anon, mergeKind: 'identify', ...extra });

async function personOf(db: Database, teamId: number, distinctId: string) {
  const { rows } = await db.query<{ uuid: string; properties: string; is_identified: boolean; version: string; ids: string }>(
    `SELECT p.uuid::text AS uuid, p.properties::text AS properties, p.is_identified, p.version,
            (SELECT string_agg(distinct_id, ',' ORDER BY distinct_id) FROM posthog_persondistinctid WHERE person_id = p.id) AS ids
       FROM posthog_persondistinctid d JOIN posthog_person p ON p.id = d.person_id
      WHERE d.team_id = $1 AND d.distinct_id = $2`,
    [teamId, distinctId],
  );
  if (!rows[0]) return undefined;
  const r = rows[0];
  return { uuid: r.uuid, properties: JSON.parse(r.properties), isIdentified: r.is_identified, version: Number(r.version), ids: r.ids.split(',') };
}

describe.each(databaseEngines())('processPersons on %s', (_engine, open) => {
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
  });

  it('creates a person with a deterministic UUIDv5 and applies $set_once, $set and $unset in order', async () => {
    const out = await processPersons(db, teamId, [
      ev('u1', { updates: { set: { plan: 'free', a: 1 }, setOnce: { first: 'x' } } }),
      ev('u1', { updates: { set: { plan: 'pro' }, setOnce: { first: 'y', second: 2 }, unset: ['a'] } }),
    ]);
    const person = await personOf(db, teamId, 'u1');
    expect(person?.uuid).toBe(personUuidFor(teamId, 'u1'));
    expect(person?.properties).toEqual({ plan: 'pro', first: 'x', second: 2 });
    expect(person?.isIdentified).toBe(false);
    // Each event carries the person as it was right after that event.
    expect(JSON.parse(out.events[0].person.properties)).toEqual({ plan: 'free', a: 1, first: 'x' });
    expect(JSON.parse(out.events[1].person.properties)).toEqual({ plan: 'pro', first: 'x', second: 2 });
    expect(out.events[1].person.mode).toBe('full');
    expect(out.persons).toHaveLength(1);
    expect(out.distinctIds).toEqual([{ team_id: teamId, distinct_id: 'u1', person_id: person?.uuid, is_deleted: 0, version: 0 }]);
  });

  it('identify with a new anonymous id creates one identified person holding both ids', async () => {
    await processPersons(db, teamId, [identify('user-1', 'anon-1', { updates: { set: { email: 'a@b.c' } } })]);
    const person = await personOf(db, teamId, 'anon-1');
    expect(person?.ids).toEqual(['anon-1', 'user-1']);
    expect(person?.isIdentified).toBe(true);
    expect(person?.uuid).toBe(personUuidFor(teamId, 'user-1'));
    expect(person?.properties).toEqual({ email: 'a@b.c' });
  });

  it('merges an anonymous person into the identified one: the identified side wins conflicts', async () => {
    await processPersons(db, teamId, [
      ev('anon-2', { updates: { set: { color: 'red', shared: 'anon' } }, timestamp: T0 }),
      ev('user-2', { updates: { set: { shared: 'user' } }, timestamp: T1 }),
    ]);
    const anonBefore = await personOf(db, teamId, 'anon-2');
    const out = await processPersons(db, teamId, [identify('user-2', 'anon-2')]);
    const merged = await personOf(db, teamId, 'anon-2');
    expect(merged?.ids).toEqual(['anon-2', 'user-2']);
    expect(merged?.uuid).toBe(personUuidFor(teamId, 'user-2'));
    expect(merged?.properties).toEqual({ color: 'red', shared: 'user' });
    expect(merged?.isIdentified).toBe(true);
    const { rows } = await db.query('SELECT 1 FROM posthog_person WHERE uuid = $1::uuid', [anonBefore!.uuid]);
    expect(rows).toHaveLength(0);
    expect(out.persons.find((p) => p.id === anonBefore!.uuid)).toMatchObject({ is_deleted: 1, version: 100 });
    expect(out.distinctIds).toEqual([{ team_id: teamId, distinct_id: 'anon-2', person_id: merged!.uuid, is_deleted: 0, version: 1 }]);
    const created = await db.query<{ c: string }>("SELECT to_json(created_at) #>> '{}' AS c FROM posthog_person WHERE uuid = $1::uuid", [merged!.uuid]);
    expect(new Date(created.rows[0].c).toISOString()).toBe(T0);
  });

  it('refuses to merge two identified persons unless the event is $merge_dangerously', async () => {
    await processPersons(db, teamId, [identify('a', 'a-anon'), identify('b', 'b-anon')]);
    const refused = await processPersons(db, teamId, [ev('b', { event: '$create_alias', mergeFrom: 'a', mergeKind: 'alias' })]);
    expect(refused.events[0].warnings.map((w) => w.type)).toEqual(['cannot_merge_already_identified']);
    expect(refused.events[0].person.personId).toBe(personUuidFor(teamId, 'b'));
    expect((await personOf(db, teamId, 'a'))?.ids).toEqual(['a', 'a-anon']);

    await processPersons(db, teamId, [ev('b', { event: '$merge_dangerously', mergeFrom: 'a', mergeKind: 'merge_dangerously' })]);
    expect((await personOf(db, teamId, 'a'))?.ids).toEqual(['a', 'a-anon', 'b', 'b-anon']);
  });

  it('refuses merges with illegal distinct ids but still processes the event', async () => {
    const out = await processPersons(db, teamId, [identify('real-user', 'undefined'), identify('real-user', '"Anonymous"')]);
    expect(out.events.map((e) => e.warnings[0]?.type)).toEqual(['cannot_merge_with_illegal_distinct_id', 'cannot_merge_with_illegal_distinct_id']);
    expect((await personOf(db, teamId, 'real-user'))?.ids).toEqual(['real-user']);
    expect(await personOf(db, teamId, 'undefined')).toBeUndefined();
  });

  it('personless events create nothing; a later identify maps the id with version 1', async () => {
    const out = await processPersons(db, teamId, [ev('anon-3', { processPerson: false, updates: { set: { ignored: true } } })]);
    expect(out.events[0].person).toEqual({ personId: personUuidFor(teamId, 'anon-3'), properties: '{}', createdAt: '1970-01-01T00:00:00.000Z', mode: 'propertyless' });
    expect(await personOf(db, teamId, 'anon-3')).toBeUndefined();
    expect(out.persons).toHaveLength(0);

    const later = await processPersons(db, teamId, [identify('user-3', 'anon-3')]);
    expect(later.distinctIds.find((d) => d.distinct_id === 'anon-3')?.version).toBe(1);
    expect(later.distinctIds.find((d) => d.distinct_id === 'user-3')?.version).toBe(0);
  });

  it('a personless event of a known person carries the person without changing it (force_upgrade)', async () => {
    await processPersons(db, teamId, [ev('u4', { updates: { set: { name: 'Ann' } } })]);
    const out = await processPersons(db, teamId, [ev('u4', { processPerson: false, updates: { set: { name: 'Bob' } } })]);
    expect(out.events[0].person.mode).toBe('force_upgrade');
    expect(JSON.parse(out.events[0].person.properties)).toEqual({ name: 'Ann' });
    expect((await personOf(db, teamId, 'u4'))?.properties).toEqual({ name: 'Ann' });
  });

  it('writes nothing when the same events are applied twice (redelivery)', async () => {
    const batch = [ev('u5', { updates: { set: { plan: 'pro' } } }), identify('u5', 'anon-5')];
    await processPersons(db, teamId, batch);
    const before = await personOf(db, teamId, 'u5');
    const again = await processPersons(db, teamId, batch);
    expect(again.persons).toHaveLength(0);
    expect(again.distinctIds).toHaveLength(0);
    expect(await personOf(db, teamId, 'u5')).toEqual(before);
  });

  it('keeps concurrent batches on the same ids consistent', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        processPersons(db, teamId, [ev('shared', { updates: { set: { [`k${i}`]: i } } }), identify('shared', `anon-c${i}`)]),
      ),
    );
    const person = await personOf(db, teamId, 'shared');
    expect(person?.ids).toHaveLength(7);
    expect(Object.keys(person!.properties).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM posthog_person WHERE team_id = $1', [teamId]);
    expect(Number(rows[0].n)).toBe(1);
  });
});
