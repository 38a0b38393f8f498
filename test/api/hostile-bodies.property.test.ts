/**
 * Every write route of the /api, every list's query string, the session recordings API, /flags,
 * capture and replay capture, fed JSON that the handlers do not expect: wrong types at every known
 * field, and objects whose own keys shadow what every object inherits ("toString": "",
 * "valueOf": 1, "constructor": {}). The answer is a 2xx or a 4xx with a JSON error body — never a
 * 5xx — and ingestion goes on past whatever capture accepted.
 */
import fc from 'fast-check';
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;
const ids: Record<string, number> = {};

const root = () => `/api/projects/${h.teamId}`;

async function created(path: string, body: unknown): Promise<number> {
  const res = await h.call(`${root()}/${path}/`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 201 && res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as number;
}

beforeAll(async () => {
  h = await startQueryHarness({ runners: QUERY_RUNNERS });
  ids.flag = await created('feature_flags', { key: 'hostile-flag', filters: { groups: [{ properties: [], rollout_percentage: 50 }] } });
  ids.cohort = await created('cohorts', { name: 'dynamic', filters: { properties: { type: 'AND', values: [{ type: 'AND', values: [{ key: 'plan', value: 'pro', type: 'person' }] }] } } });
  ids.staticCohort = await created('cohorts', { name: 'static', is_static: true });
  ids.action = await created('actions', { name: 'signup', steps: [{ event: 'signed_up' }] });
  ids.insight = await created('insights', { name: 'trend', query: { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }] } } });
  ids.dashboard = await created('dashboards', { name: 'board' });
  ids.annotation = await created('annotations', { content: 'launch', date_marker: '2024-01-01T00:00:00Z' });
  ids.variable = await created('insight_variables', { name: 'Plan', type: 'String', default_value: 'pro' });
}, 120_000);

afterAll(() => h?.stop());

/** The field names the handlers read, in any resource. */
const FIELDS = [
  'name', 'key', 'filters', 'query', 'description', 'active', 'deleted', 'rollout_percentage', 'groups', 'properties', 'multivariate', 'variants', 'payloads',
  'tags', 'dashboards', 'dashboard', 'date_marker', 'content', 'scope', 'steps', 'event', 'url', 'url_matching', 'selector', 'href', 'code_name', 'type', 'default_value', 'values',
  'is_static', 'persons', 'person_id', 'distinct_ids', 'timezone', 'test_account_filters', 'kind', 'source', 'series', 'dateRange', 'date_from', 'interval', 'breakdownFilter',
  'refresh', 'async', 'client_query_id', 'variables', 'filters_override', 'variables_override', 'tiles', 'pinned', 'ensure_experience_continuity', 'version', 'label', 'scoped_teams',
  'insight', 'events', 'actions', 'operator', 'value', 'aggregation_group_type_index', 'holdout', 'super_groups', 'evaluation_runtime', 'insight_id', 'layouts', 'color', 'text',
  'session_recording_opt_in', 'session_recording_retention_period', 'app_urls', 'anonymize_ips', 'path_cleaning_filters', 'favorited', 'saved', 'post_to_slack', 'creation_context',
];

/** Objects whose own keys shadow Object.prototype (as the server's JSON.parse makes them), and the other values no field expects. */
const shadowing = fc.constantFrom<unknown>({ toString: '' }, { valueOf: 1 }, { constructor: {} }, { toJSON: 'x' }, { hasOwnProperty: 2 }, JSON.parse('{"__proto__": []}'));
const odd = fc.oneof(
  shadowing,
  fc.constantFrom<unknown>(null, true, 0, -1, 1e308, '', 'toString', '__proto__', 'constructor', [], {}, [null], [[]], ['toString'], { kind: { toString: '' } }),
  fc.string({ maxLength: 12 }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, odd, fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...FIELDS, 'toString', 'valueOf', 'constructor', '__proto__'), tie('any'), { maxKeys: 4 })),
})).any;

