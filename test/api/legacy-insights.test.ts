/**
 * Insights saved with only legacy `filters` (API scripts, older clients) compute, through the
 * real runners on chDB, what the equivalent query insight computes — in the insight and on a
 * dashboard tile — and show the converted query as PostHog does.
 */
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { insertEvents } from '../query/insights/fixtures';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;

const INSIGHTS = '/api/projects/@current/insights/';
const send = (method: string, path: string, body: unknown) => h.call(path, { method, body: JSON.stringify(body) });
const viz = (source: Record<string, unknown>) => ({ kind: 'InsightVizNode', source });

beforeAll(async () => {
  h = await startQueryHarness({ runners: QUERY_RUNNERS });
  const team = h.teamId;
  // Person 1: Chrome, visits on the 1st, 2nd and 4th, signs up on the 2nd. Person 2: Firefox, visits on the 1st and 3rd. Person 3: Chrome, the 3rd only.
  await insertEvents(h.platform.store, [
    { team, person: 1, event: '$pageview', at: '2024-01-01 10:00:00', properties: { $current_url: 'https://shop.test/home', $browser: 'Chrome' } },
    { team, person: 1, event: '$pageview', at: '2024-01-02 10:00:00', properties: { $current_url: 'https://shop.test/pricing', $browser: 'Chrome' } },
    { team, person: 1, event: 'signed_up', at: '2024-01-02 10:05:00' },
    { team, person: 1, event: '$pageview', at: '2024-01-04 09:00:00', properties: { $current_url: 'https://shop.test/home', $browser: 'Chrome' } },
    { team, person: 2, event: '$pageview', at: '2024-01-01 12:00:00', properties: { $current_url: 'https://shop.test/home', $browser: 'Firefox' } },
    { team, person: 2, event: '$pageview', at: '2024-01-03 12:00:00', properties: { $current_url: 'https://shop.test/docs', $browser: 'Firefox' } },
    { team, person: 3, event: '$pageview', at: '2024-01-03 08:00:00', properties: { $current_url: 'https://shop.test/pricing', $browser: 'Chrome' } },
  ]);
}, 90_000);

afterAll(async () => {
  await h.stop();
});

/** Creates both insights and reads their results computed (?refresh=blocking). */
async function bothResults(filters: Record<string, unknown>, query: Record<string, unknown>): Promise<{ legacy: any; modern: any }> {
  const legacy = await send('POST', INSIGHTS, { name: 'Legacy', filters });
  expect(legacy.status).toBe(201);
  const modern = await send('POST', INSIGHTS, { name: 'Query', query });
  const read = async (id: number) => {
    const res = await h.call(`${INSIGHTS}${id}/?refresh=blocking`);
    expect(res.status).toBe(200);
    return res.body;
  };
  return { legacy: await read(legacy.body.id), modern: await read(modern.body.id) };
}

