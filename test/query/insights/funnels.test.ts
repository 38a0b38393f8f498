import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runFunnelsQuery } from '../../../lib/query/insights/funnels';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, personId, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Steps A = $pageview, B = signup_start, C = signed_up; "now" 2024-01-10 12:00, range Jan 1..10.
 *   p1: A 01-01 10:00, B 10:10, C 10:20                (Chrome)   ordered 3 (600 s, 600 s)
 *   p2: A 01-02 10:00, B 11:00                         (Safari)   ordered 2 (3600 s)
 *   p3: A 01-03 10:00, C 10:05, B 10:10                (Chrome)   ordered 2 (600 s), strict 1, unordered 3
 *   p4: A 01-01 00:00, B 01-04 00:00                   (Firefox)  2 with 14 days (259200 s), 1 with a 1-day window
 *   p5: B 01-02 only                                               ordered 0, unordered 1
 *   p6: A 01-05 10:00, cancel 10:01, B 10:02, C 10:03  (Chrome)   ordered 3 (120 s, 60 s); strict 1
 * Second funnel (login → purchase), where the latest start before the next step counts:
 *   p7: login 01-06 10:00, login 10:30, purchase 10:40  → 600 s (not 2400 s)
 *   p8: login 01-07 10:00 (Edge), purchase 10:05 (Opera) → 300 s
 */