/** A property filter whose every field may be odd. */
const filter = fc.record(
  {
    key: fc.oneof(fc.constantFrom('plan', '$browser', 'id', 'email', 'text', 'selector'), odd),
    value: fc.oneof(fc.constantFrom<unknown>('pro', 1, ['a', 'b'], true), odd),
    operator: fc.oneof(fc.constantFrom('exact', 'is_not', 'icontains', 'regex', 'gt', 'is_date_before', 'in', 'is_set', 'between'), odd),
    type: fc.oneof(fc.constantFrom('person', 'event', 'cohort', 'element', 'group', 'hogql', 'session', 'event_metadata', 'flag', 'behavioral'), odd),
    group_type_index: odd,
    negation: odd,
  },
  { requiredKeys: ['key'] },
);
const filters = fc.array(filter, { minLength: 1, maxLength: 3 });
const seriesNode = fc.record(
  { kind: fc.oneof(fc.constantFrom('EventsNode', 'ActionsNode'), odd), event: fc.oneof(fc.constant('$pageview'), odd), id: odd, math: fc.oneof(fc.constantFrom('dau', 'sum', 'p90', 'avg_count_per_actor'), odd), math_property: odd, properties: fc.oneof(filters, odd) },
  { requiredKeys: ['kind'] },
);

/** A body: an object of known fields with odd values, sometimes nested the way the handlers nest them, sometimes not an object at all. */
const body = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { minKeys: 1, maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.record({ filters: fc.record({ groups: fc.array(fc.dictionary(fc.constantFrom('properties', 'rollout_percentage', 'variant'), value, { maxKeys: 3 }), { maxLength: 2 }), multivariate: value, payloads: value }, { requiredKeys: [] }) }) },
  { weight: 2, arbitrary: fc.record({ query: fc.dictionary(fc.constantFrom('kind', 'source', 'series', 'dateRange', 'interval', 'properties', 'breakdownFilter', 'query', 'filters'), value, { maxKeys: 4 }).map((q) => ({ kind: 'TrendsQuery', ...q })) }) },
  { weight: 2, arbitrary: fc.record({ query: fc.record({ kind: fc.constantFrom('TrendsQuery', 'FunnelsQuery', 'RetentionQuery', 'StickinessQuery', 'LifecycleQuery', 'PathsQuery', 'EventsQuery', 'HogQLQuery', 'ActorsQuery'), series: fc.array(seriesNode, { minLength: 1, maxLength: 3 }), properties: fc.oneof(filters, odd), dateRange: fc.oneof(fc.record({ date_from: odd, date_to: odd }, { requiredKeys: [] }), odd), interval: odd, breakdownFilter: fc.oneof(fc.record({ breakdown: odd, breakdown_type: odd }, { requiredKeys: [] }), odd), select: odd, where: odd, query: odd }, { requiredKeys: ['kind'] }) }) },
  { weight: 2, arbitrary: fc.record({ filters: fc.record({ groups: fc.array(fc.record({ properties: filters, rollout_percentage: odd, variant: odd }, { requiredKeys: ['properties'] }), { maxLength: 2 }), properties: fc.oneof(fc.record({ type: fc.constantFrom('AND', 'OR'), values: fc.array(fc.record({ type: fc.constantFrom('AND', 'OR'), values: filters })) }), odd) }, { requiredKeys: [] }) }) },
  { weight: 1, arbitrary: fc.record({ steps: fc.array(fc.record({ event: odd, properties: fc.oneof(filters, odd), selector: odd, url: odd, url_matching: odd, text: odd, href: odd, tag_name: odd }, { requiredKeys: [] }), { maxLength: 2 }) }) },
  { weight: 1, arbitrary: value },
);

const problems: string[] = [];
/** Statuses seen per route: a route that only ever answered 401 or 404 was not tested. */
const statuses = new Map<string, number[]>();

async function check(method: string, path: string, payload: unknown): Promise<void> {
  const text = JSON.stringify(payload) ?? 'null';
  const res = await fetch(`${h.url}${path}`, { method, headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : text });
  const answer = await res.text();
  const route = `${method} ${path.replace(/\?.*/, '')}`;
  statuses.set(route, [...(statuses.get(route) ?? []), res.status]);
  const json = (() => {
    try {
      return answer === '' ? null : JSON.parse(answer);
    } catch {
      return undefined;
    }
  })();
  if (res.status >= 500 || (res.status >= 400 && (json === undefined || json === null || typeof json.detail !== 'string'))) {
    problems.push(`${method} ${path} ${text.slice(0, 300)} → ${res.status} ${answer.slice(0, 200)}`);
  }
}

