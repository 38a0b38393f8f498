/** Static cohorts (person_static_cohort) in insight filters, cohort breakdowns, funnels, retention and actors, on chDB. */
import type { Cohort } from '../../../lib/flags/types';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runFunnelsQuery } from '../../../lib/query/insights/funnels';
import { runRetentionQuery } from '../../../lib/query/insights/retention';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, OTHER_TEAM, personId, TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * "now" = 2024-01-03 23:00 UTC; -2d = Jan 1, 2, 3.
 *   $pageview: Jan 1 p1 p2 · Jan 2 p1 p3 · Jan 3 p3 p4        signed_up: p1 Jan 2, p2 Jan 3
 *   p2's events carry person property plan = pro. Another team's p1 views on Jan 1.
 * Static cohort 20 (team 1): p1 (written twice), p3; p4 added, then removed (a tombstone with a
 * higher version). Rows of another team under the same cohort id 20 name p2 and p4: never ours.
 * Dynamic cohort 22 = plan pro OR in cohort 20 → p1, p2, p3. Cohort 21 is another team's.
 */
const pv = (person: number, at: string, extra: Partial<FixtureEvent> = {}): FixtureEvent => ({ event: '$pageview', person, at, ...extra });
const pro = { personProperties: { plan: 'pro' } };
const EVENTS: FixtureEvent[] = [
  pv(1, '2024-01-01 10:00:00'),
  pv(2, '2024-01-01 11:00:00', pro),
  pv(1, '2024-01-02 10:00:00'),
  pv(3, '2024-01-02 11:00:00'),
  pv(3, '2024-01-03 10:00:00'),
  pv(4, '2024-01-03 11:00:00'),
  { event: 'signed_up', person: 1, at: '2024-01-02 12:00:00' },
  { event: 'signed_up', person: 2, at: '2024-01-03 12:00:00', ...pro },
  pv(1, '2024-01-01 10:00:00', { team: OTHER_TEAM }),
];

const member = (team: number, person: number, version: number, isDeleted = 0) => ({ team_id: team, cohort_id: 20, person_id: personId(person), is_deleted: isDeleted, version });

const COHORTS: Cohort[] = [
  { id: 20, team_id: TEAM, name: 'Uploaded', is_static: true, deleted: false, filters: null },
  { id: 21, team_id: OTHER_TEAM, name: 'Theirs', is_static: true, deleted: false, filters: null },
  {
    id: 22,
    team_id: TEAM,
    name: 'Pro or uploaded',
    is_static: false,
    deleted: false,
    filters: { properties: { type: 'OR', values: [{ key: 'plan', value: 'pro', type: 'person', operator: 'exact' }, { key: 'id', value: 20, type: 'cohort' }] } },
  },
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
  await store.insert('person_static_cohort', [member(TEAM, 1, 10), member(TEAM, 3, 10), member(TEAM, 4, 10), member(OTHER_TEAM, 2, 10), member(OTHER_TEAM, 4, 10)]);
  // Separate inserts (separate parts, not merged yet): a repeat of p1, and p4's removal.
  await store.insert('person_static_cohort', [member(TEAM, 1, 11)]);
  await store.insert('person_static_cohort', [member(TEAM, 4, 12, 1)]);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-03T23:00:00Z', cohorts: COHORTS });
const range = { date_from: '-2d' };
type Series = { data: number[]; breakdown_value?: unknown };
const trends = async (q: Record<string, unknown>) =>
  ((await runTrendsQuery({ kind: 'TrendsQuery', dateRange: range, series: [{ kind: 'EventsNode', event: '$pageview' }], ...q }, ctx())) as { results: Series[] }).results;
const inCohort = (id: number, operator = 'in') => [{ key: 'id', value: id, type: 'cohort', operator }];

describe('static cohorts in insights', () => {
  it('filter trends by membership: repeats count once, removed members and other teams’ rows not at all', async () => {
    // Members p1, p3: Jan 1 p1, Jan 2 p1 p3, Jan 3 p3 (p4 was removed, p2 is only another team's).
    expect((await trends({ properties: inCohort(20) })).map((r) => r.data)).toEqual([[1, 2, 1]]);
    expect((await trends({ properties: inCohort(20, 'not_in') })).map((r) => r.data)).toEqual([[1, 0, 1]]);
    const dau = await trends({ series: [{ kind: 'EventsNode', event: '$pageview', math: 'dau' }], properties: inCohort(20) });
    expect(dau.map((r) => r.data)).toEqual([[1, 2, 1]]);
  });

  it('a dynamic cohort may name a static one', async () => {
    // Cohort 22 = p2 (pro) or members of 20 (p1, p3).
    expect((await trends({ properties: inCohort(22) })).map((r) => r.data)).toEqual([[2, 2, 1]]);
  });

  it('break trends down by cohorts', async () => {
    const results = await trends({ breakdownFilter: { breakdown: [20, 22, 'all'], breakdown_type: 'cohort' } });
    expect(Object.fromEntries(results.map((r) => [String(r.breakdown_value), r.data]))).toEqual({ 20: [1, 2, 1], 22: [2, 2, 1], all: [2, 2, 2] });
  });

  it('another team’s cohort id is refused, whatever rows carry it', async () => {
    await expect(trends({ properties: inCohort(21) })).rejects.toMatchObject({ status: 400, attr: 'properties[0]' });
  });

  it('filter funnels, and list the actors of a trends breakdown', async () => {
    const funnel = (properties?: unknown) =>
      runFunnelsQuery(
        { kind: 'FunnelsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }, { kind: 'EventsNode', event: 'signed_up' }], dateRange: range, properties },
        ctx(),
      ) as Promise<{ results: { count: number }[] }>;
    // Everyone: 4 viewed, p1 and p2 signed up. Members p1, p3: both viewed, p1 signed up.
    expect((await funnel()).results.map((s) => s.count)).toEqual([4, 2]);
    expect((await funnel(inCohort(20))).results.map((s) => s.count)).toEqual([2, 1]);
    const source = { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], dateRange: range, breakdownFilter: { breakdown: [20], breakdown_type: 'cohort' } };
    const actors = (await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'InsightActorsQuery', source, breakdown: 20 }, select: ['actor', 'event_count'] }, ctx())) as {
      results: [{ id: string }, number][];
    };
    expect(actors.results.map(([a, n]) => [a.id, n])).toEqual([
      [personId(1), 2],
      [personId(3), 2],
    ]);
  });

  it('filter retention', async () => {
    const retention = (properties?: unknown) =>
      runRetentionQuery(
        {
          kind: 'RetentionQuery',
          properties,
          retentionFilter: { period: 'Day', totalIntervals: 3, retentionType: 'retention_first_time', targetEntity: { id: '$pageview', type: 'events' }, returningEntity: { id: '$pageview', type: 'events' } },
        },
        ctx(),
      ) as Promise<{ results: { values: { count: number }[] }[] }>;
    // Members' first views: p1 Jan 1 (back Jan 2), p3 Jan 2 (back Jan 3); nobody new on Jan 3.
    expect((await retention(inCohort(20))).results.map((r) => r.values.map((v) => v.count))).toEqual([[1, 1, 0], [1, 1], [0]]);
  });
});
