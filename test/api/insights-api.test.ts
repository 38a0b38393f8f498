/** /api/projects/:id/insights/ and /dashboards/: CRUD, tiles, results through the query service, scoping, bad input. */
import type { QueryRunner } from '../../lib/query/types';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;
let runs = 0;

/** Echoes the query's dateRange and properties (to see dashboard filters), counting its runs. */
const echoRunner: QueryRunner = async (query) => {
  runs += 1;
  return { results: [{ label: String(query.label ?? ''), dateRange: query.dateRange ?? null, properties: query.properties ?? null }], columns: ['x'] };
};

const INSIGHTS = '/api/projects/@current/insights/';
const DASHBOARDS = '/api/projects/@current/dashboards/';
const send = (method: string, path: string, body: unknown, key?: string) => h.call(path, { method, body: JSON.stringify(body), key });
const trends = (label: string) => ({ kind: 'InsightVizNode', source: { kind: 'EchoQuery', label, interval: 'day' } });

beforeAll(async () => {
  h = await startQueryHarness({ runners: { EchoQuery: echoRunner } });
}, 90_000);

afterAll(async () => {
  await h.stop();
});

describe('saved insights', () => {
  it("creates, retrieves, lists and updates an insight in PostHog's shape", async () => {
    const created = await send('POST', INSIGHTS, { name: 'Pageviews', description: 'All of them', query: trends('a'), saved: true, tags: ['Web', 'web', ' growth '] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Pageviews',
      description: 'All of them',
      query: trends('a'),
      filters: {},
      saved: true,
      favorited: false,
      deleted: false,
      tags: ['web', 'growth'],
      dashboards: [],
      result: null,
      last_refresh: null,
      is_cached: false,
      created_by: { email: 'admin@hedgerow.local' },
    });
    expect(created.body.short_id).toMatch(/^[A-Za-z0-9]{8}$/);
    const id = created.body.id;

    const got = await h.call(`${INSIGHTS}${id}/`);
    expect(got.body).toMatchObject({ id, short_id: created.body.short_id, result: null });
    const listed = await h.call(`${INSIGHTS}?short_id=${created.body.short_id}`);
    expect(listed.body).toMatchObject({ count: 1, next: null, previous: null, results: [{ id }] });

    const patched = await send('PATCH', `${INSIGHTS}${id}/`, { favorited: true, name: 'Renamed' });
    expect(patched.body).toMatchObject({ id, name: 'Renamed', favorited: true, description: 'All of them', query: trends('a') });
    expect((await h.call(`${INSIGHTS}?favorited=true`)).body.results.map((i: { id: number }) => i.id)).toEqual([id]);
  });

  it('computes the result with ?refresh=, then serves it from the cache', async () => {
    const created = await send('POST', INSIGHTS, { name: 'Refreshing', query: trends('r') });
    runs = 0;
    const cold = await h.call(`${INSIGHTS}${created.body.id}/`);
    expect(cold.body.result).toBeNull();
    expect(runs).toBe(0);
    const refreshed = await h.call(`${INSIGHTS}${created.body.id}/?refresh=blocking`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ result: [{ label: 'r' }], is_cached: false, columns: ['x'], timezone: 'UTC' });
    expect(typeof refreshed.body.last_refresh).toBe('string');
    const cached = await h.call(`${INSIGHTS}${created.body.id}/`);
    expect(cached.body).toMatchObject({ result: [{ label: 'r' }], is_cached: true, last_refresh: refreshed.body.last_refresh });
    expect((await h.call(`${INSIGHTS}?short_id=${created.body.short_id}`)).body.results[0].result).toEqual([{ label: 'r', dateRange: null, properties: null }]);
    expect((await h.call(`${INSIGHTS}?short_id=${created.body.short_id}&basic=true`)).body.results[0].result).toBeNull();
    await h.call(`${INSIGHTS}${created.body.id}/?refresh=true`);
    expect(runs).toBe(2);
    expect((await h.call(`${INSIGHTS}${created.body.id}/?refresh=never`)).body.attr).toBe('refresh');
  });

  it('soft deletes (DELETE or PATCH deleted) and restores', async () => {
    const created = await send('POST', INSIGHTS, { name: 'Doomed', query: trends('d') });
    expect((await h.call(`${INSIGHTS}${created.body.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`${INSIGHTS}${created.body.id}/`)).status).toBe(404);
    expect((await h.call(`${INSIGHTS}?search=Doomed`)).body.count).toBe(0);
    expect((await send('PATCH', `${INSIGHTS}${created.body.id}/`, { deleted: false })).body.deleted).toBe(false);
    expect((await h.call(`${INSIGHTS}?search=Doomed`)).body.count).toBe(1);
  });

  it('paginates with limit and offset', async () => {
    for (const n of [1, 2, 3]) await send('POST', INSIGHTS, { name: `Page ${n}`, query: trends(`p${n}`) });
    const first = await h.call(`${INSIGHTS}?search=Page&limit=2`);
    expect(first.body).toMatchObject({ count: 3, previous: null });
    expect(first.body.results).toHaveLength(2);
    expect(first.body.next).toContain('offset=2');
    const second = await h.call(first.body.next);
    expect(second.body.results).toHaveLength(1);
    expect(second.body.previous).toContain('offset=0');
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ name: 5 }, 'name'],
      [{ query: 'trends' }, 'query'],
      [{ query: { source: {} } }, 'query.kind'],
      [{ filters: [] }, 'filters'],
      [{ saved: 'yes' }, 'saved'],
      [{ tags: 'web' }, 'tags'],
      [{ dashboards: [999_999] }, 'dashboards'],
      [{ dashboards: ['one'] }, 'dashboards'],
      [{ name: 'x'.repeat(401) }, 'name'],
    ];
    for (const [body, attr] of cases) {
      const res = await send('POST', INSIGHTS, body);
      expect(res.status).toBe(400);
      expect(res.body.attr).toBe(attr);
    }
    expect((await h.call(`${INSIGHTS}?limit=0`)).status).toBe(400);
    expect((await h.call(`${INSIGHTS}abc/`)).status).toBe(404);
  });

  it("keeps projects apart: another project's insight is 404, a key for another project 403, no key 401, a project token 401", async () => {
    const mine = await send('POST', INSIGHTS, { name: 'Mine', query: trends('m') });
    const theirs = await h.call(`/api/projects/${h.otherTeamId}/insights/${mine.body.id}/`);
    expect(theirs.status).toBe(404);
    expect((await send('PATCH', `/api/projects/${h.otherTeamId}/insights/${mine.body.id}/`, { name: 'stolen' })).status).toBe(404);
    expect((await h.call(`/api/projects/${h.teamId}/insights/`, { key: h.otherTeamKey })).status).toBe(403);
    expect((await h.call(`/api/projects/${h.otherOrgTeamId}/insights/`)).status).toBe(404);
    expect((await h.call(INSIGHTS, { key: null })).status).toBe(401);
    expect((await h.call(INSIGHTS, { key: h.platform.team.apiToken })).status).toBe(401);
    expect((await h.call(`/api/projects/${h.otherTeamId}/insights/`, { key: h.otherTeamKey })).body.count).toBe(0);
  });
});

describe('dashboards', () => {
  it('creates a dashboard, puts insights on it as tiles, adds text cards, lays them out', async () => {
    const created = await send('POST', DASHBOARDS, { name: 'Growth', description: 'Weekly', pinned: true, tags: ['Team'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Growth', description: 'Weekly', pinned: true, tags: ['team'], filters: {}, tiles: [], deleted: false, created_by: { email: 'admin@hedgerow.local' } });
    const dashboardId = created.body.id;

    const insight = await send('POST', INSIGHTS, { name: 'On a dashboard', query: trends('t'), dashboards: [dashboardId] });
    expect(insight.body.dashboards).toEqual([dashboardId]);
    expect(insight.body.dashboard_tiles).toEqual([expect.objectContaining({ dashboard_id: dashboardId })]);

    const withText = await send('PATCH', `${DASHBOARDS}${dashboardId}/`, { tiles: [{ text: { body: '# Notes' }, layouts: { sm: { x: 0, y: 0, w: 6, h: 2 } } }] });
    expect(withText.status).toBe(200);
    expect(withText.body.tiles).toHaveLength(2);
    const [insightTile, textTile] = withText.body.tiles;
    expect(insightTile).toMatchObject({ insight: { id: insight.body.id, name: 'On a dashboard' }, text: null });
    expect(textTile).toMatchObject({ insight: null, text: { body: '# Notes' }, layouts: { sm: { x: 0, y: 0, w: 6, h: 2 } } });

    const edited = await send('PATCH', `${DASHBOARDS}${dashboardId}/`, {
      tiles: [
        { id: insightTile.id, layouts: { sm: { x: 6, y: 0, w: 6, h: 5 } }, color: 'blue' },
        { id: textTile.id, text: { body: '# Better notes' } },
      ],
    });
    expect(edited.body.tiles).toEqual([
      expect.objectContaining({ id: insightTile.id, color: 'blue', layouts: { sm: { x: 6, y: 0, w: 6, h: 5 } } }),
      expect.objectContaining({ id: textTile.id, text: expect.objectContaining({ body: '# Better notes' }) }),
    ]);
    const removed = await send('PATCH', `${DASHBOARDS}${dashboardId}/`, { tiles: [{ id: textTile.id, deleted: true }] });
    expect(removed.body.tiles.map((t: { id: number }) => t.id)).toEqual([insightTile.id]);

    // Taking the insight off the dashboard removes its tile.
    await send('PATCH', `${INSIGHTS}${insight.body.id}/`, { dashboards: [] });
    expect((await h.call(`${DASHBOARDS}${dashboardId}/`)).body.tiles).toEqual([]);
    const list = await h.call(DASHBOARDS);
    expect(list.body.results[0]).toMatchObject({ id: dashboardId, name: 'Growth', pinned: true });
    expect(list.body.results[0].tiles).toBeUndefined();
  });

  it("computes tiles' results with ?refresh=, with the dashboard's filters applied", async () => {
    const dashboard = await send('POST', DASHBOARDS, { name: 'Filtered', filters: { date_from: '-30d', properties: [{ key: '$browser', value: ['Chrome'], operator: 'exact', type: 'event' }] } });
    await send('POST', INSIGHTS, { name: 'Tile', query: trends('f'), dashboards: [dashboard.body.id] });
    const cold = await h.call(`${DASHBOARDS}${dashboard.body.id}/`);
    expect(cold.body.tiles[0].insight.result).toBeNull();
    const warm = await h.call(`${DASHBOARDS}${dashboard.body.id}/?refresh=blocking`);
    expect(warm.body.tiles[0]).toMatchObject({
      is_cached: false,
      insight: { result: [{ label: 'f', dateRange: { date_from: '-30d', date_to: null }, properties: [{ key: '$browser', value: ['Chrome'] }] }] },
    });
    expect((await h.call(`${DASHBOARDS}${dashboard.body.id}/`)).body.tiles[0].insight.is_cached).toBe(true);
  });

  it('filters_override on a dashboard and from_dashboard/filters_override on an insight apply without being saved', async () => {
    const dashboard = await send('POST', DASHBOARDS, { name: 'Overridden', filters: { date_from: '-30d' } });
    const insight = await send('POST', INSIGHTS, { name: 'Tile', query: trends('o'), dashboards: [dashboard.body.id] });
    const override = encodeURIComponent(JSON.stringify({ date_from: '-7d', properties: [{ key: 'plan', value: 'pro', operator: 'exact', type: 'person' }] }));
    const viaDashboard = await h.call(`${DASHBOARDS}${dashboard.body.id}/?refresh=blocking&filters_override=${override}`);
    expect(viaDashboard.body).toMatchObject({ filters: { date_from: '-7d' }, persisted_filters: { date_from: '-30d' } });
    expect(viaDashboard.body.tiles[0].insight.result).toEqual([{ label: 'o', dateRange: { date_from: '-7d', date_to: null }, properties: [{ key: 'plan', value: 'pro', operator: 'exact', type: 'person' }] }]);
    expect((await h.call(`${DASHBOARDS}${dashboard.body.id}/`)).body.filters).toEqual({ date_from: '-30d' });

    const fromDashboard = await h.call(`${INSIGHTS}${insight.body.id}/?refresh=blocking&from_dashboard=${dashboard.body.id}`);
    expect(fromDashboard.body.result).toEqual([{ label: 'o', dateRange: { date_from: '-30d', date_to: null }, properties: null }]);
    const overridden = await h.call(`${INSIGHTS}${insight.body.id}/?refresh=blocking&from_dashboard=${dashboard.body.id}&filters_override=${encodeURIComponent('{"date_from":"-1d"}')}`);
    expect(overridden.body.result).toEqual([{ label: 'o', dateRange: { date_from: '-1d', date_to: null }, properties: null }]);
    const plain = await h.call(`${INSIGHTS}${insight.body.id}/?refresh=blocking`);
    expect(plain.body.result).toEqual([{ label: 'o', dateRange: null, properties: null }]);

    for (const [query, attr] of [['filters_override=nope', 'filters_override'], ['filters_override=%5B%5D', 'filters_override'], ['from_dashboard=999999', 'from_dashboard'], ['from_dashboard=x', 'from_dashboard']]) {
      const bad = await h.call(`${INSIGHTS}${insight.body.id}/?${query}`);
      expect(bad).toMatchObject({ status: 400, body: { attr } });
    }
    expect(await h.call(`${DASHBOARDS}${dashboard.body.id}/?filters_override=nope`)).toMatchObject({ status: 400, body: { attr: 'filters_override' } });
  });

  it('soft deletes, scopes by project and refuses bad input naming the field', async () => {
    const dashboard = await send('POST', DASHBOARDS, { name: 'Temporary' });
    expect((await h.call(`/api/projects/${h.otherTeamId}/dashboards/${dashboard.body.id}/`)).status).toBe(404);
    expect((await h.call(`/api/projects/${h.teamId}/dashboards/`, { key: h.otherTeamKey })).status).toBe(403);
    expect((await h.call(`${DASHBOARDS}${dashboard.body.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`${DASHBOARDS}${dashboard.body.id}/`)).status).toBe(404);
    expect((await h.call(`${DASHBOARDS}?search=Temporary`)).body.count).toBe(0);

    const live = await send('POST', DASHBOARDS, { name: 'Live' });
    const cases: [string, unknown, string][] = [
      ['POST', { name: 1 }, 'name'],
      ['POST', { pinned: 'yes' }, 'pinned'],
      ['POST', { filters: 'none' }, 'filters'],
      ['PATCH', { tiles: {} }, 'tiles'],
      ['PATCH', { tiles: [{}] }, 'tiles[0]'],
      ['PATCH', { tiles: [{ id: 999_999, color: 'red' }] }, 'tiles[0].id'],
      ['PATCH', { tiles: [{ text: { body: 7 } }] }, 'tiles[0].text.body'],
      ['PATCH', { tiles: [{ insight: 999_999 }] }, 'tiles[0].insight'],
      ['PATCH', { tiles: [{ text: { body: 'x' }, layouts: 'big' }] }, 'tiles[0].layouts'],
    ];
    for (const [method, body, attr] of cases) {
      const res = await send(method, method === 'POST' ? DASHBOARDS : `${DASHBOARDS}${live.body.id}/`, body);
      expect(res.status).toBe(400);
      expect(res.body.attr).toBe(attr);
    }
    // Putting an insight on a deleted dashboard is refused.
    expect((await send('POST', INSIGHTS, { name: 'x', dashboards: [dashboard.body.id] })).body.attr).toBe('dashboards');
  });
});