let made = 0;

/** Each write route with a body it accepts, which the fuzzing starts from. */
const WRITE_ROUTES: readonly (readonly [method: string, name: string, path: () => string, valid: () => Record<string, unknown>])[] = [
  ['POST', '/feature_flags/', () => `${root()}/feature_flags/`, () => ({ key: `fuzzed-${++made}`, filters: { groups: [{ properties: [], rollout_percentage: 50 }] } })],
  ['PATCH', '/feature_flags/:flag/', () => `${root()}/feature_flags/${ids.flag}/`, () => ({ filters: { groups: [{ properties: [{ key: 'plan', value: 'pro', type: 'person' }], rollout_percentage: 50 }] } })],
  ['POST', '/cohorts/', () => `${root()}/cohorts/`, () => ({ name: `fuzzed-${++made}`, filters: { properties: { type: 'AND', values: [{ type: 'AND', values: [{ key: 'plan', value: 'pro', type: 'person' }] }] } } })],
  ['PATCH', '/cohorts/:cohort/', () => `${root()}/cohorts/${ids.cohort}/`, () => ({ name: 'renamed' })],
  ['PATCH', '/cohorts/:staticCohort/add_persons_to_static_cohort/', () => `${root()}/cohorts/${ids.staticCohort}/add_persons_to_static_cohort/`, () => ({ person_ids: ['00000000-0000-0000-0000-000000000000'] })],
  ['PATCH', '/cohorts/:staticCohort/remove_person_from_static_cohort/', () => `${root()}/cohorts/${ids.staticCohort}/remove_person_from_static_cohort/`, () => ({ person_id: '00000000-0000-0000-0000-000000000000' })],
  ['POST', '/actions/', () => `${root()}/actions/`, () => ({ name: `fuzzed-${++made}`, steps: [{ event: '$autocapture', selector: 'button', url: '/x', url_matching: 'contains' }] })],
  ['PATCH', '/actions/:action/', () => `${root()}/actions/${ids.action}/`, () => ({ steps: [{ event: 'signed_up', properties: [{ key: 'plan', value: 'pro', type: 'event' }] }] })],
  ['POST', '/insights/', () => `${root()}/insights/`, () => ({ name: `fuzzed-${++made}`, query: { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }] } } })],
  ['PATCH', '/insights/:insight/', () => `${root()}/insights/${ids.insight}/`, () => ({ name: 'renamed' })],
  ['POST', '/dashboards/', () => `${root()}/dashboards/`, () => ({ name: `fuzzed-${++made}` })],
  ['PATCH', '/dashboards/:dashboard/', () => `${root()}/dashboards/${ids.dashboard}/`, () => ({ name: 'renamed' })],
  ['POST', '/annotations/', () => `${root()}/annotations/`, () => ({ content: `fuzzed-${++made}`, date_marker: '2024-01-01T00:00:00Z' })],
  ['PATCH', '/annotations/:annotation/', () => `${root()}/annotations/${ids.annotation}/`, () => ({ content: 'renamed' })],
  ['POST', '/insight_variables/', () => `${root()}/insight_variables/`, () => ({ name: `Fuzzed ${++made}`, type: 'String', default_value: 'x' })],
  ['PATCH', '/insight_variables/:variable/', () => `${root()}/insight_variables/${ids.variable}/`, () => ({ name: 'Renamed' })],
  ['POST', '/query/', () => `${root()}/query/`, () => ({ query: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }] } })],
  ['PATCH', '/', () => `${root()}/`, () => ({ name: 'renamed' })],
  ['POST', '/api/personal_api_keys/', () => '/api/personal_api_keys/', () => ({ label: `fuzzed-${++made}` })],
];

