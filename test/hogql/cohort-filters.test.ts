/** Cohort property filters in HogQLQuery `filters.properties` and EventsQuery `properties`, and the `static_cohort_people` table, on chDB. */
import type { Cohort } from '../../lib/flags/types';
import { runEventsQuery, runHogQLQuery } from '../../lib/hogql';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { context, OTHER_TEAM, PERSON_A, PERSON_B, seed, TEAM } from './fixtures';

let store: AnalyticsStore;

/*
 * Team 1 (fixtures.ts): A has two $pageviews (a@x.com); B a signed_up and a $pageview (b@y.com) and
 * one event without person properties. Static cohort 30: A; B added then removed. Another team's
 * rows under the same cohort id name B. Cohort 31 = email b@y.com OR in 30; 32 = NOT email b@y.com;
 * 33 is another team's; 34 names itself.
 */
const person = (value: string, extra: Record<string, unknown> = {}) => ({ key: 'email', type: 'person', value, operator: 'exact', ...extra });
const inCohort = (id: number, extra: Record<string, unknown> = {}) => ({ key: 'id', type: 'cohort', value: id, ...extra });
const COHORTS: Cohort[] = [
  { id: 30, team_id: TEAM, name: 'Uploaded', is_static: true, deleted: false, filters: null },
  { id: 31, team_id: TEAM, name: 'B or uploaded', is_static: false, deleted: false, filters: { properties: { type: 'OR', values: [person('b@y.com'), inCohort(30)] } } },
  { id: 32, team_id: TEAM, name: 'Not B', is_static: false, deleted: false, filters: { properties: { type: 'AND', values: [person('b@y.com', { negation: true })] } } },
  { id: 33, team_id: OTHER_TEAM, name: 'Theirs', is_static: true, deleted: false, filters: null },
  { id: 34, team_id: TEAM, name: 'Loop', is_static: false, deleted: false, filters: { properties: { type: 'AND', values: [inCohort(34)] } } },
] as Cohort[];

beforeAll(async () => {
  store = await openTestStore();
  await seed(store);
  const row = (team: number, personId: string, version: number, isDeleted = 0) => ({ team_id: team, cohort_id: 30, person_id: personId, is_deleted: isDeleted, version });
  await store.insert('person_static_cohort', [row(TEAM, PERSON_A, 1), row(TEAM, PERSON_B, 1), row(OTHER_TEAM, PERSON_B, 1)]);
  await store.insert('person_static_cohort', [row(TEAM, PERSON_A, 2), row(TEAM, PERSON_B, 2, 1)]);
});
afterAll(() => store.close());

const ctx = () => ({ ...context(store), loadCohort: async (id: number) => COHORTS.find((c) => c.id === id && c.team_id === TEAM) });
const count = async (properties: unknown, where = '1') =>
  (await runHogQLQuery({ kind: 'HogQLQuery', query: `select count() from events where ${where}`, filters: { properties } }, ctx())).results;

describe('cohort filters in HogQL', () => {
  it('a static cohort: its members’ events, not removed members’ nor another team’s rows', async () => {
    expect(await count([inCohort(30)])).toEqual([[2]]);
    expect(await count([inCohort(30, { operator: 'not_in' })])).toEqual([[3]]);
  });

  it('a dynamic cohort naming a static one, and negation inside a cohort', async () => {
    // B's two events with email b@y.com, and A's two.
    expect(await count([inCohort(31)])).toEqual([[4]]);
    expect(await count([inCohort(32)], "event = '$pageview'")).toEqual([[2]]);
  });

  it('EventsQuery properties', async () => {
    const r = await runEventsQuery({ kind: 'EventsQuery', select: ['event', 'person_id'], properties: [inCohort(30)], after: '-30d' }, ctx());
    expect(r.results).toEqual([
      ['$pageview', PERSON_A],
      ['$pageview', PERSON_A],
    ]);
  });

  it('refuses another team’s cohort and a cohort that names itself', async () => {
    await expect(count([inCohort(33)])).rejects.toMatchObject({ status: 400, message: 'Cohort 33 does not exist.' });
    await expect(count([inCohort(34)])).rejects.toMatchObject({ status: 400, message: 'Cohort 34 refers to itself.' });
  });

  it('static_cohort_people holds the team’s current members only', async () => {
    const r = await runHogQLQuery({ kind: 'HogQLQuery', query: 'select cohort_id, person_id from static_cohort_people' }, ctx());
    expect(r.results).toEqual([[30, PERSON_A]]);
  });
});
