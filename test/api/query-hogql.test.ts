/** POST /api/projects/:id/query/ end to end with the real runners (lib/query/runners.ts) on chDB. */
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;

const hogql = (query: string, init: { key?: string; project?: string | number; refresh?: unknown } = {}) =>
  h.call(`/api/projects/${init.project ?? '@current'}/query/`, {
    method: 'POST',
    body: JSON.stringify({ query: { kind: 'HogQLQuery', query }, ...(init.refresh !== undefined ? { refresh: init.refresh } : {}) }),
    key: init.key,
  });

async function capture(token: string, events: { event: string; distinct_id: string; properties?: Record<string, unknown> }[]) {
  const res = await fetch(`${h.platform.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: token, batch: events }) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  h = await startQueryHarness({ runners: QUERY_RUNNERS, limits: { maxExecutionTimeSeconds: 1, maxMemoryUsageBytes: 500_000_000, maxResultRows: 100_000 }, guardGraceMs: 2_000 });
  await capture(h.platform.team.apiToken, [
    { event: '$pageview', distinct_id: 'u1', properties: { $browser: 'Chrome' } },
    { event: '$pageview', distinct_id: 'u2', properties: { $browser: 'Firefox' } },
    { event: 'signed_up', distinct_id: 'u1' },
  ]);
  await h.platform.flush();
}, 90_000);

afterAll(async () => {
  await h.stop();
});

it('wires the HogQL, events and insight runners', () => {
  expect(Object.keys(QUERY_RUNNERS)).toEqual(expect.arrayContaining(['HogQLQuery', 'EventsQuery', 'TrendsQuery', 'FunnelsQuery', 'RetentionQuery']));
});

it("answers a HogQLQuery in PostHog's shape, from the caller's project only, then from the cache", async () => {
  const res = await hogql('select event, count() from events group by event order by 2 desc, 1');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    results: [['$pageview', 2], ['signed_up', 1]],
    columns: ['event', 'count()'],
    hasMore: false,
    is_cached: false,
    query_status: null,
    timezone: 'UTC',
  });
  expect(res.body.types).toEqual([['event', 'String'], ['count()', 'UInt64']]);
  expect(typeof res.body.clickhouse).toBe('string');
  const again = await hogql('select event, count() from events group by event order by 2 desc, 1');
  expect(again.body).toMatchObject({ is_cached: true, results: res.body.results });
  const elsewhere = await hogql('select count() from events', { key: h.otherTeamKey, project: h.otherTeamId });
  expect(elsewhere.body.results).toEqual([[0]]);
  const props = await hogql("select properties.$browser from events where event = '$pageview' order by 1");
  expect(props.body.results).toEqual([['Chrome'], ['Firefox']]);
});

it('a HogQL query that runs away is stopped by the limits and the server keeps answering', async () => {
  const started = Date.now();
  const res = await hogql('select count() from numbers(10000000) a cross join numbers(10000000) b', { refresh: 'force_blocking' });
  expect(res.status).toBe(504);
  expect(res.body.code).toBe('query_timeout');
  expect(Date.now() - started).toBeLessThan(8_000);
  expect((await hogql('select 1', { refresh: 'force_blocking' })).body.results).toEqual([[1]]);
});

it('a HogQL error is a 400 validation_error', async () => {
  const res = await hogql('select from where');
  expect(res.status).toBe(400);
  expect(res.body.type).toBe('validation_error');
});

it('a saved TrendsQuery insight computes its result with ?refresh= through the real runner', async () => {
  const query = { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview', math: 'total' }], interval: 'day', dateRange: { date_from: '-7d' } } };
  const created = await h.call('/api/projects/@current/insights/', { method: 'POST', body: JSON.stringify({ name: 'Pageviews', query, saved: true }) });
  expect(created.status).toBe(201);
  const refreshed = await h.call(`/api/projects/@current/insights/${created.body.id}/?refresh=blocking`);
  expect(refreshed.status).toBe(200);
  expect(refreshed.body.result).toHaveLength(1);
  expect(refreshed.body.result[0]).toMatchObject({ count: 2, label: '$pageview' });
  expect(refreshed.body.is_cached).toBe(false);
  const viaQuery = await h.call('/api/projects/@current/query/', { method: 'POST', body: JSON.stringify({ query }) });
  expect(viaQuery.body).toMatchObject({ is_cached: true, results: refreshed.body.result });
});

it("filterTestAccounts applies the project's own test-account filters, and changing them misses the cached results", async () => {
  const patch = (body: unknown) => h.call('/api/projects/@current/', { method: 'PATCH', body: JSON.stringify(body) });
  const trends = () =>
    h.call('/api/projects/@current/query/', {
      method: 'POST',
      body: JSON.stringify({ query: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], trendsFilter: { display: 'BoldNumber' }, filterTestAccounts: true } }),
    });
  const filtered = () =>
    h.call('/api/projects/@current/query/', {
      method: 'POST',
      body: JSON.stringify({ query: { kind: 'HogQLQuery', query: "select count() from events where event = '$pageview'", filters: { filterTestAccounts: true } } }),
    });
  // The default filter (localhost) drops neither pageview; then the project calls Firefox users internal.
  expect((await trends()).body.results[0].aggregated_value).toBe(2);
  expect((await filtered()).body.results).toEqual([[2]]);
  expect((await patch({ test_account_filters: [{ key: '$browser', type: 'event', operator: 'is_not', value: 'Firefox' }] })).status).toBe(200);
  expect((await trends()).body).toMatchObject({ is_cached: false, results: [{ aggregated_value: 1 }] });
  expect((await filtered()).body.results).toEqual([[1]]);
  await patch({ test_account_filters: [] });
  expect((await trends()).body.results[0].aggregated_value).toBe(2);
});
