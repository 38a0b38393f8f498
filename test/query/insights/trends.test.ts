import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, OTHER_TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Week of 2024-01-01 (Mon) .. 2024-01-07 (Sun); "now" = 2024-01-07 12:00 UTC, so -6d..today =
 * Jan 1..7 (7 daily buckets) and -6d with compare → previous Dec 25..31.
 *
 * $pageview:
 *   Jan 1: p1 Chrome, p1 Chrome, p2 Safari        (3 events, 2 persons)
 *   Jan 2: p1 Firefox, p3 Chrome                  (2 events, 2 persons)
 *   Jan 3: (none)
 *   Jan 5: p4 Chrome (revenue 10), p4 Chrome (revenue 30), p2 (no $browser, revenue 20)
 *   Dec 28 (previous period): p1 Chrome, p5 Edge
 * signed_up: Jan 1 p2; Jan 5 p4.
 * Another team's $pageview on Jan 1 must never count.
 */
const EVENTS: FixtureEvent[] = [
  { event: '$pageview', person: 1, at: '2024-01-01 09:00:00', properties: { $browser: 'Chrome' }, session: 's1' },
  { event: '$pageview', person: 1, at: '2024-01-01 09:05:00', properties: { $browser: 'Chrome' }, session: 's1' },
  { event: '$pageview', person: 2, at: '2024-01-01 10:00:00', properties: { $browser: 'Safari' }, session: 's2', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 1, at: '2024-01-02 08:00:00', properties: { $browser: 'Firefox' }, session: 's3' },
  { event: '$pageview', person: 3, at: '2024-01-02 23:30:00', properties: { $browser: 'Chrome' }, session: 's4' },
  { event: '$pageview', person: 4, at: '2024-01-05 12:00:00', properties: { $browser: 'Chrome', revenue: 10 }, session: 's5', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 4, at: '2024-01-05 13:00:00', properties: { $browser: 'Chrome', revenue: 30 }, session: 's5', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 2, at: '2024-01-05 14:00:00', properties: { revenue: 20 }, session: 's6', personProperties: { plan: 'free' } },
  { event: '$pageview', person: 1, at: '2023-12-28 10:00:00', properties: { $browser: 'Chrome' } },
  { event: '$pageview', person: 5, at: '2023-12-28 11:00:00', properties: { $browser: 'Edge' } },
  { event: 'signed_up', person: 2, at: '2024-01-01 10:05:00' },
  { event: 'signed_up', person: 4, at: '2024-01-05 12:30:00' },
  { event: '$pageview', person: 9, at: '2024-01-01 09:00:00', properties: { $browser: 'Chrome' }, team: OTHER_TEAM },
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-07T12:00:00Z' });
const week = { date_from: '-6d' };
const pageviews = (extra: Record<string, unknown> = {}) => ({ kind: 'EventsNode', event: '$pageview', ...extra });
const run = (q: Record<string, unknown>) => runTrendsQuery({ kind: 'TrendsQuery', dateRange: week, ...q }, ctx()) as Promise<{ results: Record<string, unknown>[] }>;

describe('TrendsQuery', () => {
  it('counts total events per day, with PostHog labels and days', async () => {
    const { results } = await run({ series: [pageviews()] });
    expect(results).toHaveLength(1);
    // Jan 1: 3, Jan 2: 2, Jan 5: 3; other team's Jan 1 event excluded.
    expect(results[0].data).toEqual([3, 2, 0, 0, 3, 0, 0]);
    expect(results[0].count).toBe(8);
    expect(results[0].days).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07']);
    expect((results[0].labels as string[])[0]).toBe('1-Jan-2024');
    expect(results[0].label).toBe('$pageview');
  });
});
