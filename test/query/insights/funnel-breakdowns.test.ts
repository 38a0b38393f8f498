import type { Cohort } from '../../../lib/flags/types';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runFunnelsQuery } from '../../../lib/query/insights/funnels';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, personId, TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Cohort breakdowns. Cohorts (dynamic, on the person as the event saw it): 11 "Paying" (plan pro),
 * 12 "Europe" (region eu); static 13 "Uploaded" (p3, p4). Steps A = $pageview, B = signup_start, C = signed_up.
 *   p1 pro eu   A 01-01 10:00, B 10:10, C 10:20   both cohorts   3 steps (600 s, 600 s)
 *   p2 pro us   A 01-01 11:00, B 11:20            Paying         2 steps (1200 s)
 *   p3 free eu  A 01-02 10:00, B 10:20, C 10:30   Europe         3 steps (1200 s, 600 s)
 *   p4 free us  A 01-02 12:00                     neither        1 step
 *   p5 pro us   A 01-03 09:00                     Paying         1 step
 * Funnel trends by an event property (visit → buy, $browser of the visit):
 *   Chrome:  01-01 p21 buys, p22 not (50 %); 01-02 p24 buys (100 %); 01-03 p28 not (0 %)   4 entered
 *   Safari:  01-01 p23 buys (100 %); 01-02 p25, p26 not, p27 buys (33.33 %)                 4 entered
 *   Firefox: 01-03 p29 buys (100 %)                                                         1 entered
 */
const PRO_EU = { plan: 'pro', region: 'eu' };
const PRO_US = { plan: 'pro', region: 'us' };
const FREE_EU = { plan: 'free', region: 'eu' };
const FREE_US = { plan: 'free', region: 'us' };
const step = (person: number, event: string, at: string, personProperties: Record<string, unknown>): FixtureEvent => ({ event, person, at, personProperties });
const visit = (person: number, at: string, browser: string): FixtureEvent => ({ event: 'visit', person, at, properties: { $browser: browser } });
const buy = (person: number, at: string): FixtureEvent => ({ event: 'buy', person, at });
const EVENTS: FixtureEvent[] = [
  step(1, '$pageview', '2024-01-01 10:00:00', PRO_EU),
  step(1, 'signup_start', '2024-01-01 10:10:00', PRO_EU),
  step(1, 'signed_up', '2024-01-01 10:20:00', PRO_EU),
  step(2, '$pageview', '2024-01-01 11:00:00', PRO_US),
  step(2, 'signup_start', '2024-01-01 11:20:00', PRO_US),
  step(3, '$pageview', '2024-01-02 10:00:00', FREE_EU),
  step(3, 'signup_start', '2024-01-02 10:20:00', FREE_EU),
  step(3, 'signed_up', '2024-01-02 10:30:00', FREE_EU),
  step(4, '$pageview', '2024-01-02 12:00:00', FREE_US),
  step(5, '$pageview', '2024-01-03 09:00:00', PRO_US),
  visit(21, '2024-01-01 08:00:00', 'Chrome'),
  buy(21, '2024-01-01 09:00:00'),
  visit(22, '2024-01-01 08:00:00', 'Chrome'),
  visit(23, '2024-01-01 08:00:00', 'Safari'),
  buy(23, '2024-01-01 08:30:00'),
  visit(24, '2024-01-02 08:00:00', 'Chrome'),
  buy(24, '2024-01-02 18:00:00'),
  visit(25, '2024-01-02 08:00:00', 'Safari'),
  visit(26, '2024-01-02 08:00:00', 'Safari'),
  visit(27, '2024-01-02 08:00:00', 'Safari'),
  buy(27, '2024-01-02 08:05:00'),
  visit(28, '2024-01-03 08:00:00', 'Chrome'),
  visit(29, '2024-01-03 08:00:00', 'Firefox'),
  buy(29, '2024-01-03 08:01:00'),
];

