/**
 * /api/projects/:id/insight_variables/ (CRUD, scoping, bad input) and `variables_override` on
 * insights and dashboards, through the real HogQL runner on chDB.
 */
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;

const VARIABLES = '/api/projects/@current/insight_variables/';
const INSIGHTS = '/api/projects/@current/insights/';
const DASHBOARDS = '/api/projects/@current/dashboards/';
const send = (method: string, path: string, body: unknown, key?: string) => h.call(path, { method, body: JSON.stringify(body), key });
const override = (value: unknown) => encodeURIComponent(JSON.stringify(value));

beforeAll(async () => {
  h = await startQueryHarness({ runners: QUERY_RUNNERS });
  const res = await fetch(`${h.platform.url}/batch/`, {
    method: 'POST',
    body: JSON.stringify({
      api_key: h.platform.team.apiToken,
      batch: [
        { event: '$pageview', distinct_id: 'u1' },
        { event: '$pageview', distinct_id: 'u2' },
        { event: '$pageview', distinct_id: 'u3' },
        { event: 'signed_up', distinct_id: 'u1' },
      ],
    }),
  });
  expect(res.status).toBe(200);
  await h.platform.flush();
}, 90_000);

afterAll(async () => {
  await h.stop();
});

describe('insight variables API', () => {
  it("creates, lists, retrieves, updates and deletes a variable in PostHog's shape", async () => {
    const created = await send('POST', VARIABLES, { name: 'Plan Tier!', type: 'List', default_value: 'pro', values: ['free', 'pro', 3] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Plan Tier!', code_name: 'plan_tier', type: 'List', default_value: 'pro', values: ['free', 'pro', '3'], created_by: expect.any(Number) });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = created.body.id;

    expect((await h.call(`${VARIABLES}${id}/`)).body).toEqual(created.body);
    const listed = await h.call(VARIABLES);
    expect(listed.body.results.map((v: { id: string }) => v.id)).toContain(id);
    expect(listed.body.count).toBe(listed.body.results.length);

    // Renaming keeps the code name, so queries naming it keep working.
    const patched = await send('PATCH', `${VARIABLES}${id}/`, { name: 'Tier', default_value: 'free' });
    expect(patched.body).toMatchObject({ id, name: 'Tier', code_name: 'plan_tier', default_value: 'free', values: ['free', 'pro', '3'] });
    // A new type drops a default that does not fit it.
    expect((await send('PATCH', `${VARIABLES}${id}/`, { type: 'Number' })).body).toMatchObject({ type: 'Number', default_value: null, values: null });

    expect((await h.call(`${VARIABLES}${id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`${VARIABLES}${id}/`)).status).toBe(404);
  });

  it('refuses bad input with a 400 naming the field, and a second variable with the same code name', async () => {
    const bad = async (body: unknown, attr: string) => {
      const res = await send('POST', VARIABLES, body);
      expect(res.status).toBe(400);
      expect(res.body.attr).toBe(attr);
    };
    await bad({ type: 'String' }, 'name');
    await bad({ name: 'x' }, 'type');
    await bad({ name: 'x', type: 'Text' }, 'type');
    await bad({ name: '!!!', type: 'String' }, 'name');
    await bad({ name: 'n', type: 'Number', default_value: 'ten' }, 'default_value');
    await bad({ name: 'b', type: 'Boolean', default_value: 'yes' }, 'default_value');
    await bad({ name: 'd', type: 'Date', default_value: 'soon' }, 'default_value');
    expect((await send('POST', VARIABLES, { name: 'Since', type: 'Date', default_value: '-7d' })).body).toMatchObject({ code_name: 'since', default_value: '-7d' });
    await bad({ name: 'l', type: 'List', values: 'a,b' }, 'values');
    await bad({ name: 'l', type: 'List', values: [{ a: 1 }] }, 'values[0]');

    expect((await send('POST', VARIABLES, { name: 'Country', type: 'String' })).status).toBe(201);
    const dup = await send('POST', VARIABLES, { name: 'country', type: 'String' });
    expect(dup).toMatchObject({ status: 400, body: { attr: 'name', code: 'unique' } });
    const created = (await send('POST', VARIABLES, { name: 'Other', type: 'String' })).body;
    expect((await send('PATCH', `${VARIABLES}${created.id}/`, { default_value: 42 })).body.attr).toBe('default_value');
  });

  it("keeps each project's variables to itself", async () => {
    const mine = (await send('POST', VARIABLES, { name: 'Mine only', type: 'String', default_value: 'x' })).body;
    const theirs = await send('POST', `/api/projects/${h.otherTeamId}/insight_variables/`, { name: 'Mine only', type: 'Number', default_value: 1 });
    expect(theirs.status).toBe(201);
    expect((await h.call(`/api/projects/${h.otherTeamId}/insight_variables/${mine.id}/`)).status).toBe(404);
    expect((await send('PATCH', `/api/projects/${h.otherTeamId}/insight_variables/${mine.id}/`, { name: 'Taken' })).status).toBe(404);
    expect((await h.call(`/api/projects/${h.otherTeamId}/insight_variables/${mine.id}/`, { method: 'DELETE' })).status).toBe(404);
    expect((await h.call(`${VARIABLES}${mine.id}/`)).body.name).toBe('Mine only');
    expect((await h.call(`${VARIABLES}not-a-uuid/`)).status).toBe(404);
    // A key scoped to the other project cannot read this one's; another organisation's project is refused.
    expect((await h.call(VARIABLES.replace('@current', String(h.teamId)), { key: h.otherTeamKey })).status).toBe(403);
    expect((await h.call(`/api/projects/${h.otherOrgTeamId}/insight_variables/`)).status).toBeGreaterThanOrEqual(403);
  });
});

describe('insight variables API keys', () => {
  it('needs a personal API key with the insight_variable scopes (read implied by write)', async () => {
    expect((await h.call(VARIABLES, { key: null })).status).toBe(401);
    expect((await h.call(VARIABLES, { key: h.platform.team.apiToken })).status).toBe(401);
    const keyWith = async (scopes: string[]) => (await send('POST', '/api/personal_api_keys/', { label: scopes.join(' '), scopes })).body.value as string;
    const reader = await keyWith(['insight_variable:read']);
    const writer = await keyWith(['insight_variable:write']);
    const other = await keyWith(['insight:write']);
    expect((await h.call(VARIABLES, { key: reader })).status).toBe(200);
    expect((await send('POST', VARIABLES, { name: 'Read only', type: 'String' }, reader)).status).toBe(403);
    expect((await h.call(VARIABLES, { key: other })).status).toBe(403);
    const created = await send('POST', VARIABLES, { name: 'Written', type: 'String' }, writer);
    expect(created.status).toBe(201);
    expect((await h.call(`${VARIABLES}${created.body.id}/`, { key: writer })).status).toBe(200);
  });
});

describe('variables in SQL insights', () => {
  let variable: { id: string; code_name: string };
  const sqlInsight = (value?: string) => ({
    kind: 'DataVisualizationNode',
    source: {
      kind: 'HogQLQuery',
      query: 'select count() from events where event = {variables.event_name}',
      variables: value === undefined ? {} : { [variable.id]: { variableId: variable.id, code_name: variable.code_name, value } },
    },
  });

  beforeAll(async () => {
    variable = (await send('POST', VARIABLES, { name: 'Event name', type: 'String', default_value: '$pageview' })).body;
  });

  it("runs a query with the variable's default, the query's value, and a value from POST /query", async () => {
    const run = (query: unknown) => send('POST', '/api/projects/@current/query/', { query });
    expect((await run(sqlInsight().source)).body.results).toEqual([[3]]);
    expect((await run(sqlInsight('signed_up').source)).body.results).toEqual([[1]]);
    const unknown = await run({ kind: 'HogQLQuery', query: 'select {variables.nothing_here}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('{variables.nothing_here}');
  });

  it('applies variables_override to one read of an insight, without saving it, each value its own cache entry', async () => {
    const insight = (await send('POST', INSIGHTS, { name: 'SQL', query: sqlInsight('signed_up') })).body;
    const read = (extra = '') => h.call(`${INSIGHTS}${insight.id}/?refresh=blocking${extra}`);
    expect((await read()).body.result).toEqual([[1]]);
    const overridden = await read(`&variables_override=${override({ [variable.id]: { code_name: variable.code_name, value: 'nothing' } })}`);
    expect(overridden.body).toMatchObject({ result: [[0]], is_cached: false });
    expect(overridden.body.query.source.variables[variable.id].value).toBe('signed_up');
    const again = await read();
    expect(again.body).toMatchObject({ result: [[1]], is_cached: true });
    expect((await h.call(`${INSIGHTS}${insight.id}/`)).body.query).toEqual(sqlInsight('signed_up'));

    const bad = await h.call(`${INSIGHTS}${insight.id}/?variables_override=${encodeURIComponent('{not json')}`);
    expect(bad).toMatchObject({ status: 400, body: { attr: 'variables_override' } });
    expect((await h.call(`${INSIGHTS}${insight.id}/?variables_override=${override({ [variable.id]: 'x' })}`)).body.attr).toBe('variables_override');
  });

  it("misses the cache when the default an insight falls back on changes", async () => {
    const own = (await send('POST', VARIABLES, { name: 'Cached event', type: 'String', default_value: '$pageview' })).body;
    const query = { kind: 'HogQLQuery', query: 'select count() from events where event = {variables.cached_event}' };
    const insight = (await send('POST', INSIGHTS, { name: 'Defaults', query })).body;
    expect((await h.call(`${INSIGHTS}${insight.id}/?refresh=blocking`)).body).toMatchObject({ result: [[3]], is_cached: false });
    expect((await h.call(`${INSIGHTS}${insight.id}/`)).body).toMatchObject({ result: [[3]], is_cached: true });
    await send('PATCH', `${VARIABLES}${own.id}/`, { default_value: 'signed_up' });
    expect((await h.call(`${INSIGHTS}${insight.id}/`)).body).toMatchObject({ result: null, is_cached: false });
    expect((await h.call(`${INSIGHTS}${insight.id}/?refresh=blocking`)).body).toMatchObject({ result: [[1]], is_cached: false });
  });

  it("applies a dashboard's variables to its tiles, and variables_override over them for one read", async () => {
    const insight = (await send('POST', INSIGHTS, { name: 'SQL tile', query: sqlInsight() })).body;
    const stored = { [variable.id]: { variableId: variable.id, code_name: variable.code_name, value: 'signed_up' } };
    const dashboard = (await send('POST', DASHBOARDS, { name: 'With variables', variables: stored })).body;
    await send('PATCH', `${DASHBOARDS}${dashboard.id}/`, { tiles: [{ insight: insight.id }] });
    const tileResult = (body: { tiles: { insight: { result: unknown } }[] }) => body.tiles[0].insight.result;

    const plain = await h.call(`${DASHBOARDS}${dashboard.id}/?refresh=blocking`);
    expect(tileResult(plain.body)).toEqual([[1]]);
    expect(plain.body.variables).toEqual(stored);

    const over = { [variable.id]: { value: 'nothing' } };
    const overridden = await h.call(`${DASHBOARDS}${dashboard.id}/?refresh=blocking&variables_override=${override(over)}`);
    expect(tileResult(overridden.body)).toEqual([[0]]);
    expect(overridden.body).toMatchObject({ variables: { [variable.id]: { code_name: variable.code_name, value: 'nothing' } }, persisted_variables: stored });
    expect((await h.call(`${DASHBOARDS}${dashboard.id}/`)).body.variables).toEqual(stored);
    // Read on its own, the insight uses the variable's default.
    expect((await h.call(`${INSIGHTS}${insight.id}/?refresh=blocking`)).body.result).toEqual([[3]]);
    expect((await h.call(`${DASHBOARDS}${dashboard.id}/?variables_override=[1]`)).body.attr).toBe('variables_override');
  });
});
