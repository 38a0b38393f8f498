import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { INSIGHT_RUNNERS } from '../../../lib/query/insights';
import { openTestStore } from '../../support/chdb';
import { insertPersons, makeContext, OTHER_TEAM, personId, TEAM } from './fixtures';

let store: AnalyticsStore;

/*
 * Persons: p1 alice@example.com (created Jan 1, distinct id alice-device), p2 bob@corp.io
 * (Jan 3, d2), p3 (Jan 2) deleted in its second version, p4 another team's.
 */
beforeAll(async () => {
  store = await openTestStore();
  await insertPersons(store, [
    { n: 1, properties: { email: 'alice@example.com' }, createdAt: '2024-01-01 00:00:00' },
    { n: 2, properties: { email: 'bob@corp.io' }, createdAt: '2024-01-03 00:00:00' },
    { n: 3, properties: { email: 'carol@example.com' }, createdAt: '2024-01-02 00:00:00' },
    { n: 4, properties: { email: 'dave@corp.io' }, createdAt: '2024-01-04 00:00:00', team: OTHER_TEAM },
  ]);
  await store.insert('person', [{ id: personId(3), created_at: '2024-01-02 00:00:00', team_id: TEAM, properties: '{}', is_identified: 0, is_deleted: 1, version: 2 }]);
  await store.insert('person_distinct_id2', [
    { team_id: TEAM, distinct_id: 'alice-device', person_id: personId(1), is_deleted: 0, version: 1 },
    { team_id: TEAM, distinct_id: 'd2', person_id: personId(2), is_deleted: 0, version: 1 },
  ]);
});
afterAll(async () => {
  await store.close();
});

type Person = { id: string; distinct_ids: string[]; properties: Record<string, unknown>; created_at: string; is_identified: boolean };
const list = async (extra: Record<string, unknown> = {}) =>
  ((await runActorsQuery({ kind: 'ActorsQuery', select: ['person'], ...extra }, makeContext(store, { now: '2024-01-10T00:00:00Z' }))) as { results: [Person][] }).results.map((r) => r[0]);

describe('ActorsQuery without a source (the persons list)', () => {
  it("lists the team's live persons, newest first", async () => {
    const persons = await list();
    // p3 is deleted, p4 belongs to another team.
    expect(persons.map((p) => p.id)).toEqual([personId(2), personId(1)]);
    expect(persons[1]).toEqual({ id: personId(1), distinct_ids: ['alice-device'], properties: { email: 'alice@example.com' }, created_at: '2024-01-01T00:00:00.000Z', is_identified: true });
  });

  it('searches properties, distinct ids and uuids', async () => {
    expect((await list({ search: 'CORP' })).map((p) => p.id)).toEqual([personId(2)]);
    expect((await list({ search: 'alice-device' })).map((p) => p.id)).toEqual([personId(1)]);
    expect((await list({ search: personId(1) })).map((p) => p.id)).toEqual([personId(1)]);
    expect(await list({ search: 'dave' })).toEqual([]);
  });

  it('refuses columns it cannot give', async () => {
    await expect(list({ select: ['person', 'event_count'] })).rejects.toMatchObject({ status: 400, attr: 'select' });
  });
});

describe('INSIGHT_RUNNERS', () => {
  it('has a runner for every insight kind', () => {
    expect(Object.keys(INSIGHT_RUNNERS).sort()).toEqual(
      ['ActorsQuery', 'FunnelsQuery', 'InsightActorsQuery', 'LifecycleQuery', 'PathsQuery', 'RetentionQuery', 'StickinessQuery', 'TrendsQuery'].sort(),
    );
  });
});
