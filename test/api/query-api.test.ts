/** POST/GET/DELETE /api/projects/:id/query/ over HTTP, with test-only runners on the local platform's chDB. */
import { insertCohort } from '../../lib/flags/cohort-repository';
import { assignGroupType } from '../../lib/persons/group-repository';
import { querySettings, type QueryRunner } from '../../lib/query/types';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Echoes what the context holds for the caller's team. */
const contextRunner: QueryRunner = async (query, ctx) => {
  const action = typeof query.actionId === 'number' ? await ctx.loadAction(query.actionId) : undefined;
  const cohort = typeof query.cohortId === 'number' ? await ctx.loadCohort(query.cohortId) : undefined;
  return {
    results: [[ctx.teamId, ctx.timezone, Object.fromEntries(ctx.groupTypes), action?.name ?? null, action?.steps ?? null, cohort?.name ?? null]],
    columns: ['team', 'timezone', 'groups', 'action', 'steps', 'cohort'],
  };
};
const countRunner: QueryRunner = async (_query, ctx) => {
  const rows = await ctx.store.query<{ c: string }>('SELECT count() AS c FROM events WHERE team_id = {team:Int64}', { params: { team: ctx.teamId } });
  return { results: [[Number(rows[0].c)]], columns: ['count()'], types: [['count()', 'UInt64']] };
};
const heavyRunner: QueryRunner = async (_query, ctx) => ({
  results: await ctx.store.query('SELECT count() AS c FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3', { settings: querySettings(ctx) }),
});
const sleepyRunner: QueryRunner = (_query, ctx) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ results: [['done']] }), 30_000);
    ctx.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

const post = (body: unknown, init: { key?: string | null; root?: string; project?: string | number } = {}) =>
  h.call(`/api/${init.root ?? 'projects'}/${init.project ?? '@current'}/query/`, { method: 'POST', body: JSON.stringify(body), key: init.key });

beforeAll(async () => {
  h = await startQueryHarness({
    runners: { ContextQuery: contextRunner, CountQuery: countRunner, HeavyQuery: heavyRunner, SleepyQuery: sleepyRunner },
    limits: { maxExecutionTimeSeconds: 1, maxMemoryUsageBytes: 100_000_000, maxResultRows: 10_000 },
    guardGraceMs: 2_000,
  });
}, 90_000);

afterAll(async () => {
  await h.stop();
});

describe('authentication and project scoping', () => {
  it('refuses a missing key, a project token and an unknown key with 401 on every query route', async () => {
    for (const key of [null, h.platform.team.apiToken, 'phx_nope']) {
      expect((await post({ query: { kind: 'ContextQuery' } }, { key })).status).toBe(401);
      expect((await h.call('/api/projects/@current/query/some-id/', { key })).status).toBe(401);
      expect((await h.call('/api/projects/@current/query/some-id/', { method: 'DELETE', key })).status).toBe(401);
    }
  });

  it("refuses a key scoped to another project (403) and hides another organisation's project (404)", async () => {
    expect((await post({ query: { kind: 'ContextQuery' } }, { key: h.otherTeamKey, project: h.teamId })).status).toBe(403);
    expect((await post({ query: { kind: 'ContextQuery' } }, { project: h.otherOrgTeamId })).status).toBe(404);
    const own = await post({ query: { kind: 'ContextQuery' } }, { key: h.otherTeamKey, project: h.otherTeamId });
    expect(own.status).toBe(200);
    expect(own.body.results[0][0]).toBe(h.otherTeamId);
  });

  it('needs the query:read scope', async () => {
    const res = await h.call('/api/personal_api_keys/', { method: 'POST', body: JSON.stringify({ label: 'flags only', scopes: ['feature_flag:read'] }) });
    const denied = await post({ query: { kind: 'ContextQuery' } }, { key: res.body.value });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/query:read/);
  });
});