describe.each(WRITE_ROUTES)('%s %s', (method, _name, path, valid) => {
  it('answers any body with a 2xx or a JSON 4xx', async () => {
    problems.length = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, body.map((b) => (b && typeof b === 'object' && !Array.isArray(b) ? { ...valid(), ...b } : b))), async (payload) => check(method, path(), payload)),
      { numRuns: 60 },
    );
    expect(problems).toEqual([]);
    // The bodies reached the handler: not every answer was about the key or the path.
    expect((statuses.get(`${method} ${path()}`) ?? []).some((status) => ![401, 403, 404].includes(status))).toBe(true);
  });
});

it('list routes take any query string with a 2xx or a JSON 4xx', async () => {
  problems.length = 0;
  const params = fc.dictionary(
    fc.constantFrom('limit', 'offset', 'event', 'distinct_id', 'after', 'before', 'properties', 'search', 'type', 'date_from', 'date_to', 'key', 'id', 'kind', 'refresh', 'toString', '__proto__'),
    fc.oneof(fc.constantFrom('toString', '__proto__', 'constructor', '{"toString":""}', '[{"toString":""}]', '-1', '1e400', 'null', '[]', '{}', ''), fc.string({ maxLength: 8 })),
    { maxKeys: 4 },
  );
  const lists = ['events', 'persons', 'feature_flags', 'cohorts', 'actions', 'insights', 'dashboards', 'annotations', 'insight_variables', 'event_definitions', 'property_definitions'];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...lists), params, async (list, query) => check('GET', `${root()}/${list}/?${new URLSearchParams(query)}`, undefined)),
    { numRuns: 150 },
  );
  expect(problems).toEqual([]);
});

