import type { Cohort } from '../../../lib/flags/types';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import type { ActionDefinition } from '../../../lib/query/types';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, OTHER_TEAM, TEAM, type FixtureEvent } from './fixtures';

/*
 * "now" = 2024-01-31 12:00 UTC. Every person pings once on Jan 31 at 10:00; the insights count
 * the persons pinging (dau) under a cohort filter.
 *   p1 (plan pro): $pageview Jan 20, Jan 29, Jan 30; purchase Jan 30
 *   p2:            $pageview 2023-12-01 and Jan 30
 *   p3 (plan pro): $pageview Jan 10
 *   p4:            purchase Jan 30, no pageviews
 *   another team's p9 views pages five times on Jan 30: never a member of ours.
 */
const at = (day: string, time = '09:00:00') => `${day} ${time}`;
const EVENTS: FixtureEvent[] = [
  ...[1, 2, 3, 4].map((person) => ({ event: 'ping', person, at: at('2024-01-31', '10:00:00'), personProperties: { plan: person % 2 ? 'pro' : 'free' } })),
  { event: '$pageview', person: 1, at: at('2024-01-20') },
  { event: '$pageview', person: 1, at: at('2024-01-29') },
  { event: '$pageview', person: 1, at: at('2024-01-30') },
  { event: 'purchase', person: 1, at: at('2024-01-30') },
  { event: '$pageview', person: 2, at: at('2023-12-01') },
  { event: '$pageview', person: 2, at: at('2024-01-30') },
  { event: '$pageview', person: 3, at: at('2024-01-10') },
  { event: 'purchase', person: 4, at: at('2024-01-30') },
  ...[1, 2, 3, 4, 5].map(() => ({ event: '$pageview', person: 9, at: at('2024-01-30'), team: OTHER_TEAM })),
];

const behavioural = (extra: Record<string, unknown>) => ({ key: '$pageview', type: 'behavioral', value: 'performed_event', event_type: 'events', time_value: 30, time_interval: 'day', ...extra });
const cohort = (id: number, ...values: Record<string, unknown>[]): Cohort =>
  ({ id, team_id: TEAM, name: `c${id}`, is_static: false, deleted: false, filters: { properties: { type: 'AND', values: [{ type: 'AND', values }] } } }) as unknown as Cohort;
const COHORTS: Cohort[] = [
  cohort(1, behavioural({ time_value: 7 })),
  cohort(2, behavioural({ value: 'performed_event_multiple', operator: 'gte', operator_value: 3 })),
  cohort(3, behavioural({ value: 'performed_event_first_time' })),
  cohort(4, behavioural({ negation: true })),
  cohort(5, behavioural({ key: 3, event_type: 'actions', explicit_datetime: '-1w' })),
  cohort(6, { key: 'plan', value: 'pro', type: 'person', operator: 'exact' }, behavioural({ explicit_datetime: '-5d' })),
  cohort(7, behavioural({ value: 'performed_event_multiple', operator: 'exact', operator_value: 1 })),
  cohort(8, behavioural({ value: 'performed_event_regularly' })),
];
const ACTIONS: ActionDefinition[] = [{ id: 3, team_id: TEAM, name: 'Purchased', steps: [{ event: 'purchase' }] }];

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-31T12:00:00Z', cohorts: COHORTS, actions: ACTIONS });
const ping = { kind: 'EventsNode', event: 'ping', math: 'dau' };
type Series = { data: number[]; breakdown_value?: unknown };
const run = async (q: Record<string, unknown>) => ((await runTrendsQuery({ kind: 'TrendsQuery', dateRange: { date_from: '-0d' }, series: [ping], ...q }, ctx())) as { results: Series[] }).results;
const members = async (id: number) => (await run({ properties: [{ key: 'id', value: id, type: 'cohort', operator: 'in' }] }))[0].data[0];

describe('behavioural cohorts in insights', () => {
  it('counts the persons who performed an event in a window, a number of times, or for the first time', async () => {
    expect(await members(1)).toBe(2); // p1, p2 viewed pages in the last 7 days
    expect(await members(2)).toBe(1); // only p1 viewed 3 times in 30 days (p2's December view is outside)
    expect(await members(3)).toBe(2); // first views within 30 days: p1 (Jan 20) and p3 (Jan 10), not p2
    expect(await members(4)).toBe(1); // no views in 30 days: p4
    expect(await members(5)).toBe(2); // the purchase action in the last week: p1, p4
    expect(await members(6)).toBe(1); // pro and viewed in the last 5 days: p1 (p3 is pro, but viewed on Jan 10)
    expect(await members(7)).toBe(2); // exactly one view in 30 days: p2 and p3
  });

  it('breaks down by behavioural cohorts', async () => {
    const results = await run({ breakdownFilter: { breakdown_type: 'cohort', breakdown: [1, 2, 4] } });
    expect(Object.fromEntries(results.map((r) => [String(r.breakdown_value), r.data[0]]))).toEqual({ '1': 2, '2': 1, '4': 1 });
  });

  it('refuses the behaviours it cannot compute with a 400', async () => {
    await expect(members(8)).rejects.toMatchObject({ status: 400 });
  });
});
