import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runLifecycleQuery } from '../../../lib/query/insights/lifecycle';
import { runStickinessQuery } from '../../../lib/query/insights/stickiness';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, personId, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * "now" 2024-01-04 12:00 UTC, -3d daily → buckets Jan 1..4 (Dec 31 is the "previous" of Jan 1).
 * Lifecycle ($pageview):
 *   pA created Jan 1, active Jan 1, 2       → Jan 1 new, Jan 2 returning, Jan 3 dormant
 *   pB created Dec 1, active Dec 31, Jan 2  → Jan 1 dormant, Jan 2 resurrecting, Jan 3 dormant
 *   pC created Dec 1, active Dec 31, Jan 1, 4 → Jan 1 returning, Jan 2 dormant, Jan 4 resurrecting
 *   pD created Jan 3, active Jan 3, 4       → Jan 3 new, Jan 4 returning
 * Stickiness ("login"): p11 Jan 1 (twice), 2, 3; p12 Jan 2; p13 Jan 1, 4; p14 Jan 4;
 * in the previous 4 days (Dec 28–31) only p12, on Dec 30 and 31.
 */
const pv = (person: number, at: string, created: string): FixtureEvent => ({ event: '$pageview', person, at, personCreatedAt: created });
const login = (person: number, at: string): FixtureEvent => ({ event: 'login', person, at });
const EVENTS: FixtureEvent[] = [
  pv(1, '2024-01-01 10:00:00', '2024-01-01 09:00:00'),
  pv(1, '2024-01-02 10:00:00', '2024-01-01 09:00:00'),
  pv(2, '2023-12-31 10:00:00', '2023-12-01 00:00:00'),
  pv(2, '2024-01-02 10:00:00', '2023-12-01 00:00:00'),
  pv(3, '2023-12-31 10:00:00', '2023-12-01 00:00:00'),
  pv(3, '2024-01-01 10:00:00', '2023-12-01 00:00:00'),
  pv(3, '2024-01-04 10:00:00', '2023-12-01 00:00:00'),
  pv(4, '2024-01-03 10:00:00', '2024-01-03 09:00:00'),
  pv(4, '2024-01-04 10:00:00', '2024-01-03 09:00:00'),
  login(11, '2024-01-01 08:00:00'),
  login(11, '2024-01-01 09:00:00'),
  login(11, '2024-01-02 08:00:00'),
  login(11, '2024-01-03 08:00:00'),
  login(12, '2024-01-02 08:00:00'),
  login(13, '2024-01-01 08:00:00'),
  login(13, '2024-01-04 08:00:00'),
  login(14, '2024-01-04 08:00:00'),
  login(12, '2023-12-30 08:00:00'),
  login(12, '2023-12-31 08:00:00'),
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-04T12:00:00Z' });
const lifecycle = { kind: 'LifecycleQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], dateRange: { date_from: '-3d' }, interval: 'day' };
const stickiness = { kind: 'StickinessQuery', series: [{ kind: 'EventsNode', event: 'login' }], dateRange: { date_from: '-3d' }, interval: 'day' };

describe('LifecycleQuery', () => {
  it('classifies actors per day as new, returning, resurrecting and dormant', async () => {
    const { results } = (await runLifecycleQuery(lifecycle, ctx())) as { results: { status: string; data: number[]; label: string; days: string[] }[] };
    const byStatus = Object.fromEntries(results.map((r) => [r.status, r.data]));
    expect(byStatus).toEqual({
      new: [1, 0, 1, 0],
      returning: [1, 1, 0, 1],
      resurrecting: [0, 1, 0, 1],
      dormant: [-1, -1, -2, 0],
    });
    expect(results[0].label).toBe('$pageview - new');
    expect(results[0].days).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04']);
  });

  it('lists the dormant persons of a day', async () => {
    const { results } = (await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'InsightActorsQuery', source: lifecycle, day: '2024-01-03', status: 'dormant' } }, ctx())) as { results: { id: string }[][] };
    expect(results.map((r) => r[0].id).sort()).toEqual([personId(1), personId(2)]);
  });
});

describe('StickinessQuery', () => {
  it('counts persons by the number of days they were active', async () => {
    const { results } = (await runStickinessQuery(stickiness, ctx())) as { results: { data: number[]; labels: string[]; days: number[]; count: number }[] };
    // 1 day: p12, p14; 2 days: p13; 3 days: p11 (two events on Jan 1 count once); 4 days: nobody.
    expect(results[0].data).toEqual([2, 1, 1, 0]);
    expect(results[0].labels).toEqual(['1 day', '2 days', '3 days', '4 days']);
    expect(results[0].days).toEqual([1, 2, 3, 4]);
    expect(results[0].count).toBe(4);
  });

  it('lists the persons active on exactly one day', async () => {
    const { results } = (await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'InsightActorsQuery', source: stickiness, day: 1 } }, ctx())) as { results: { id: string }[][] };
    expect(results.map((r) => r[0].id).sort()).toEqual([personId(12), personId(14)]);
  });

  it('compares with the previous period', async () => {
    const { results } = (await runStickinessQuery({ ...stickiness, compareFilter: { compare: true } }, ctx())) as { results: { data: number[]; compare_label: string }[] };
    expect(results.map((r) => [r.compare_label, r.data])).toEqual([
      ['current', [2, 1, 1, 0]],
      ['previous', [0, 1, 0, 0]],
    ]);
  });
});
