/** /api/projects/:id/cohorts/: dynamic and static cohorts, members by ids and CSV, validation, scopes — on the local platform in this process. */
import { createOrganization, createTeam } from '../../lib/accounts/accounts-repository';
import { staticCohortIdsOfPerson } from '../../lib/flags/cohort-repository';
import { personUuidFor } from '../../lib/persons/person-uuid';
import { processPersons } from '../../lib/persons/process-persons';
import type { LocalPlatform } from '../../lib/platform/local-platform';
import { startTestPlatform } from '../support/local-platform';

let platform: LocalPlatform;
let otherOrgProject: number;
const COHORTS = '/api/projects/@current/cohorts/';

async function call(pathAndQuery: string, init: RequestInit & { key?: string } = {}) {
  const res = await fetch(`${platform.url}${pathAndQuery}`, {
    ...init,
    headers: { authorization: `Bearer ${init.key ?? platform.personalApiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const post = (body: unknown, key?: string) => call(COHORTS, { method: 'POST', body: JSON.stringify(body), key });
const patch = (id: number, body: unknown) => call(`${COHORTS}${id}/`, { method: 'PATCH', body: JSON.stringify(body) });

/** A multipart/form-data request the way PostHog's UI uploads a CSV (fetch writes the boundary). */
async function upload(pathAndQuery: string, method: string, fields: Record<string, string>, csv: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('csv', new Blob([csv], { type: 'text/csv' }), 'ids.csv');
  const res = await fetch(`${platform.url}${pathAndQuery}`, { method, body: form, headers: { authorization: `Bearer ${platform.personalApiKey}` } });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

const tree = {
  properties: {
    type: 'OR',
    values: [
      { type: 'AND', values: [{ key: 'plan', type: 'person', value: ['pro', 'enterprise'], operator: 'exact' }, { key: 'email', type: 'person', value: '@spam.com', operator: 'icontains', negation: true }] },
      { type: 'AND', values: [{ key: 'age', type: 'person', value: 18, operator: 'gt' }] },
    ],
  },
};

async function memberIds(id: number): Promise<string[]> {
  const res = await call(`${COHORTS}${id}/persons/`);
  return res.body.results.flatMap((p: { distinct_ids: string[] }) => p.distinct_ids).sort();
}

beforeAll(async () => {
  platform = await startTestPlatform('hedgerow-cohorts-api-');
  const org = await createOrganization(platform.db, 'Elsewhere');
  otherOrgProject = (await createTeam(platform.db, { organizationId: org.id, name: 'Not yours' })).id;
  const ids = ['alice', 'bob', 'carol', 'dave', 'erin'];
  await processPersons(platform.db, platform.team.id, ids.map((id) => ({ event: 'pageview', distinctId: id, processPerson: true, updates: { set: { email: `${id}@example.com` } }, timestamp: '2026-01-01T00:00:00.000Z' })));
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

describe('dynamic cohorts', () => {
  it('creates, retrieves, lists, updates and soft-deletes a property cohort with nested AND/OR and negation', async () => {
    const created = await post({ name: 'Paying adults', description: 'd', filters: tree });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Paying adults', description: 'd', filters: tree, is_static: false, deleted: false, version: 1, count: null, cohort_type: 'person_property' });
    expect(created.body.created_by.email).toBe('admin@hedgerow.local');
    const id = created.body.id;
    expect((await call(`${COHORTS}${id}/`)).body).toEqual(created.body);
    expect((await call(`${COHORTS}?search=paying`)).body).toMatchObject({ count: 1, results: [{ id }] });
    expect((await patch(id, { name: 'Renamed' })).body).toMatchObject({ name: 'Renamed', version: 2, filters: tree });
    expect((await call(`${COHORTS}${id}/persons/`)).body).toEqual({ next: null, previous: null, results: [] });
    const del = await fetch(`${platform.url}${COHORTS}${id}/`, { method: 'DELETE', headers: { authorization: `Bearer ${platform.personalApiKey}` } });
    expect(del.status).toBe(204);
    expect((await call(`${COHORTS}?search=renamed`)).body.count).toBe(0);
    expect((await call(`${COHORTS}${id}/`)).body.deleted).toBe(true);
  });

  it("converts PostHog's older `groups` into a property tree", async () => {
    const res = await post({ name: 'legacy', groups: [{ properties: [{ key: 'plan', type: 'person', value: 'pro' }] }] });
    expect(res.status).toBe(201);
    expect(res.body.filters).toEqual({ properties: { type: 'OR', values: [{ type: 'AND', values: [{ key: 'plan', type: 'person', value: 'pro' }] }] } });
  });

  it('refuses bad definitions with a 400 naming the field', async () => {
    const a = (await post({ name: 'A', filters: tree })).body;
    const b = (await post({ name: 'B', filters: { properties: { type: 'AND', values: [{ key: 'id', type: 'cohort', value: a.id }] } } })).body;
    const leaf = (l: Record<string, unknown>) => ({ name: 'x', filters: { properties: { type: 'AND', values: [l] } } });
    const cases: [unknown, string, number?][] = [
      [{ name: 'no filters' }, 'filters'],
      [{ name: 'no properties', filters: {} }, 'filters'],
      [{ name: 'x', filters: { properties: { type: 'XOR', values: [] } } }, 'filters.properties.type'],
      [{ name: 'x', filters: { properties: { type: 'AND', values: 'plan' } } }, 'filters.properties.values'],
      [{ name: 'x', filters: { properties: { type: 'AND', values: [{ type: 'OR', values: [] }, { key: 'a', type: 'person', value: 1 }] } } }, 'filters.properties.values'],
      [leaf({ type: 'person', value: 1 }), 'filters.properties.values.0.key'],
      [leaf({ key: 'a', type: 'event', value: 1 }), 'filters.properties.values.0.type'],
      [leaf({ key: 'a', type: 'person', value: 1, operator: 'sounds_like' }), 'filters.properties.values.0.operator'],
      [leaf({ key: 'a', type: 'person', value: 1, negation: 'yes' }), 'filters.properties.values.0.negation'],
      [leaf({ key: 'id', type: 'cohort', value: 999999 }), 'filters.properties.values.0.value'],
      [{ name: 'x'.repeat(401), filters: tree }, 'name'],
      [{ name: 'x', filters: tree, is_static: 'maybe' }, 'is_static'],
      [{ name: 'x', filters: tree, distinct_ids: ['alice'] }, 'distinct_ids'],
      [{ name: 'x', is_static: true, person_ids: ['not-a-uuid'] }, 'person_ids.0'],
      [{ name: 'x', is_static: true, distinct_ids: 'alice' }, 'distinct_ids'],
    ];
    for (const [body, attr] of cases) {
      const res = await post(body);
      expect([res.status, res.body.attr, JSON.stringify(body).slice(0, 60)]).toEqual([400, attr, JSON.stringify(body).slice(0, 60)]);
      expect(res.body.type).toBe('validation_error');
    }
    // A cohort cannot contain itself, directly or through another.
    expect(await patch(a.id, { filters: { properties: { type: 'AND', values: [{ key: 'id', type: 'cohort', value: a.id }] } } })).toMatchObject({ status: 400, body: { attr: 'filters.properties.values.0.value' } });
    expect(await patch(a.id, { filters: { properties: { type: 'AND', values: [{ key: 'id', type: 'cohort', value: b.id }] } } })).toMatchObject({ status: 400, body: { attr: 'filters' } });
    expect((await call(`${COHORTS}999999/`)).status).toBe(404);
  });

  it('renames and deletes a cohort whose nested cohort was deleted since', async () => {
    const inner = (await post({ name: 'inner', filters: tree })).body;
    const outer = (await post({ name: 'outer', filters: { properties: { type: 'AND', values: [{ key: 'id', type: 'cohort', value: inner.id }] } } })).body;
    expect((await call(`${COHORTS}${inner.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await patch(outer.id, { name: 'outer renamed' })).status).toBe(200);
    expect(await patch(outer.id, { filters: outer.filters })).toMatchObject({ status: 400, body: { attr: 'filters.properties.values.0.value' } });
    expect((await call(`${COHORTS}${outer.id}/`, { method: 'DELETE' })).status).toBe(204);
  });

  it('flags may use live cohorts only, and a cohort a flag uses takes no event filters', async () => {
    const cohort = (await post({ name: 'for flags', filters: tree })).body;
    const flag = (value: number) => ({ key: `uses-${value}-${Date.now()}`, filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value }], rollout_percentage: 100 }] } });
    const used = await call('/api/projects/@current/feature_flags/', { method: 'POST', body: JSON.stringify(flag(cohort.id)) });
    expect(used.status).toBe(201);
    expect(used.body.filters.groups[0].properties[0].cohort_name).toBe('for flags');
    const behavioral = { properties: { type: 'AND', values: [{ key: '$pageview', type: 'behavioral', value: 'performed_event' }] } };
    expect(await patch(cohort.id, { filters: behavioral })).toMatchObject({ status: 400, body: { attr: 'filters', code: 'behavioral_cohort_found' } });
    expect((await call(`${COHORTS}${cohort.id}/`, { method: 'DELETE' })).status).toBe(204);
    const refused = await call('/api/projects/@current/feature_flags/', { method: 'POST', body: JSON.stringify(flag(cohort.id)) });
    expect(refused).toMatchObject({ status: 400, body: { attr: 'filters.groups.0.properties.0.value', code: 'cohort_does_not_exist' } });
  });
});