const cohort = (id: number, name: string, key: string, value: string): Cohort => ({
  id,
  team_id: TEAM,
  name,
  is_static: false,
  deleted: false,
  filters: { properties: { type: 'AND', values: [{ key, value, type: 'person', operator: 'exact' }] } },
});
const COHORTS = [cohort(11, 'Paying', 'plan', 'pro'), cohort(12, 'Europe', 'region', 'eu'), { id: 13, team_id: TEAM, name: 'Uploaded', is_static: true, deleted: false, filters: null }];
const ctx = () => makeContext(store, { now: '2024-01-05T12:00:00Z', cohorts: COHORTS });

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
  await store.insert('person_static_cohort', [3, 4].map((n) => ({ team_id: TEAM, cohort_id: 13, person_id: personId(n), is_deleted: 0, version: 1 })));
});
afterAll(async () => {
  await store.close();
});

const node = (event: string) => ({ kind: 'EventsNode', event });
const DATES = { date_from: '2024-01-01', date_to: '2024-01-03' };
const signupFunnel = (extra: Record<string, unknown>) => ({ kind: 'FunnelsQuery', series: [node('$pageview'), node('signup_start'), node('signed_up')], dateRange: DATES, ...extra });
const byCohort = (breakdown: unknown, funnelsFilter: Record<string, unknown> = {}) => signupFunnel({ breakdownFilter: { breakdown_type: 'cohort', breakdown }, funnelsFilter });
const buyFunnel = (extra: Record<string, unknown> = {}) => ({ kind: 'FunnelsQuery', series: [node('visit'), node('buy')], dateRange: DATES, funnelsFilter: { funnelVizType: 'trends' }, ...extra });

type Step = { count: number; average_conversion_time: number | null; breakdown: unknown; breakdown_value: unknown };
type Trend = { count: number; data: number[]; days: string[]; breakdown_value?: unknown };
const run = async <T>(query: Record<string, unknown>) => ((await runFunnelsQuery(query, ctx())) as { results: T }).results;

describe('FunnelsQuery cohort breakdowns', () => {
  it('one funnel per cohort; a person in both cohorts counts in both, one in neither in none', async () => {
    const results = await run<Step[][]>(byCohort([12, 11]));
    // Paying: p1 p2 p5 enter, p1 p2 sign up start, p1 finishes. Europe: p1 p3 all the way. Most entrants first.
    expect(results.map((steps) => steps.map((s) => s.count))).toEqual([
      [3, 2, 1],
      [2, 2, 2],
    ]);
    expect(results.map((steps) => [steps[0].breakdown, steps[0].breakdown_value])).toEqual([
      ['Paying', 11],
      ['Europe', 12],
    ]);
    expect(results[1].map((s) => s.breakdown_value)).toEqual([12, 12, 12]);
    // Europe A → B: p1 600 s, p3 1200 s.
    expect(results[1][1].average_conversion_time).toBe(900);
  });

  it('"all" is every person, beside a cohort', async () => {
    const results = await run<Step[][]>(byCohort(['all', 12]));
    expect(results.map((steps) => [steps[0].breakdown, steps[0].breakdown_value, ...steps.map((s) => s.count)])).toEqual([
      ['all users', 0, 5, 3, 2],
      ['Europe', 12, 2, 2, 2],
    ]);
    // A single cohort id (not in a list) is one funnel too.
    const single = await run<Step[][]>(byCohort(11));
    expect(single.map((steps) => steps.map((s) => s.count))).toEqual([[3, 2, 1]]);
  });

  it('a static cohort beside a dynamic one', async () => {
    const results = await run<Step[][]>(byCohort([13, 12]));
    // Uploaded: p3 all the way, p4 step 0 only. Equal entrants: by cohort id.
    expect(results.map((steps) => [steps[0].breakdown, ...steps.map((s) => s.count)])).toEqual([
      ['Europe', 2, 2, 2],
      ['Uploaded', 2, 1, 1],
    ]);
  });

  it('strict and unordered funnels too', async () => {
    const counts = async (funnelOrderType: string) => (await run<Step[][]>(byCohort([11], { funnelOrderType }))).map((steps) => steps.map((s) => s.count));
    // Paying's funnels have no events between or out of order: the same counts as ordered.
    expect(await counts('strict')).toEqual([[3, 2, 1]]);
    expect(await counts('unordered')).toEqual([[3, 2, 1]]);
  });

  it('refuses a cohort that does not exist', async () => {
    await expect(run(byCohort([99]))).rejects.toMatchObject({ status: 400, attr: 'breakdownFilter.breakdown' });
  });

  it('actors of one cohort\'s step; each person once without a breakdown value', async () => {
    const ids = async (extra: Record<string, unknown>) => {
      const query = { kind: 'ActorsQuery', source: { kind: 'FunnelsActorsQuery', source: byCohort([11, 12]), ...extra } };
      const { results } = (await runActorsQuery(query, ctx())) as { results: { id: string }[][] };
      return results.map((r) => r[0].id).sort();
    };
    expect(await ids({ funnelStep: 3, funnelStepBreakdown: 12 })).toEqual([personId(1), personId(3)]);
    expect(await ids({ funnelStep: 2, funnelStepBreakdown: 11 })).toEqual([personId(1), personId(2)]);
    expect(await ids({ funnelStep: -3, funnelStepBreakdown: 11 })).toEqual([personId(2)]);
    expect(await ids({ funnelStep: 1 })).toEqual([personId(1), personId(2), personId(3), personId(5)]);
    await expect(ids({ funnelStep: 1, funnelStepBreakdown: 7 })).rejects.toMatchObject({ status: 400, attr: 'source.funnelStepBreakdown' });
  });
});

