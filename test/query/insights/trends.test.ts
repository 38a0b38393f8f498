import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import { openTestStore } from '../../support/chdb';
import type { Cohort } from '../../../lib/flags/types';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import type { ActionDefinition } from '../../../lib/query/types';
import { insertEvents, makeContext, OTHER_TEAM, personId, TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Week of 2024-01-01 (Mon) .. 2024-01-07 (Sun); "now" = 2024-01-07 12:00 UTC, so -6d..today =
 * Jan 1..7 (7 daily buckets); compared with the 7 days before, Dec 25..31.
 *
 * $pageview:
 *   Jan 1: p1 Chrome (s1), p1 Chrome (s1b), p2 Safari (s2, plan pro)          3 events, 2 persons, 3 sessions
 *   Jan 2: p1 Firefox (s3), p3 Chrome 23:30 (s4, url …/pricing)               2 events, 2 persons
 *   Jan 5: p4 Chrome revenue 10 and 30 (s5, pro, since 2023-06-01),
 *          p2 no $browser, revenue 20 (s6, free, since 2023-12-31)             3 events, 2 persons
 *   Dec 28 (previous period): p1 Chrome, p5 Edge
 * signed_up: Jan 1 p2, Jan 5 p4, both of organization org-a (industry tech).
 * test_event Jan 3: one from localhost:8000, one from app.example.com.
 * $autocapture Jan 3: p1 clicks a link "Pricing" (/pricing), p2 a button "Buy".
 * Another team's $pageview on Jan 1 must never count.
 */
const org = { groups: { 0: 'org-a' }, groupProperties: { 0: { industry: 'tech' } } } as const;
const EVENTS: FixtureEvent[] = [
  { event: '$pageview', person: 1, at: '2024-01-01 09:00:00', properties: { $browser: 'Chrome' }, session: 's1' },
  { event: '$pageview', person: 1, at: '2024-01-01 09:05:00', properties: { $browser: 'Chrome' }, session: 's1b' },
  { event: '$pageview', person: 2, at: '2024-01-01 10:00:00', properties: { $browser: 'Safari' }, session: 's2', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 1, at: '2024-01-02 08:00:00', properties: { $browser: 'Firefox' }, session: 's3' },
  { event: '$pageview', person: 3, at: '2024-01-02 23:30:00', properties: { $browser: 'Chrome', $current_url: 'https://x.com/pricing' }, session: 's4' },
  { event: '$pageview', person: 4, at: '2024-01-05 12:00:00', properties: { $browser: 'Chrome', revenue: 10, since: '2023-06-01' }, session: 's5', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 4, at: '2024-01-05 13:00:00', properties: { $browser: 'Chrome', revenue: 30, since: '2023-06-01' }, session: 's5', personProperties: { plan: 'pro' } },
  { event: '$pageview', person: 2, at: '2024-01-05 14:00:00', properties: { revenue: 20, since: '2023-12-31' }, session: 's6', personProperties: { plan: 'free' } },
  { event: '$pageview', person: 1, at: '2023-12-28 10:00:00', properties: { $browser: 'Chrome' } },
  { event: '$pageview', person: 5, at: '2023-12-28 11:00:00', properties: { $browser: 'Edge' } },
  { event: 'signed_up', person: 2, at: '2024-01-01 10:05:00', ...org },
  { event: 'signed_up', person: 4, at: '2024-01-05 12:30:00', ...org },
  { event: 'test_event', person: 1, at: '2024-01-03 10:00:00', properties: { $host: 'localhost:8000' } },
  { event: 'test_event', person: 2, at: '2024-01-03 10:00:00', properties: { $host: 'app.example.com' } },
  { event: '$autocapture', person: 1, at: '2024-01-03 11:00:00', elementsChain: 'a.link:attr__href="/pricing"href="/pricing"nth-child="1"text="Pricing";div.nav:nth-child="2"' },
  { event: '$autocapture', person: 2, at: '2024-01-03 11:00:00', elementsChain: 'button:nth-child="1"text="Buy"' },
  { event: '$pageview', person: 9, at: '2024-01-01 09:00:00', properties: { $browser: 'Chrome' }, team: OTHER_TEAM },
];

const COHORTS: Cohort[] = [
  { id: 7, team_id: TEAM, name: 'Pro', is_static: false, deleted: false, filters: { properties: { type: 'OR', values: [{ type: 'AND', values: [{ key: 'plan', value: 'pro', type: 'person', operator: 'exact' }] }] } } },
  { id: 8, team_id: TEAM, name: 'Uploaded', is_static: true, deleted: false, filters: null },
];
const ACTIONS: ActionDefinition[] = [
  { id: 3, team_id: TEAM, name: 'Signed up or saw pricing', steps: [{ event: 'signed_up' }, { event: '$pageview', url: 'pricing', url_matching: 'contains' }] },
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = (timezone = 'UTC') => makeContext(store, { now: '2024-01-07T12:00:00Z', timezone, cohorts: COHORTS, actions: ACTIONS });
const week = { date_from: '-6d' };
const pageviews = (extra: Record<string, unknown> = {}) => ({ kind: 'EventsNode', event: '$pageview', ...extra });
type Series = Record<string, unknown> & { data: number[]; days: string[]; labels: string[] };
const run = (q: Record<string, unknown>, timezone = 'UTC') => runTrendsQuery({ kind: 'TrendsQuery', dateRange: week, ...q }, ctx(timezone)) as Promise<{ results: Series[] }>;
const data = async (q: Record<string, unknown>, timezone = 'UTC') => (await run(q, timezone)).results.map((r) => r.data);
const filtered = (properties: unknown) => data({ series: [pageviews()], properties });
const byBreakdown = (results: Series[]) => Object.fromEntries(results.map((r) => [String(r.breakdown_value), r.data]));

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

  it('math: dau, unique sessions, weekly and monthly active', async () => {
    expect(await data({ series: [pageviews({ math: 'dau' })] })).toEqual([[2, 2, 0, 0, 2, 0, 0]]);
    // Jan 1 has sessions s1, s1b, s2.
    expect(await data({ series: [pageviews({ math: 'unique_session' })] })).toEqual([[3, 2, 0, 0, 2, 0, 0]]);
    // Persons seen in the 7 days ending each day (Dec 28 counts for Jan 1–3):
    // Jan 1 {p1 p2 p5}, Jan 2 {p1 p2 p3 p5}, Jan 3 same, Jan 4 {p1 p2 p3}, Jan 5–7 {p1 p2 p3 p4}.
    expect(await data({ series: [pageviews({ math: 'weekly_active' })] })).toEqual([[3, 4, 4, 3, 4, 4, 4]]);
    // 30 days ending each day: everyone since Dec 28 → p1 p2 p5 on Jan 1, then +p3, then +p4.
    expect(await data({ series: [pageviews({ math: 'monthly_active' })] })).toEqual([[3, 4, 4, 4, 5, 5, 5]]);
  });

  it('math over a property: sum, avg, min, max, median, p90, p95, p99', async () => {
    // Jan 5 revenues 10, 30, 20 (the events without revenue are ignored).
    const series = ['sum', 'avg', 'min', 'max', 'median', 'p90', 'p95', 'p99'].map((math) => pageviews({ math, math_property: 'revenue' }));
    const results = (await run({ series })).results.map((r) => r.data[4]);
    // Quantiles interpolate linearly over 10, 20, 30: p90 = 20 + 0.8 × 10 = 28, p95 = 29, p99 = 29.8.
    expect(results[0]).toBe(60);
    expect(results[1]).toBe(20);
    expect(results[2]).toBe(10);
    expect(results[3]).toBe(30);
    expect(results[4]).toBeCloseTo(20, 9);
    expect(results[5]).toBeCloseTo(28, 9);
    expect(results[6]).toBeCloseTo(29, 9);
    expect(results[7]).toBeCloseTo(29.8, 9);
    expect((await run({ series })).results[0].data).toEqual([0, 0, 0, 0, 60, 0, 0]);
  });

  it('math: unique groups and avg count per actor', async () => {
    expect(await data({ series: [{ kind: 'EventsNode', event: 'signed_up', math: 'unique_group', math_group_type_index: 0 }] })).toEqual([[1, 0, 0, 0, 1, 0, 0]]);
    // Jan 1: 3 events / 2 persons; Jan 5: 3 / 2.
    expect(await data({ series: [pageviews({ math: 'avg_count_per_actor' })] })).toEqual([[1.5, 1, 0, 0, 1.5, 0, 0]]);
  });

  it('intervals: hour, week, month, and buckets in the team time zone', async () => {
    const hours = (await run({ series: [pageviews()], interval: 'hour', dateRange: { date_from: '2024-01-05', date_to: '2024-01-05' } })).results[0];
    expect(hours.data).toHaveLength(24);
    expect(hours.data.slice(11, 15)).toEqual([0, 1, 1, 1]);
    expect(hours.days[12]).toBe('2024-01-05 12:00:00');
    expect(hours.labels[12]).toBe('5-Jan-2024 12:00');
    // Weeks start on Sunday: Dec 24 (the two Dec 28 events), Dec 31 (Jan 1–6: 8), Jan 7 (none).
    const weeks = (await run({ series: [pageviews()], interval: 'week', dateRange: { date_from: '2023-12-24', date_to: '2024-01-07' } })).results[0];
    expect(weeks.data).toEqual([2, 8, 0]);
    expect(weeks.days).toEqual(['2023-12-24', '2023-12-31', '2024-01-07']);
    const months = (await run({ series: [pageviews()], interval: 'month', dateRange: { date_from: '2023-12-01', date_to: '2024-01-31' } })).results[0];
    expect(months.data).toEqual([2, 8]);
    expect(months.labels).toEqual(['Dec 2023', 'Jan 2024']);
    // Tokyo (UTC+9): p3's Jan 2 23:30 UTC visit is on Jan 3 there.
    expect(await data({ series: [pageviews()] }, 'Asia/Tokyo')).toEqual([[3, 1, 1, 0, 3, 0, 0]]);
  });

  it('breakdown by an event property with a limit, "other" and null', async () => {
    const { results } = await run({ series: [pageviews()], breakdownFilter: { breakdown: '$browser', breakdown_type: 'event', breakdown_limit: 2 } });
    // Totals: Chrome 5; Firefox, Safari and "no browser" 1 each — ties go by value, and the null
    // marker sorts first; Firefox (Jan 2) and Safari (Jan 1) become "other".
    expect(results.map((r) => r.breakdown_value)).toEqual(['Chrome', '$$_posthog_breakdown_null_$$', '$$_posthog_breakdown_other_$$']);
    expect(byBreakdown(results)).toEqual({
      Chrome: [2, 1, 0, 0, 2, 0, 0],
      $$_posthog_breakdown_null_$$: [0, 0, 0, 0, 1, 0, 0],
      $$_posthog_breakdown_other_$$: [1, 1, 0, 0, 0, 0, 0],
    });
    expect(results[0].label).toBe('$pageview - Chrome');
  });

  it('breakdown of unique persons ranks values in SQL; person and group breakdowns', async () => {
    const dau = await run({ series: [pageviews({ math: 'dau' })], breakdownFilter: { breakdown: '$browser', breakdown_limit: 2 } });
    // Persons: Chrome p1 p3 p4 (3); the rest 1 each; "other" = Safari (p2, Jan 1) + Firefox (p1, Jan 2).
    expect(byBreakdown(dau.results)).toEqual({
      Chrome: [1, 1, 0, 0, 1, 0, 0],
      $$_posthog_breakdown_null_$$: [0, 0, 0, 0, 1, 0, 0],
      $$_posthog_breakdown_other_$$: [1, 1, 0, 0, 0, 0, 0],
    });
    const plan = await run({ series: [pageviews()], breakdownFilter: { breakdown: 'plan', breakdown_type: 'person' } });
    expect(byBreakdown(plan.results)).toEqual({
      $$_posthog_breakdown_null_$$: [2, 2, 0, 0, 0, 0, 0],
      pro: [1, 0, 0, 0, 2, 0, 0],
      free: [0, 0, 0, 0, 1, 0, 0],
    });
    const industry = await run({ series: [{ kind: 'EventsNode', event: 'signed_up' }], breakdownFilter: { breakdown: 'industry', breakdown_type: 'group', breakdown_group_type_index: 0 } });
    expect(byBreakdown(industry.results)).toEqual({ tech: [1, 0, 0, 0, 1, 0, 0] });
  });

  it('breakdown by cohorts', async () => {
    const { results } = await run({ series: [pageviews()], breakdownFilter: { breakdown: [7, 'all'], breakdown_type: 'cohort' } });
    // Cohort 7 = plan pro: p2's Jan 1 visit and p4's two on Jan 5.
    expect(byBreakdown(results)).toEqual({ 7: [1, 0, 0, 0, 2, 0, 0], all: [3, 2, 0, 0, 3, 0, 0] });
  });

  it('compares with the previous period', async () => {
    const { results } = await run({ series: [pageviews()], compareFilter: { compare: true } });
    expect(results.map((r) => [r.compare_label, r.data])).toEqual([
      ['current', [3, 2, 0, 0, 3, 0, 0]],
      ['previous', [0, 0, 0, 2, 0, 0, 0]], // Dec 25..31: the two Dec 28 visits
    ]);
    expect(results[1].days[0]).toBe('2023-12-25');
    expect(results.every((r) => r.compare === true)).toBe(true);
  });

  it('formulas across series', async () => {
    const series = [pageviews(), { kind: 'EventsNode', event: 'signed_up' }];
    // A = [3,2,0,0,3,0,0], B = [1,0,0,0,1,0,0]; division by zero shows 0.
    expect(await data({ series, trendsFilter: { formula: 'A/B' } })).toEqual([[3, 0, 0, 0, 3, 0, 0]]);
    expect(await data({ series, trendsFilter: { formula: '(A + B) * 2 - 1' } })).toEqual([[7, 3, -1, -1, 7, -1, -1]]);
    const { results } = await run({ series, trendsFilter: { formula: 'A+B' } });
    expect(results[0].label).toBe('A+B');
    await expect(run({ series, trendsFilter: { formula: 'A+C' } })).rejects.toMatchObject({ status: 400, attr: 'trendsFilter.formula' });
  });

  it('BoldNumber: one aggregated value over the range (unique persons are not summed)', async () => {
    const total = (await run({ series: [pageviews()], trendsFilter: { display: 'BoldNumber' } })).results[0];
    expect(total.aggregated_value).toBe(8);
    expect(total.data).toEqual([]);
    // p1 p2 p3 p4, though the daily counts add up to 6.
    const dau = (await run({ series: [pageviews({ math: 'dau' })], trendsFilter: { display: 'BoldNumber' } })).results[0];
    expect(dau.aggregated_value).toBe(4);
    const cumulative = (await run({ series: [pageviews()], trendsFilter: { display: 'ActionsLineGraphCumulative' } })).results[0];
    expect(cumulative.data).toEqual([3, 5, 5, 5, 8, 8, 8]);
  });

  it('property filters: every operator', async () => {
    const f = (key: string, operator: string, value?: unknown, type = 'event') => [{ key, operator, value, type }];
    expect(await filtered(f('$browser', 'exact', 'Chrome'))).toEqual([[2, 1, 0, 0, 2, 0, 0]]);
    expect(await filtered(f('$browser', 'exact', ['Safari', 'Firefox']))).toEqual([[1, 1, 0, 0, 0, 0, 0]]);
    // Negative operators keep events without the property (p2's Jan 5 visit).
    expect(await filtered(f('$browser', 'is_not', 'Chrome'))).toEqual([[1, 1, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('$browser', 'icontains', 'FIRE'))).toEqual([[0, 1, 0, 0, 0, 0, 0]]);
    expect(await filtered(f('$browser', 'not_icontains', 'chrome'))).toEqual([[1, 1, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('$browser', 'regex', '^(Saf|Fir)'))).toEqual([[1, 1, 0, 0, 0, 0, 0]]);
    expect(await filtered(f('$browser', 'not_regex', '^Chr'))).toEqual([[1, 1, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('$browser', 'is_set'))).toEqual([[3, 2, 0, 0, 2, 0, 0]]);
    expect(await filtered(f('$browser', 'is_not_set'))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    // Revenues 10, 30, 20 on Jan 5.
    expect(await filtered(f('revenue', 'gt', 15))).toEqual([[0, 0, 0, 0, 2, 0, 0]]);
    expect(await filtered(f('revenue', 'gte', 20))).toEqual([[0, 0, 0, 0, 2, 0, 0]]);
    expect(await filtered(f('revenue', 'lt', 20))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('revenue', 'lte', '10'))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('revenue', 'between', [15, 25]))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    // since: 2023-06-01 (p4, two events), 2023-12-31 (p2).
    expect(await filtered(f('since', 'is_date_before', '2023-12-01'))).toEqual([[0, 0, 0, 0, 2, 0, 0]]);
    expect(await filtered(f('since', 'is_date_after', '2023-12-01'))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('since', 'is_date_exact', '2023-12-31'))).toEqual([[0, 0, 0, 0, 1, 0, 0]]);
    expect(await filtered(f('plan', 'exact', 'pro', 'person'))).toEqual([[1, 0, 0, 0, 2, 0, 0]]);
    expect(await filtered({ type: 'OR', values: [{ type: 'AND', values: f('$browser', 'exact', 'Safari') }, { type: 'AND', values: f('revenue', 'gt', 25) }] })).toEqual([[1, 0, 0, 0, 1, 0, 0]]);
    await expect(filtered(f('$browser', 'sounds_like', 'x'))).rejects.toMatchObject({ status: 400, attr: 'properties[0].operator' });
  });

  it('group, element, cohort and series-level filters', async () => {
    const signups = { kind: 'EventsNode', event: 'signed_up' };
    expect(await data({ series: [signups], properties: [{ key: 'industry', value: 'tech', type: 'group', group_type_index: 0 }] })).toEqual([[1, 0, 0, 0, 1, 0, 0]]);
    const clicks = (properties: unknown) => data({ series: [{ kind: 'EventsNode', event: '$autocapture', properties }] });
    expect(await clicks([{ key: 'text', value: 'Pricing', type: 'element', operator: 'exact' }])).toEqual([[0, 0, 1, 0, 0, 0, 0]]);
    expect(await clicks([{ key: 'tag_name', value: ['button'], type: 'element' }])).toEqual([[0, 0, 1, 0, 0, 0, 0]]);
    expect(await clicks([{ key: 'href', value: 'pric', type: 'element', operator: 'icontains' }])).toEqual([[0, 0, 1, 0, 0, 0, 0]]);
    expect(await clicks([{ key: 'text', value: 'Buy', type: 'element', operator: 'is_not' }])).toEqual([[0, 0, 1, 0, 0, 0, 0]]);
    // Dynamic cohort 7 (plan = pro) on the person as each event saw it; not_in is its complement.
    expect(await filtered([{ key: 'id', value: 7, type: 'cohort' }])).toEqual([[1, 0, 0, 0, 2, 0, 0]]);
    expect(await filtered([{ key: 'id', value: 7, type: 'cohort', operator: 'not_in' }])).toEqual([[2, 2, 0, 0, 1, 0, 0]]);
    // Static cohort 8 has no members in ClickHouse (person_static_cohort): it matches nobody.
    expect(await filtered([{ key: 'id', value: 8, type: 'cohort' }])).toEqual([[0, 0, 0, 0, 0, 0, 0]]);
    await expect(filtered([{ key: 'id', value: 99, type: 'cohort' }])).rejects.toMatchObject({ status: 400 });
    // Names every object inherits are unknown keys, not table entries.
    await expect(clicks([{ key: 'toString', value: 'x', type: 'element' }])).rejects.toMatchObject({ status: 400, attr: 'series[0].properties[0].key' });
    await expect(filtered([{ key: 'constructor', value: 'x', type: 'event_metadata' }])).rejects.toMatchObject({ status: 400, attr: 'properties[0].key' });
    expect(await data({ series: [pageviews({ properties: [{ key: '$browser', value: 'Chrome' }] })] })).toEqual([[2, 1, 0, 0, 2, 0, 0]]);
  });

  it('actions: steps are ORed (event; event + URL)', async () => {
    // signed_up Jan 1 and Jan 5; p3's Jan 2 visit of …/pricing.
    expect(await data({ series: [{ kind: 'ActionsNode', id: 3 }] })).toEqual([[1, 1, 0, 0, 1, 0, 0]]);
    const { results } = await run({ series: [{ kind: 'ActionsNode', id: 3 }] });
    expect(results[0].label).toBe('Signed up or saw pricing');
    expect(results[0].action).toMatchObject({ id: 3, type: 'actions' });
    await expect(run({ series: [{ kind: 'ActionsNode', id: 4 }] })).rejects.toMatchObject({ status: 400, attr: 'series[0].id' });
  });

  it('filterTestAccounts drops localhost events', async () => {
    const testEvents = { kind: 'EventsNode', event: 'test_event' };
    expect(await data({ series: [testEvents] })).toEqual([[0, 0, 2, 0, 0, 0, 0]]);
    expect(await data({ series: [testEvents], filterTestAccounts: true })).toEqual([[0, 0, 1, 0, 0, 0, 0]]);
  });

  it('date ranges: absolute, relative, dStart, all', async () => {
    expect((await run({ series: [pageviews()], dateRange: { date_from: '2024-01-02', date_to: '2024-01-05' } })).results[0].data).toEqual([2, 0, 0, 3]);
    expect((await run({ series: [pageviews()], dateRange: { date_from: '-1w' } })).results[0].days[0]).toBe('2023-12-31');
    expect((await run({ series: [pageviews()], dateRange: { date_from: 'dStart' } })).results[0].days).toEqual(['2024-01-07']);
    // "all" starts on the day of the team's first event (Dec 28), never another team's.
    const all = (await run({ series: [pageviews()], dateRange: { date_from: 'all' } })).results[0];
    expect(all.days[0]).toBe('2023-12-28');
    expect(all.count).toBe(10);
    // explicitDate keeps the times: 09:01–10:00 on Jan 1 holds p1's 09:05 and p2's 10:00.
    const explicit = (await run({ series: [pageviews()], dateRange: { date_from: '2024-01-01 09:01:00', date_to: '2024-01-01 10:00:00', explicitDate: true } })).results[0];
    expect(explicit.count).toBe(2);
    await expect(run({ series: [pageviews()], dateRange: { date_from: 'yesterday' } })).rejects.toMatchObject({ status: 400, attr: 'dateRange.date_from' });
  });

  it('refuses bad queries, naming the field', async () => {
    await expect(run({ series: [pageviews({ math: 'mode' })] })).rejects.toMatchObject({ status: 400, attr: 'series[0].math' });
    await expect(run({ series: [pageviews({ math: 'sum' })] })).rejects.toMatchObject({ status: 400, attr: 'series[0].math_property' });
    await expect(run({ series: [pageviews()], interval: 'fortnight' })).rejects.toMatchObject({ status: 400, attr: 'interval' });
    await expect(run({ series: [] })).rejects.toMatchObject({ status: 400, attr: 'series' });
    await expect(run({ series: [{ kind: 'DataWarehouseNode' }] })).rejects.toMatchObject({ status: 400, attr: 'series[0].kind' });
  });

  it('actors behind a data point: day, breakdown, event counts', async () => {
    const source = (extra: Record<string, unknown>) => ({ kind: 'InsightActorsQuery', source: { kind: 'TrendsQuery', series: [pageviews()], dateRange: week, ...extra.query as object }, ...extra });
    const day1 = (await runActorsQuery({ kind: 'ActorsQuery', source: source({ day: '2024-01-01' }), select: ['actor', 'event_count'] }, ctx())) as { results: [{ id: string; distinct_ids: string[] }, number][]; columns: string[]; hasMore: boolean };
    // Jan 1: p1 twice, p2 once — busiest first.
    expect(day1.results.map(([a, n]) => [a.id, n])).toEqual([
      [personId(1), 2],
      [personId(2), 1],
    ]);
    expect(day1.results[0][0].distinct_ids).toEqual(['d1']);
    expect(day1.columns).toEqual(['actor', 'event_count']);
    expect(day1.hasMore).toBe(false);
    const chrome = (await runActorsQuery(
      { kind: 'ActorsQuery', source: source({ day: '2024-01-05', breakdown: 'Chrome', query: { breakdownFilter: { breakdown: '$browser' } } }) },
      ctx(),
    )) as { results: [{ id: string }][] };
    expect(chrome.results.map(([a]) => a.id)).toEqual([personId(4)]);
    // "Other" of a 2-value limit (Chrome, no browser): Safari (p2) on Jan 1.
    const other = (await runActorsQuery(
      { kind: 'ActorsQuery', source: source({ day: '2024-01-01', breakdown: '$$_posthog_breakdown_other_$$', query: { breakdownFilter: { breakdown: '$browser', breakdown_limit: 2 } } }) },
      ctx(),
    )) as { results: [{ id: string }][] };
    expect(other.results.map(([a]) => a.id)).toEqual([personId(2)]);
    const paged = (await runActorsQuery({ kind: 'ActorsQuery', source: source({}), limit: 2 }, ctx())) as { results: unknown[]; hasMore: boolean };
    // p1 p2 p3 p4 in the week: a page of 2 with more.
    expect(paged.results).toHaveLength(2);
    expect(paged.hasMore).toBe(true);
  });

  // HogQL comes from lib/hogql (another module); without it these answer 400.
  (existsSync(join(__dirname, '../../../lib/hogql/index.ts')) ? it : it.skip)('HogQL breakdown, math and filter', async () => {
    const { results } = await run({ series: [pageviews()], breakdownFilter: { breakdown: 'upper(properties.$browser)', breakdown_type: 'hogql' } });
    expect(byBreakdown(results)).toEqual({
      CHROME: [2, 1, 0, 0, 2, 0, 0],
      $$_posthog_breakdown_null_$$: [0, 0, 0, 0, 1, 0, 0],
      FIREFOX: [0, 1, 0, 0, 0, 0, 0],
      SAFARI: [1, 0, 0, 0, 0, 0, 0],
    });
    expect(await data({ series: [pageviews({ math: 'hogql', math_hogql: 'sum(toFloat(properties.revenue))' })] })).toEqual([[0, 0, 0, 0, 60, 0, 0]]);
    expect(await filtered([{ key: "properties.$browser = 'Chrome'", type: 'hogql' }])).toEqual([[2, 1, 0, 0, 2, 0, 0]]);
  });

  it('multiple breakdowns: one series per combination', async () => {
    const { results } = await run({
      series: [pageviews()],
      breakdownFilter: { breakdowns: [{ type: 'event', property: '$browser' }, { type: 'person', property: 'plan' }], breakdown_limit: 2 },
    });
    // Combinations: Chrome/no plan 3 (p1 twice on Jan 1, p3 on Jan 2), Chrome/pro 2 (p4 on Jan 5),
    // Safari/pro 1 (Jan 1), Firefox/no plan 1 (Jan 2), no browser/free 1 (Jan 5) → the top 2 and "other".
    expect(results.map((r) => [r.breakdown_value, r.data])).toEqual([
      [['Chrome', '$$_posthog_breakdown_null_$$'], [2, 1, 0, 0, 0, 0, 0]],
      [['Chrome', 'pro'], [0, 0, 0, 0, 2, 0, 0]],
      [['$$_posthog_breakdown_other_$$', '$$_posthog_breakdown_other_$$'], [1, 1, 0, 0, 1, 0, 0]],
    ]);
    expect(results[1].label).toBe('$pageview - Chrome::pro');
  });
});