describe('static cohorts', () => {
  it('takes members as distinct ids and person uuids, skipping unknown ids, and lists them', async () => {
    const res = await post({ name: 'Listed', is_static: true, distinct_ids: ['alice', 'bob', 'nobody'], _create_static_person_ids: [personUuidFor(platform.team.id, 'carol')] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ is_static: true, count: 3, cohort_type: 'static' });
    expect(await memberIds(res.body.id)).toEqual(['alice', 'bob', 'carol']);
    const page = await call(`${COHORTS}${res.body.id}/persons/?limit=2`);
    expect(page.body.results).toHaveLength(2);
    expect(page.body.results[0]).toMatchObject({ uuid: personUuidFor(platform.team.id, 'alice'), name: 'alice@example.com', distinct_ids: ['alice'] });
    expect(page.body.next).toContain('offset=2');

    const more = await patch(res.body.id, { person_ids: [personUuidFor(platform.team.id, 'dave')] });
    expect(more.body.count).toBe(4);
    const add = await call(`${COHORTS}${res.body.id}/add_persons_to_static_cohort/`, { method: 'PATCH', body: JSON.stringify({ person_ids: [personUuidFor(platform.team.id, 'erin')] }) });
    expect(add.body.count).toBe(5);
    const remove = await call(`${COHORTS}${res.body.id}/remove_person_from_static_cohort/`, { method: 'PATCH', body: JSON.stringify({ person_id: personUuidFor(platform.team.id, 'alice') }) });
    expect(remove.body.count).toBe(4);
    const { rows } = await platform.db.query<{ id: string }>('SELECT person_id AS id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id = $2', [platform.team.id, 'bob']);
    expect(await staticCohortIdsOfPerson(platform.db, platform.team.id, Number(rows[0].id))).toContain(res.body.id);
  });

  it("takes PostHog's CSV upload (multipart, first column, optional header) on create and update", async () => {
    const created = await upload(COHORTS, 'POST', { name: 'Uploaded', is_static: 'true' }, 'distinct_id\r\nalice\r\n"bob"\r\n\r\nnobody\r\n');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Uploaded', is_static: true, count: 2 });
    const noHeader = await upload(COHORTS, 'POST', { name: 'No header', is_static: 'true' }, 'carol\ndave\n');
    expect(await memberIds(noHeader.body.id)).toEqual(['carol', 'dave']);
    const byPerson = await upload(COHORTS, 'POST', { name: 'By person', is_static: 'true' }, `email,person_id\nx@y.z,${personUuidFor(platform.team.id, 'erin')}\n`);
    expect(await memberIds(byPerson.body.id)).toEqual(['erin']);
    const added = await upload(`${COHORTS}${created.body.id}/`, 'PATCH', {}, 'erin\n');
    expect(added.body.count).toBe(3);
    expect(await memberIds(created.body.id)).toEqual(['alice', 'bob', 'erin']);

    expect(await upload(COHORTS, 'POST', { name: 'Bad', is_static: 'true' }, 'email,plan\na@b.c,pro\n')).toMatchObject({ status: 400, body: { attr: 'csv' } });
    expect(await upload(COHORTS, 'POST', { name: 'Empty', is_static: 'true' }, '\n\n')).toMatchObject({ status: 400, body: { attr: 'csv' } });
    expect(await upload(COHORTS, 'POST', { name: 'Dynamic', filters: JSON.stringify(tree) }, 'alice\n')).toMatchObject({ status: 400, body: { attr: 'csv' } });
  });
});

describe('cohort permissions', () => {
  it('needs cohort:read to read and cohort:write to write; other organisations are not found', async () => {
    const reader = (await call('/api/personal_api_keys/', { method: 'POST', body: JSON.stringify({ label: 'r', scopes: ['cohort:read'] }) })).body.value;
    const flagsOnly = (await call('/api/personal_api_keys/', { method: 'POST', body: JSON.stringify({ label: 'f', scopes: ['feature_flag:write'] }) })).body.value;
    expect((await call(COHORTS, { key: reader })).status).toBe(200);
    expect((await post({ name: 'nope', is_static: true }, reader)).status).toBe(403);
    expect((await call(COHORTS, { key: flagsOnly })).status).toBe(403);
    expect((await call(`/api/projects/${otherOrgProject}/cohorts/`)).status).toBe(404);
    expect((await call(`/api/environments/${platform.team.id}/cohorts/`)).status).toBe(200);
  });
});