describe('FunnelsQuery trends with a breakdown', () => {
  it('without a breakdown: one series, rates rounded to 2 decimals', async () => {
    const results = await run<Trend[]>(buyFunnel());
    // 01-01: p21 p23 of p21 p22 p23; 01-02: p24 p27 of four; 01-03: p29 of p28 p29.
    expect(results).toEqual([{ count: 3, data: [66.67, 50, 50], days: ['2024-01-01', '2024-01-02', '2024-01-03'], labels: expect.any(Array) }]);
  });

  it('one series per event property value, sorted by value', async () => {
    const results = await run<Trend[]>(buyFunnel({ breakdownFilter: { breakdown: '$browser', breakdown_type: 'event' } }));
    expect(results.map((r) => [r.breakdown_value, r.data])).toEqual([
      [['Chrome'], [50, 100, 0]],
      [['Firefox'], [0, 0, 100]],
      [['Safari'], [100, 33.33, 0]],
    ]);
    expect(results[0]).toMatchObject({ count: 3, days: ['2024-01-01', '2024-01-02', '2024-01-03'] });
  });

  it('breakdown_limit keeps the values most actors entered with, and no "other"', async () => {
    const results = await run<Trend[]>(buyFunnel({ breakdownFilter: { breakdown: '$browser', breakdown_type: 'event', breakdown_limit: 2 } }));
    // Chrome and Safari had four entrants each, Firefox one.
    expect(results.map((r) => r.breakdown_value)).toEqual([['Chrome'], ['Safari']]);
  });

  it('one series per cohort, named as PostHog names them', async () => {
    const results = await run<Trend[]>(byCohort(['all', 11, 12], { funnelVizType: 'trends' }));
    // A → C by the day A happened. Paying: 01-01 p1 of p1 p2, 01-03 p5 not. Europe: p1, p3.
    // All: 01-01 p1 of p1 p2; 01-02 p3 of p3 p4; 01-03 p5 not. Names sort by code point (upper case first).
    expect(results.map((r) => [r.breakdown_value, r.data])).toEqual([
      ['Europe', [100, 100, 0]],
      ['Paying', [50, 0, 0]],
      ['all users', [50, 50, 0]],
    ]);
  });

  it('from step 1 to step 2 per cohort', async () => {
    const results = await run<Trend[]>(byCohort([11], { funnelVizType: 'trends', funnelFromStep: 1, funnelToStep: 2 }));
    // Paying, of those reaching B: 01-01 p1 (C) and p2 (no C); 01-03 p5 never reached B.
    expect(results.map((r) => r.data)).toEqual([[50, 0, 0]]);
  });
});