describe('every query and CRUD route', () => {
  const routes: [string, string][] = [
    ['POST', 'query/'],
    ['GET', 'query/any-id/'],
    ['GET', 'insights/'],
    ['POST', 'insights/'],
    ['GET', 'insights/1/'],
    ['PATCH', 'insights/1/'],
    ['DELETE', 'insights/1/'],
    ['GET', 'dashboards/'],
    ['POST', 'dashboards/'],
    ['PATCH', 'dashboards/1/'],
    ['GET', 'actions/'],
    ['POST', 'actions/'],
    ['GET', 'annotations/'],
    ['POST', 'annotations/'],
    ['GET', 'event_definitions/'],
    ['GET', 'property_definitions/'],
  ];

  it('refuses a missing key and a project token (401) and a key for another project (403), on projects and environments', async () => {
    for (const [method, route] of routes) {
      for (const root of ['projects', 'environments']) {
        const path = `/api/${root}/${h.teamId}/${route}`;
        const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ query: { kind: 'ContextQuery' } });
        expect([method, path, (await h.call(path, { method, body, key: null })).status]).toEqual([method, path, 401]);
        expect([method, path, (await h.call(path, { method, body, key: h.platform.team.apiToken })).status]).toEqual([method, path, 401]);
        expect([method, path, (await h.call(path, { method, body, key: h.otherTeamKey })).status]).toEqual([method, path, 403]);
      }
    }
  });

  it('honours read and write scopes', async () => {
    const readOnly = (await h.call('/api/personal_api_keys/', { method: 'POST', body: JSON.stringify({ label: 'readers', scopes: ['insight:read', 'dashboard:read', 'action:read'] }) })).body.value;
    expect((await h.call('/api/projects/@current/insights/', { key: readOnly })).status).toBe(200);
    expect((await h.call('/api/projects/@current/insights/', { method: 'POST', body: '{}', key: readOnly })).status).toBe(403);
    expect((await h.call('/api/projects/@current/dashboards/', { method: 'POST', body: '{}', key: readOnly })).status).toBe(403);
    expect((await h.call('/api/projects/@current/actions/', { method: 'POST', body: '{"name":"x"}', key: readOnly })).status).toBe(403);
    expect((await h.call('/api/projects/@current/annotations/', { key: readOnly })).status).toBe(403);
  });
});

describe('POST /query/', () => {
  it("runs with the caller's team context: time zone, group types, actions and cohorts", async () => {
    await h.platform.db.query("UPDATE posthog_team SET timezone = 'Europe/Paris' WHERE id = $1", [h.teamId]);
    await assignGroupType(h.platform.db, h.teamId, 'company');
    const action = await h.call('/api/projects/@current/actions/', { method: 'POST', body: JSON.stringify({ name: 'Signed up', steps: [{ event: 'signed_up' }] }) });
    const cohort = await insertCohort(h.platform.db, h.teamId, { name: 'Pros', description: '', filters: null, is_static: true, deleted: false }, null);
    const res = await post({ query: { kind: 'ContextQuery', actionId: action.body.id, cohortId: cohort.id } });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([[h.teamId, 'Europe/Paris', { 0: 'company' }, 'Signed up', [expect.objectContaining({ event: 'signed_up' })], 'Pros']]);
    expect(res.body).toMatchObject({ is_cached: false, timezone: 'Europe/Paris', query_status: null });
    // Another team's action and cohort are not visible.
    const other = await post({ query: { kind: 'ContextQuery', actionId: action.body.id, cohortId: cohort.id } }, { key: h.otherTeamKey, project: h.otherTeamId });
    expect(other.body.results[0].slice(3)).toEqual([null, null, null]);
    await h.platform.db.query("UPDATE posthog_team SET timezone = 'UTC' WHERE id = $1", [h.teamId]);
  });

  it('answers from the cache until refreshed, on /api/environments too', async () => {
    const capture = await fetch(`${h.platform.url}/batch/`, {
      method: 'POST',
      body: JSON.stringify({ api_key: h.platform.team.apiToken, batch: [{ event: 'one', distinct_id: 'a' }, { event: 'two', distinct_id: 'b' }] }),
    });
    expect(capture.status).toBe(200);
    await h.platform.flush();
    const first = await post({ query: { kind: 'CountQuery' } });
    expect(first.body).toMatchObject({ results: [[2]], is_cached: false });
    const second = await post({ query: { kind: 'CountQuery' } }, { root: 'environments', project: h.teamId });
    expect(second.body).toMatchObject({ results: [[2]], is_cached: true, cache_key: first.body.cache_key });
    const forced = await post({ query: { kind: 'CountQuery' }, refresh: 'force_blocking' });
    expect(forced.body.is_cached).toBe(false);
    const cacheOnly = await post({ query: { kind: 'CountQuery', other: 1 }, refresh: 'force_cache' });
    expect(cacheOnly).toMatchObject({ status: 200, body: { results: null, is_cached: false } });
    // The other project's count does not see these events, and is cached apart.
    const otherCount = await post({ query: { kind: 'CountQuery' } }, { key: h.otherTeamKey, project: h.otherTeamId });
    expect(otherCount.body).toMatchObject({ results: [[0]], is_cached: false });
  });

  it('refuses bad bodies with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'query'],
      [{ query: 'select 1' }, 'query'],
      [{ query: {} }, 'query.kind'],
      [{ query: { kind: 'NoSuchKind' } }, 'query.kind'],
      [{ query: { kind: 'ContextQuery' }, refresh: 'sometimes' }, 'refresh'],
      [{ query: { kind: 'ContextQuery' }, async: 'yes' }, 'async'],
      [{ query: { kind: 'ContextQuery' }, client_query_id: 'has spaces' }, 'client_query_id'],
      [{ query: { kind: 'InsightVizNode' } }, 'query.source'],
    ];
    for (const [body, attr] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: 'validation_error', attr });
    }
    const unknown = await post({ query: { kind: 'NoSuchKind' } });
    expect(unknown.body.detail).toContain('query.kind');
    expect((await h.call('/api/projects/@current/query/', { method: 'POST', body: '{nope' })).status).toBe(400);
  });
});

