import { runHogQLQuery } from '../../../lib/hogql';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, OTHER_TEAM, type FixtureEvent } from './fixtures';

/*
 * Three sessions on 2024-01-03 (UTC); "now" = 2024-01-07 12:00, range -6d = Jan 1..7.
 *   sA (p1): $pageview 10:00:00 /home, $autocapture 10:00:30, $pageview 10:02:00 /pricing
 *            → duration 120 s, entry …/home, exit …/pricing, 2 pageviews, not a bounce.
 *   sB (p2): $pageview 11:00:00 /blog with utm_source=news → duration 0, one pageview: a bounce.
 *   sC (p3): $pageview 12:00:00 b.com/, then `clicked` 12:00:20 without a URL
 *            → duration 20 s, entry and exit b.com/ (URL-less events do not count), not a bounce (≥ 10 s).
 *   p4: a $pageview without a session at 13:00.
 *   Another team has a session also called sA, 10:00 → 11:30: it must never lengthen ours.
 */
const EVENTS: FixtureEvent[] = [
  { event: '$pageview', person: 1, at: '2024-01-03 10:00:00', session: 'sA', properties: { $current_url: 'https://a.com/home', $pathname: '/home' } },
  { event: '$autocapture', person: 1, at: '2024-01-03 10:00:30', session: 'sA' },
  { event: '$pageview', person: 1, at: '2024-01-03 10:02:00', session: 'sA', properties: { $current_url: 'https://a.com/pricing', $pathname: '/pricing' } },
  { event: '$pageview', person: 2, at: '2024-01-03 11:00:00', session: 'sB', properties: { $current_url: 'https://a.com/blog?utm_source=news', utm_source: 'news' } },
  { event: '$pageview', person: 3, at: '2024-01-03 12:00:00', session: 'sC', properties: { $current_url: 'https://b.com/' } },
  { event: 'clicked', person: 3, at: '2024-01-03 12:00:20', session: 'sC' },
  { event: '$pageview', person: 4, at: '2024-01-03 13:00:00' },
  { event: '$pageview', person: 9, at: '2024-01-03 10:00:00', session: 'sA', team: OTHER_TEAM, properties: { $current_url: 'https://other.com/' } },
  { event: '$pageview', person: 9, at: '2024-01-03 11:30:00', session: 'sA', team: OTHER_TEAM, properties: { $current_url: 'https://other.com/end' } },
];

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-07T12:00:00.000000Z' });
/** $pageviews on Jan 3 (the only day with events) under a session filter. */
async function pageviews(key: string, operator: string, value?: unknown): Promise<number> {
  const q = { kind: 'TrendsQuery', dateRange: { date_from: '-6d' }, series: [{ kind: 'EventsNode', event: '$pageview' }], properties: [{ key, operator, value, type: 'session' }] };
  const { results } = (await runTrendsQuery(q, ctx())) as { results: { data: number[] }[] };
  expect(results[0].data.filter((_, i) => i !== 2).every((n) => n === 0)).toBe(true);
  return results[0].data[2];
}