it('a legacy TRENDS insight (dau by browser) computes what its query does', async () => {
  const { legacy, modern } = await bothResults(
    { insight: 'TRENDS', events: [{ id: '$pageview', type: 'events', order: 0, math: 'dau' }], date_from: '2024-01-01', date_to: '2024-01-04', interval: 'day', breakdown: '$browser', breakdown_type: 'event', display: 'ActionsLineGraph' },
    viz({ kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview', math: 'dau' }], dateRange: { date_from: '2024-01-01', date_to: '2024-01-04' }, interval: 'day', breakdownFilter: { breakdown: '$browser', breakdown_type: 'event' }, trendsFilter: { display: 'ActionsLineGraph' } }),
  );
  expect(legacy.result).toEqual(modern.result);
  const byBrowser = Object.fromEntries(legacy.result.map((r: { breakdown_value: string; data: number[] }) => [r.breakdown_value, r.data]));
  expect(byBrowser).toEqual({ Chrome: [1, 1, 1, 1], Firefox: [1, 0, 1, 0] });
  // Shown as PostHog shows a legacy insight: the converted query, empty filters.
  expect(legacy).toMatchObject({ filters: {}, query: { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', breakdownFilter: { breakdown: '$browser' } } } });
});

it('a legacy FUNNELS insight computes what its query does', async () => {
  const { legacy, modern } = await bothResults(
    { insight: 'FUNNELS', events: [{ id: '$pageview', order: 0 }, { id: 'signed_up', order: 1 }], date_from: '2024-01-01', date_to: '2024-01-07', funnel_window_interval: 1, funnel_window_interval_unit: 'day', funnel_viz_type: 'steps' },
    viz({ kind: 'FunnelsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }, { kind: 'EventsNode', event: 'signed_up' }], dateRange: { date_from: '2024-01-01', date_to: '2024-01-07' }, funnelsFilter: { funnelWindowInterval: 1, funnelWindowIntervalUnit: 'day', funnelVizType: 'steps' } }),
  );
  expect(legacy.result).toEqual(modern.result);
  expect(legacy.result.map((s: { count: number }) => s.count)).toEqual([3, 1]);
});

it('a legacy RETENTION insight computes what its query does', async () => {
  const entity = { id: '$pageview', type: 'events', name: '$pageview' };
  const { legacy, modern } = await bothResults(
    { insight: 'RETENTION', target_entity: entity, returning_entity: entity, period: 'Day', total_intervals: 4, retention_type: 'retention_first_time', date_to: '2024-01-04' },
    viz({ kind: 'RetentionQuery', dateRange: { date_to: '2024-01-04' }, retentionFilter: { targetEntity: entity, returningEntity: entity, period: 'Day', totalIntervals: 4, retentionType: 'retention_first_time' } }),
  );
  expect(legacy.result).toEqual(modern.result);
  const counts = legacy.result.map((row: { values: { count: number }[] }) => row.values.map((v) => v.count));
  // Cohort of the 1st: persons 1 and 2 (back on day 1: person 1; day 2: person 2; day 3: person 1). The 3rd: person 3.
  expect(counts).toEqual([[2, 1, 1, 1], [0, 0, 0], [1, 0], [0]]);
});

it('legacy LIFECYCLE, STICKINESS and PATHS insights compute what their queries do', async () => {
  const dateRange = { date_from: '2024-01-01', date_to: '2024-01-04' };
  const cases = [
    [
      { insight: 'LIFECYCLE', events: [{ id: '$pageview', math: 'total' }], ...dateRange, interval: 'day', shown_as: 'Lifecycle' },
      viz({ kind: 'LifecycleQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], dateRange, interval: 'day' }),
    ],
    [
      { insight: 'STICKINESS', events: [{ id: '$pageview', math: 'sum', math_property: 'x' }], ...dateRange, interval: 'day', compare: false },
      viz({ kind: 'StickinessQuery', series: [{ kind: 'EventsNode', event: '$pageview', math: 'dau' }], dateRange, interval: 'day', compareFilter: { compare: false } }),
    ],
    [
      { insight: 'PATHS', include_event_types: ['$pageview', 'custom_event'], ...dateRange, step_limit: 3 },
      viz({ kind: 'PathsQuery', dateRange, pathsFilter: { includeEventTypes: ['$pageview', 'custom_event'], stepLimit: 3 } }),
    ],
  ] as const;
  for (const [filters, query] of cases) {
    const { legacy, modern } = await bothResults(filters, query);
    expect({ insight: filters.insight, result: legacy.result }).toEqual({ insight: filters.insight, result: modern.result });
    expect({ insight: filters.insight, computed: Array.isArray(legacy.result) && legacy.result.length > 0 }).toEqual({ insight: filters.insight, computed: true });
  }
});

it("a legacy insight's dashboard tile computes too, with the dashboard's filters", async () => {
  const filters = { insight: 'TRENDS', events: [{ id: '$pageview', math: 'total' }], date_from: '2024-01-01', date_to: '2024-01-04', interval: 'day' };
  const dashboard = await send('POST', '/api/projects/@current/dashboards/', { name: 'Legacy board', filters: { properties: [{ key: '$browser', value: 'Firefox', operator: 'exact', type: 'event' }] } });
  const insight = await send('POST', INSIGHTS, { name: 'Views', filters, dashboards: [dashboard.body.id] });
  expect(insight.status).toBe(201);
  const board = await h.call(`/api/projects/@current/dashboards/${dashboard.body.id}/?refresh=blocking`);
  expect(board.status).toBe(200);
  expect(board.body.tiles[0].insight.result[0].data).toEqual([1, 0, 1, 0]);
  const alone = await h.call(`${INSIGHTS}${insight.body.id}/?refresh=blocking`);
  expect(alone.body.result[0].data).toEqual([2, 1, 2, 1]);
});

it('refuses bad legacy filters with a 400 naming the field, and keeps storing filters as given', async () => {
  for (const [filters, attr] of [
    [{ insight: 'HEATMAP' }, 'filters.insight'],
    [{ insight: 'TRENDS', events: [{ id: '$pageview', math_group_type_index: 'x' }] }, 'filters.events[0].math_group_type_index'],
    [{ insight: 'RETENTION', period: 'Fortnight' }, 'filters.period'],
  ] as const) {
    const res = await send('POST', INSIGHTS, { name: 'Bad', filters });
    expect(res.status).toBe(400);
    expect(res.body.attr).toBe(attr);
  }
  const created = await send('POST', INSIGHTS, { name: 'Kept', filters: { insight: 'LIFECYCLE', events: [{ id: '$pageview' }], shown_as: 'Lifecycle' } });
  const bad = await send('PATCH', `${INSIGHTS}${created.body.id}/`, { filters: { insight: 'LIFECYCLE', toggledLifecycles: ['zombie'] } });
  expect(bad.body.attr).toBe('filters.toggledLifecycles[0]');
  const { rows } = await h.platform.db.query<{ filters: string }>('SELECT filters::text AS filters FROM posthog_dashboarditem WHERE id = $1', [created.body.id]);
  expect(JSON.parse(rows[0].filters)).toEqual({ insight: 'LIFECYCLE', events: [{ id: '$pageview' }], shown_as: 'Lifecycle' });
  // A query makes filters irrelevant (PostHog computes the query): no 400 for them then.
  const withQuery = await send('POST', INSIGHTS, { name: 'Both', filters: { insight: 'HEATMAP' }, query: viz({ kind: 'LifecycleQuery', series: [{ kind: 'EventsNode', event: 'a' }] }) });
  expect(withQuery.status).toBe(201);
});