describe('async queries, status and cancel', () => {
  it('runs async (202), reports 202 then 200 with the results', async () => {
    const started = await post({ query: { kind: 'ContextQuery', n: 'async' }, async: true, client_query_id: 'api-async-1' });
    expect(started.status).toBe(202);
    expect(started.body.query_status).toMatchObject({ id: 'api-async-1', complete: false });
    let status = await h.call('/api/projects/@current/query/api-async-1/');
    for (let i = 0; i < 50 && status.status === 202; i++) {
      await wait(50);
      status = await h.call('/api/projects/@current/query/api-async-1/');
    }
    expect(status.status).toBe(200);
    expect(status.body.query_status).toMatchObject({ complete: true, error: false, results: { results: [[h.teamId, 'UTC', { 0: 'company' }, null, null, null]] } });
    // Not visible to another project.
    expect((await h.call(`/api/projects/${h.otherTeamId}/query/api-async-1/`, { key: h.otherTeamKey })).status).toBe(404);
  });

  it('DELETE cancels a running query; unknown ids are 404', async () => {
    const started = await post({ query: { kind: 'SleepyQuery' }, refresh: 'force_async', client_query_id: 'api-cancel-1' });
    expect(started.status).toBe(202);
    expect((await h.call('/api/projects/@current/query/api-cancel-1/')).status).toBe(202);
    expect((await h.call(`/api/projects/${h.otherTeamId}/query/api-cancel-1/`, { method: 'DELETE', key: h.otherTeamKey })).status).toBe(404);
    expect((await h.call('/api/projects/@current/query/api-cancel-1/', { method: 'DELETE' })).status).toBe(204);
    const after = await h.call('/api/projects/@current/query/api-cancel-1/');
    expect(after.status).toBe(400);
    expect(after.body.query_status).toMatchObject({ complete: true, error: true });
    expect((await h.call('/api/projects/@current/query/never-seen/', { method: 'DELETE' })).status).toBe(404);
    expect((await h.call('/api/projects/@current/query/never-seen/')).status).toBe(404);
  });

  it('cancels a blocking query from a second request', async () => {
    const blocking = post({ query: { kind: 'SleepyQuery' }, client_query_id: 'api-cancel-2' });
    await wait(100);
    expect((await h.call('/api/projects/@current/query/api-cancel-2/', { method: 'DELETE' })).status).toBe(204);
    expect(await blocking).toMatchObject({ status: 400, body: { code: 'query_cancelled' } });
  });
});

describe('runaway queries', () => {
  it('a query past max_execution_time is a 504 query_timeout, and the server answers meanwhile', async () => {
    const started = Date.now();
    const heavy = post({ query: { kind: 'HeavyQuery' } });
    await wait(100);
    const quick = Date.now();
    const ping = await post({ query: { kind: 'ContextQuery', ping: true } });
    expect(ping.status).toBe(200);
    expect(Date.now() - quick).toBeLessThan(500);
    const res = await heavy;
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ code: 'query_timeout', type: 'validation_error' });
    expect(Date.now() - started).toBeLessThan(6_000);
    // Ingestion still lands afterwards (no session setting was left behind).
    await fetch(`${h.platform.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: h.platform.team.apiToken, batch: [{ event: 'three', distinct_id: 'c' }] }) });
    await h.platform.flush();
    expect((await post({ query: { kind: 'CountQuery' }, refresh: true })).body.results).toEqual([[3]]);
  });
});