describe('session properties', () => {
  it('filter insights by a session property computed from the session’s events', async () => {
    expect(await pageviews('$session_duration', 'gt', 60)).toBe(2); // sA only (120 s); the other team's sA would be 5400 s
    expect(await pageviews('$session_duration', 'lt', 60)).toBe(2); // sB (0 s) and sC (20 s)
    expect(await pageviews('$session_duration', 'exact', 20)).toBe(1);
    expect(await pageviews('$is_bounce', 'exact', true)).toBe(1); // sB
    expect(await pageviews('$is_bounce', 'exact', false)).toBe(3); // sA's two, sC's one
    expect(await pageviews('$entry_current_url', 'icontains', 'b.com')).toBe(1);
    expect(await pageviews('$exit_pathname', 'exact', '/pricing')).toBe(2);
    expect(await pageviews('$entry_utm_source', 'exact', 'news')).toBe(1);
    expect(await pageviews('$pageview_count', 'gte', 2)).toBe(2);
    expect(await pageviews('$autocapture_count', 'exact', 0)).toBe(2);
    expect(await pageviews('$session_id', 'exact', 'sB')).toBe(1);
    expect(await pageviews('$start_timestamp', 'is_date_after', '2024-01-03 11:30:00')).toBe(1); // sC
  });

  it('refuses an unknown session property with a 400 naming the field', async () => {
    await expect(pageviews('$channel_type_x', 'exact', 'x')).rejects.toMatchObject({ status: 400, attr: 'properties[0].key' });
  });

  it('breaks down by a session property (events without a session under the null value)', async () => {
    const q = (breakdownFilter: Record<string, unknown>) => ({ kind: 'TrendsQuery', dateRange: { date_from: '-6d' }, series: [{ kind: 'EventsNode', event: '$pageview' }], breakdownFilter });
    const byValue = async (breakdownFilter: Record<string, unknown>) => {
      const { results } = (await runTrendsQuery(q(breakdownFilter), ctx())) as { results: { breakdown_value: unknown; count: number }[] };
      return Object.fromEntries(results.map((r) => [JSON.stringify(r.breakdown_value), r.count]));
    };
    expect(await byValue({ breakdown_type: 'session', breakdown: '$entry_current_url' })).toEqual({
      '"https://a.com/home"': 2,
      '"https://a.com/blog?utm_source=news"': 1,
      '"https://b.com/"': 1,
      '"$$_posthog_breakdown_null_$$"': 1,
    });
    expect(await byValue({ breakdown_type: 'session', breakdown: '$is_bounce' })).toEqual({ '"false"': 3, '"true"': 1, '"$$_posthog_breakdown_null_$$"': 1 });
    expect(await byValue({ breakdowns: [{ type: 'session', property: '$session_duration' }, { type: 'event', property: '$pathname' }] })).toEqual({
      '["120","/home"]': 1,
      '["120","/pricing"]': 1,
      '["0","$$_posthog_breakdown_null_$$"]': 1,
      '["20","$$_posthog_breakdown_null_$$"]': 1,
      '["$$_posthog_breakdown_null_$$","$$_posthog_breakdown_null_$$"]': 1,
    });
    await expect(runTrendsQuery(q({ breakdown_type: 'session', breakdown: '$nope' }), ctx())).rejects.toMatchObject({ status: 400, attr: 'breakdownFilter.breakdown' });
  });

  it('HogQL reads the sessions table, one row per session of the team', async () => {
    const r = await runHogQLQuery(
      {
        kind: 'HogQLQuery',
        query:
          'select session_id, distinct_id, $session_duration, $entry_current_url, $exit_current_url, $pageview_count, $autocapture_count, $is_bounce, $start_timestamp from sessions order by session_id',
      },
      ctx(),
    );
    expect(r.results).toEqual([
      ['sA', 'd1', 120, 'https://a.com/home', 'https://a.com/pricing', 2, 1, false, '2024-01-03T10:00:00.000000Z'],
      ['sB', 'd2', 0, 'https://a.com/blog?utm_source=news', 'https://a.com/blog?utm_source=news', 1, 0, true, '2024-01-03T11:00:00.000000Z'],
      ['sC', 'd3', 20, 'https://b.com/', 'https://b.com/', 1, 0, false, '2024-01-03T12:00:00.000000Z'],
    ]);
  });

  it('HogQL joins events to sessions and applies session filters', async () => {
    const joined = await runHogQLQuery(
      { kind: 'HogQLQuery', query: 'select e.event, s.$session_duration from events e join sessions s on e.$session_id = s.session_id where e.event = \'clicked\'' },
      ctx(),
    );
    expect(joined.results).toEqual([['clicked', 20]]);
    const filters = { properties: [{ key: '$session_duration', operator: 'gt', value: 60, type: 'session' }] };
    const filtered = await runHogQLQuery({ kind: 'HogQLQuery', query: 'select count() from events', filters }, ctx());
    expect(filtered.results).toEqual([[3]]); // sA's three events
  });
});
