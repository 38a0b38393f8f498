/** Static cohort membership after a person merge (ClickHouse keeps the merged person's row; person_distinct_id2 says who won). */
import type { Cohort } from '../../../lib/flags/types';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, OTHER_TEAM, personId, TEAM, type FixtureEvent } from './fixtures';

/*
 * "now" = 2024-01-03 23:00 UTC; -2d = Jan 1, 2, 3. One $pageview a day:
 *   Jan 1 by p1 (B, a member of static cohort 20, distinct id d1),
 *   Jan 2 by p2 (A, no row of its own, distinct id d2),
 *   Jan 3 by p2 again — after d1 was merged into A (d1 → p2 at version 2).
 *   p3 views each day and is nobody's member; another team maps d1 to p3 (never ours).
 */
const pv = (person: number, at: string): FixtureEvent => ({ event: '$pageview', person, at });
const EVENTS = [pv(1, '2024-01-01 10:00:00'), pv(2, '2024-01-02 10:00:00'), pv(2, '2024-01-03 10:00:00'), ...['01', '02', '03'].map((d) => pv(3, `2024-01-${d} 12:00:00`))];
const COHORTS: Cohort[] = [{ id: 20, team_id: TEAM, name: 'Uploaded', is_static: true, deleted: false, filters: null }];
const mapping = (team: number, distinctId: string, person: number, version: number) => ({ team_id: team, distinct_id: distinctId, person_id: personId(person), is_deleted: 0, version });
const row = (person: number, version: number, isDeleted = 0) => ({ team_id: TEAM, cohort_id: 20, person_id: personId(person), is_deleted: isDeleted, version });

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
  await store.insert('person_distinct_id2', [mapping(TEAM, 'd1', 1, 1), mapping(TEAM, 'd2', 2, 1), mapping(TEAM, 'd3', 3, 1), mapping(OTHER_TEAM, 'd1', 3, 5)]);
  await store.insert('person_static_cohort', [row(1, 10)]);
});
afterAll(async () => {
  await store.close();
});

const members = async () => {
  const q = { kind: 'TrendsQuery', dateRange: { date_from: '-2d' }, series: [{ kind: 'EventsNode', event: '$pageview' }], properties: [{ key: 'id', value: 20, type: 'cohort', operator: 'in' }] };
  return ((await runTrendsQuery(q, makeContext(store, { now: '2024-01-03T23:00:00Z', cohorts: COHORTS }))) as { results: { data: number[] }[] }).results[0].data;
};

describe('static cohorts and person merges', () => {
  it('the winner of a merge is a member through the merged member’s distinct ids, until its own row says otherwise', async () => {
    expect(await members()).toEqual([1, 0, 0]); // before the merge: B only
    await store.insert('person_distinct_id2', [mapping(TEAM, 'd1', 2, 2)]); // d1 merged into A
    expect(await members()).toEqual([1, 1, 1]); // B's past event, and A's events
    await store.insert('person_static_cohort', [row(2, 20, 1)]); // A removed from the cohort after the merge
    expect(await members()).toEqual([1, 0, 0]);
  });
});