const ev = (person: number, event: string, at: string, browser?: string): FixtureEvent => ({ event, person, at, properties: browser ? { $browser: browser } : {} });
const EVENTS: FixtureEvent[] = [
  ev(1, '$pageview', '2024-01-01 10:00:00', 'Chrome'),
  ev(1, 'signup_start', '2024-01-01 10:10:00', 'Chrome'),
  ev(1, 'signed_up', '2024-01-01 10:20:00', 'Chrome'),
  ev(2, '$pageview', '2024-01-02 10:00:00', 'Safari'),
  ev(2, 'signup_start', '2024-01-02 11:00:00', 'Safari'),
  ev(3, '$pageview', '2024-01-03 10:00:00', 'Chrome'),
  ev(3, 'signed_up', '2024-01-03 10:05:00', 'Chrome'),
  ev(3, 'signup_start', '2024-01-03 10:10:00', 'Chrome'),
  ev(4, '$pageview', '2024-01-01 00:00:00', 'Firefox'),
  ev(4, 'signup_start', '2024-01-04 00:00:00', 'Firefox'),
  ev(5, 'signup_start', '2024-01-02 12:00:00', 'Chrome'),
  ev(6, '$pageview', '2024-01-05 10:00:00', 'Chrome'),
  ev(6, 'cancel', '2024-01-05 10:01:00', 'Chrome'),
  ev(6, 'signup_start', '2024-01-05 10:02:00', 'Chrome'),
  ev(6, 'signed_up', '2024-01-05 10:03:00', 'Chrome'),
  ev(7, 'login', '2024-01-06 10:00:00'),
  ev(7, 'login', '2024-01-06 10:30:00'),
  ev(7, 'purchase', '2024-01-06 10:40:00'),
  ev(8, 'login', '2024-01-07 10:00:00', 'Edge'),
  ev(8, 'purchase', '2024-01-07 10:05:00', 'Opera'),
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const node = (event: string) => ({ kind: 'EventsNode', event });
const run = (funnelsFilter: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  runFunnelsQuery(
    { kind: 'FunnelsQuery', series: [node('$pageview'), node('signup_start'), node('signed_up')], dateRange: { date_from: '-9d' }, funnelsFilter, ...extra },
    makeContext(store, { now: '2024-01-10T12:00:00Z' }),
  ) as Promise<{ results: unknown }>;
type Step = { count: number; average_conversion_time: number | null; median_conversion_time: number | null; name: string; order: number; breakdown_value?: string[] };
const counts = (steps: Step[]) => steps.map((s) => s.count);

describe('FunnelsQuery', () => {
  it('ordered funnel: counts and conversion times', async () => {
    const steps = (await run()).results as Step[];
    // Step 0: p1 p2 p3 p4 p6; step 1: the same five; step 2: p1, p6.
    expect(counts(steps)).toEqual([5, 5, 2]);
    expect(steps[0]).toMatchObject({ name: '$pageview', order: 0, average_conversion_time: null, action_id: '$pageview', type: 'events' });
    // Step 1 times 600, 3600, 600, 259200, 120: mean 264120/5 = 52824, median 600.
    expect(steps[1].average_conversion_time).toBeCloseTo(52824, 6);
    expect(steps[1].median_conversion_time).toBeCloseTo(600, 6);
    // Step 2 times 600 (p1), 60 (p6): mean 330, median interpolated 330.
    expect(steps[2].average_conversion_time).toBeCloseTo(330, 6);
    expect(steps[2].median_conversion_time).toBeCloseTo(330, 6);
  });

  it('conversion window: p4 takes 3 days, outside a 1-day window', async () => {
    const steps = (await run({ funnelWindowInterval: 1, funnelWindowIntervalUnit: 'day' })).results as Step[];
    expect(counts(steps)).toEqual([5, 4, 2]);
  });

  it('exclusions drop the actor whose funnel holds the excluded event between the steps', async () => {
    const steps = (await run({ exclusions: [{ kind: 'EventsNode', event: 'cancel', funnelFromStep: 0, funnelToStep: 1 }] })).results as Step[];
    // p6 cancelled between A and B: gone from every step.
    expect(counts(steps)).toEqual([4, 4, 1]);
  });

  it('strict order: the next event must be the next step', async () => {
    const steps = (await run({ funnelOrderType: 'strict' })).results as Step[];
    // p1 A,B,C; p2 A,B; p3 A then C (stops at 1); p4 A,B; p6 A then cancel (stops at 1).
    expect(counts(steps)).toEqual([5, 3, 1]);
  });

  it('unordered: any step can come first', async () => {
    const steps = (await run({ funnelOrderType: 'unordered' })).results as Step[];
    // p5 (B only) completes one step; p3 completes all three in another order.
    expect(counts(steps)).toEqual([6, 5, 3]);
  });

  it('breakdown with a limit and "other"', async () => {
    const results = (await run({}, { breakdownFilter: { breakdown: '$browser', breakdown_type: 'event', breakdown_limit: 2 } })).results as Step[][];
    // Step-0 actors: Chrome p1 p3 p6 (3), Firefox p4 (1), Safari p2 (1); ties by name → Chrome, Firefox, then other (Safari).
    expect(results.map((steps) => steps[0].breakdown_value)).toEqual([['Chrome'], ['Firefox'], ['$$_posthog_breakdown_other_$$']]);
    expect(results.map(counts)).toEqual([
      [3, 3, 2],
      [1, 1, 0],
      [1, 1, 0],
    ]);
  });

  it('time to convert: histogram of step 0 → last step', async () => {
    const result = (await run({ funnelVizType: 'time_to_convert' })).results as { bins: number[][]; average_conversion_time: number };
    // p1 1200 s, p6 180 s: 2 bins (cbrt 2 → 2) of width ceil(1020/2) = 510 from 180.
    expect(result.bins).toEqual([
      [180, 1],
      [690, 1],
    ]);
    expect(result.average_conversion_time).toBeCloseTo(690, 6);
  });

  it('trends: conversion % by the day the funnel started', async () => {
    const result = (await run({ funnelVizType: 'trends' })).results as { data: number[]; days: string[] }[];
    // Jan 1: p1 (converted) and p4 (not) → 50 %; Jan 2 p2, Jan 3 p3 → 0 %; Jan 5 p6 → 100 %.
    expect(result[0].data).toEqual([50, 0, 0, 0, 100, 0, 0, 0, 0, 0]);
    expect(result[0].days[0]).toBe('2024-01-01');
  });

  it('refuses a window unit every object inherits, naming the field', async () => {
    await expect(run({ funnelWindowInterval: 1, funnelWindowIntervalUnit: 'valueOf' })).rejects.toMatchObject({ status: 400, attr: 'funnelsFilter.funnelWindowInterval' });
  });

  it('refuses a one-step funnel, naming the field', async () => {
    await expect(runFunnelsQuery({ kind: 'FunnelsQuery', series: [node('$pageview')] }, makeContext(store, { now: '2024-01-10T12:00:00Z' }))).rejects.toMatchObject({ status: 400, attr: 'series' });
  });

  it('ordered: the latest start before the next step gives the conversion time', async () => {
    const { results } = (await runFunnelsQuery(
      { kind: 'FunnelsQuery', series: [node('login'), node('purchase')], dateRange: { date_from: '-9d' } },
      makeContext(store, { now: '2024-01-10T12:00:00Z' }),
    )) as { results: Step[] };
    expect(counts(results)).toEqual([2, 2]);
    // (600 + 300) / 2
    expect(results[1].average_conversion_time).toBe(450);
  });

  it('breakdown attribution: first touch, last touch, a given step', async () => {
    const values = async (funnelsFilter: Record<string, unknown>) => {
      const { results } = (await runFunnelsQuery(
        { kind: 'FunnelsQuery', series: [node('login'), node('purchase')], dateRange: { date_from: '-9d' }, breakdownFilter: { breakdown: '$browser' }, funnelsFilter },
        makeContext(store, { now: '2024-01-10T12:00:00Z' }),
      )) as { results: Step[][] };
      return results.map((steps) => steps[0].breakdown_value![0]).sort();
    };
    // p7 has no browser; p8 logged in on Edge and bought on Opera.
    expect(await values({})).toEqual(['$$_posthog_breakdown_null_$$', 'Edge']);
    expect(await values({ breakdownAttributionType: 'last_touch' })).toEqual(['$$_posthog_breakdown_null_$$', 'Opera']);
    expect(await values({ breakdownAttributionType: 'step', breakdownAttributionValue: 1 })).toEqual(['$$_posthog_breakdown_null_$$', 'Opera']);
  });

  it('actors: who reached a step, who dropped off before one', async () => {
    const source = (extra: Record<string, unknown>) => ({
      kind: 'ActorsQuery',
      source: { kind: 'FunnelsActorsQuery', source: { kind: 'FunnelsQuery', series: [node('$pageview'), node('signup_start'), node('signed_up')], dateRange: { date_from: '-9d' } }, ...extra },
    });
    const ids = async (extra: Record<string, unknown>) =>
      ((await runActorsQuery(source(extra), makeContext(store, { now: '2024-01-10T12:00:00Z' }))) as { results: { id: string }[][] }).results.map((r) => r[0].id).sort();
    expect(await ids({ funnelStep: 3 })).toEqual([personId(1), personId(6)]);
    // Reached step 2 but not step 3.
    expect(await ids({ funnelStep: -3 })).toEqual([personId(2), personId(3), personId(4)]);
    await expect(ids({ funnelStep: 4 })).rejects.toMatchObject({ status: 400, attr: 'source.funnelStep' });
  });
});
