import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runRetentionQuery } from '../../../lib/query/insights/retention';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, personId, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Daily retention over 4 days ending "now" = 2024-01-04 12:00 UTC: cohorts Jan 1, 2, 3, 4.
 * $pageview days:  p1 Jan 1, 2, 4;  p2 Jan 1, 3;  p3 Dec 30, Jan 2, 3;  p4 Jan 3.
 * (p1 also does "other" on Jan 3, which never counts.)
 */
const pv = (person: number, at: string): FixtureEvent => ({ event: '$pageview', person, at });
const EVENTS: FixtureEvent[] = [
  pv(1, '2024-01-01 10:00:00'),
  pv(1, '2024-01-02 10:00:00'),
  pv(1, '2024-01-04 10:00:00'),
  pv(2, '2024-01-01 11:00:00'),
  pv(2, '2024-01-03 11:00:00'),
  pv(3, '2023-12-30 11:00:00'),
  pv(3, '2024-01-02 11:00:00'),
  pv(3, '2024-01-03 11:00:00'),
  pv(4, '2024-01-03 09:00:00'),
  { event: 'other', person: 1, at: '2024-01-03 10:00:00' },
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-04T12:00:00Z' });
const query = (retentionType: string) => ({
  kind: 'RetentionQuery',
  retentionFilter: { period: 'Day', totalIntervals: 4, retentionType, targetEntity: { id: '$pageview', type: 'events' }, returningEntity: { id: '$pageview', type: 'events' } },
});
type Row = { date: string; label: string; values: { count: number; label: string }[] };
const counts = (rows: Row[]) => rows.map((r) => r.values.map((v) => v.count));

describe('RetentionQuery', () => {
  it('recurring: every day a person is active starts a cohort', async () => {
    const { results } = (await runRetentionQuery(query('retention_recurring'), ctx())) as { results: Row[] };
    expect(counts(results)).toEqual([
      [2, 1, 1, 1], // Jan 1: p1 p2; Jan 2 p1; Jan 3 p2; Jan 4 p1
      [2, 1, 1], // Jan 2: p1 p3; Jan 3 p3; Jan 4 p1
      [3, 0], // Jan 3: p2 p3 p4; nobody on Jan 4
      [1], // Jan 4: p1
    ]);
    expect(results[0]).toMatchObject({ date: '2024-01-01T00:00:00Z', label: 'Day 0' });
    expect(results[0].values[2].label).toBe('Day 2');
  });

  it('first time: a person joins the cohort of their first ever event only', async () => {
    const { results } = (await runRetentionQuery(query('retention_first_time'), ctx())) as { results: Row[] };
    // p3's first $pageview is Dec 30, before the range: in no cohort.
    expect(counts(results)).toEqual([[2, 1, 1, 1], [0, 0, 0], [1, 0], [0]]);
  });

  it('weekly periods in a time zone', async () => {
    const { results } = (await runRetentionQuery(
      { kind: 'RetentionQuery', retentionFilter: { period: 'Week', totalIntervals: 2, retentionType: 'retention_recurring' } },
      makeContext(store, { now: '2024-01-04T12:00:00Z', timezone: 'Europe/Paris' }),
    )) as { results: Row[] };
    // Weeks start on Sunday: Dec 24–30 (p3) and Dec 31–Jan 6 (p1 p2 p3 p4); p3 returns the next week.
    expect(counts(results)).toEqual([[1, 1], [4]]);
    expect(results[0].date).toBe('2023-12-24T00:00:00+01:00');
  });

  it('lists the persons of a cohort', async () => {
    const { results } = (await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'InsightActorsQuery', source: query('retention_recurring'), interval: 0 } }, ctx())) as { results: { id: string }[][] };
    expect(results.map((r) => r[0].id).sort()).toEqual([personId(1), personId(2)]);
  });

  it.each(['Year', 'toString', 'constructor'])('refuses the period %p, naming the field', async (period) => {
    await expect(runRetentionQuery({ kind: 'RetentionQuery', retentionFilter: { period } }, ctx())).rejects.toMatchObject({ status: 400, attr: 'retentionFilter.period' });
  });
});

describe('RetentionQuery date_to', () => {
  it('ends the periods at an absolute date_to in the past', async () => {
    const { results } = (await runRetentionQuery(
      { ...query('retention_recurring'), retentionFilter: { ...query('retention_recurring').retentionFilter, totalIntervals: 2 }, dateRange: { date_to: '2024-01-02' } },
      makeContext(store, { now: '2024-03-01T12:00:00Z' }),
    )) as { results: Row[] };
    // Cohorts Jan 1 (p1 p2; p1 back on Jan 2) and Jan 2 (p1 p3).
    expect(counts(results)).toEqual([[2, 1], [2]]);
  });
});