/** Posts `payload` to the platform's own server (capture, /flags) and records a 5xx or a non-JSON error. */
async function checkPublic(path: string, payload: unknown): Promise<void> {
  const text = JSON.stringify(payload) ?? 'null';
  const res = await fetch(`${h.platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const answer = await res.text();
  const route = `POST ${path.replace(/\?.*/, '')}`;
  statuses.set(route, [...(statuses.get(route) ?? []), res.status]);
  let json: unknown;
  try {
    json = JSON.parse(answer);
  } catch {
    json = undefined;
  }
  if (res.status >= 500 || json === undefined) problems.push(`POST ${path} ${text.slice(0, 300)} → ${res.status} ${answer.slice(0, 200)}`);
}

describe('the SDK endpoints', () => {
  const token = () => h.platform.team.apiToken;

  it('/flags answers any request fields with a 200 or a JSON 4xx', async () => {
    problems.length = 0;
    const request = fc.record(
      { distinct_id: fc.oneof(fc.constant('user-1'), odd), $anon_distinct_id: odd, person_properties: value, groups: value, group_properties: value, flag_keys_to_evaluate: value, disable_flags: odd, evaluation_runtime: odd, evaluation_contexts: value, $device_id: odd },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('/flags/?v=2', '/flags/?v=1', '/decide/?v=3', '/flags/?v=2&config=true'), async (r, path) => checkPublic(path, { token: token(), ...r })),
      { numRuns: 150 },
    );
    expect(problems).toEqual([]);
  });

  it('capture answers any event fields with a 200 or a JSON 4xx, and ingestion goes on past them', async () => {
    problems.length = 0;
    // Events capture accepts (the shape is right) whose property values are anything; now and then a field of the wrong type.
    const properties = fc.dictionary(fc.constantFrom('distinct_id', '$set', '$set_once', '$unset', '$groups', '$group_type', '$group_key', '$group_set', '$anon_distinct_id', '$process_person_profile', '$session_id', '$window_id', '$current_url', '$ip', '$lib', 'alias', '$elements_chain', 'toString', 'valueOf'), value);
    const event = fc.oneof(
      { weight: 5, arbitrary: fc.record({ event: fc.constantFrom('fuzzed', '$identify', '$create_alias', '$groupidentify', '$pageview', '$merge_dangerously'), distinct_id: fc.constantFrom('user-1', 'user-2', 'anon-3'), properties, $set: fc.option(fc.dictionary(fc.constantFrom('plan', 'email', 'toString', '__proto__'), value), { nil: undefined }) }) },
      { weight: 1, arbitrary: fc.record({ event: odd, distinct_id: odd, properties: value, timestamp: odd, uuid: odd, offset: odd }, { requiredKeys: [] }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 4 }), fc.constantFrom('/batch/', '/e/', '/i/v0/e/'), async (events, path) =>
        checkPublic(path, path === '/batch/' ? { api_key: token(), batch: events } : events.map((e) => ({ ...e, api_key: token() }))),
      ),
      { numRuns: 150 },
    );
    expect(problems).toEqual([]);
    // Whatever capture accepted, the consumers get through it: the lag returns to zero.
    const deadline = Date.now() + 60_000;
    let lag: Record<string, { lag_bytes: number }> = {};
    while (Date.now() < deadline) {
      lag = ((await (await fetch(`${h.platform.url}/_health`)).json()) as { consumers: Record<string, { lag_bytes: number }> }).consumers;
      if (Object.values(lag).every((c) => c.lag_bytes === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(Object.values(lag).every((c) => c.lag_bytes === 0)).toBe(true);
    // Capture accepted many of them, and an ordinary event sent after them all is stored.
    expect(['/batch/', '/e/', '/i/v0/e/'].every((p) => (statuses.get(`POST ${p}`) ?? []).filter((status) => status === 200).length > 5)).toBe(true);
    await checkPublic('/e/', { api_key: token(), event: 'after-the-fuzz', distinct_id: 'user-9' });
    const stored = async () => (await h.platform.store.query<{ c: string }>("SELECT count() AS c FROM events WHERE team_id = {team:Int64} AND event = 'after-the-fuzz'", { params: { team: h.teamId } }))[0]!.c;
    const until = Date.now() + 60_000;
    while (Number(await stored()) === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(Number(await stored())).toBe(1);
  });
});

describe('session recordings', () => {
  /** A query-string value: plain text, or JSON of odd values (the list reads several parameters as JSON). */
  const param = fc.oneof(fc.constantFrom('-3d', '2024-01-01', 'toString', '__proto__', '', '-1', '1e400', 'null'), value.map((v) => JSON.stringify(v) ?? 'null'), fc.string({ maxLength: 8 }));

  it('the list and the snapshots take any query string with a 2xx or a JSON 4xx', async () => {
    problems.length = 0;
    const names = fc.constantFrom('date_from', 'date_to', 'person_uuid', 'distinct_id', 'distinct_ids', 'session_ids', 'duration_min', 'duration_max', 'having_predicates', 'properties', 'events', 'actions', 'limit', 'offset', 'order', 'source', 'blob_key', 'start_blob_key', 'end_blob_key');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('', 'some-session/snapshots', 'some-session'), fc.dictionary(names, param, { maxKeys: 4 }), async (sub, query) => {
        const path = `${root()}/session_recordings/${sub}${sub ? '/' : ''}?${new URLSearchParams(query)}`;
        const res = await fetch(`${h.platform.url}${path}`, { headers: { authorization: `Bearer ${h.key}` } });
        const answer = await res.text();
        if (res.status >= 500 || (res.status >= 400 && !/"detail"/.test(answer))) problems.push(`GET ${path} → ${res.status} ${answer.slice(0, 200)}`);
      }),
      { numRuns: 150 },
    );
    expect(problems).toEqual([]);
  });

  it('replay capture answers any $snapshot fields with a 200 or a JSON 4xx', async () => {
    problems.length = 0;
    const snapshot = fc.record(
      { event: fc.constantFrom('$snapshot', '$snapshot_items'), distinct_id: fc.oneof(fc.constant('user-1'), odd), properties: fc.dictionary(fc.constantFrom('$snapshot_data', '$snapshot_items', '$session_id', '$window_id', '$snapshot_source', '$lib', 'toString'), value) },
      { requiredKeys: ['event', 'properties'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(snapshot, { minLength: 1, maxLength: 3 }), async (events) => checkPublic('/s/', { api_key: h.platform.team.apiToken, batch: events })),
      { numRuns: 150 },
    );
    expect(problems).toEqual([]);
  });
});
