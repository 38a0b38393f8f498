/** /api/projects/:id/feature_flags/: CRUD, versions, soft delete, validation, scopes — on the local platform in this process. */
import { createOrganization, createTeam } from '../../lib/accounts/accounts-repository';
import { registerApiRoutes } from '../../lib/api/api-routes';
import { insertCohort } from '../../lib/flags/cohort-repository';
import { listActiveFlags } from '../../lib/flags/flag-repository';
import { Router, withErrorHandling } from '../../lib/http/router';
import { silentLogger } from '../../lib/observability/logger';
import { assignGroupType } from '../../lib/persons/group-repository';
import type { LocalPlatform } from '../../lib/platform/local-platform';
import { startTestPlatform } from '../support/local-platform';

let platform: LocalPlatform;
let otherOrgProject: number;
const FLAGS = '/api/projects/@current/feature_flags/';

async function call(pathAndQuery: string, init: RequestInit & { key?: string } = {}) {
  const res = await fetch(`${platform.url}${pathAndQuery}`, {
    ...init,
    headers: { authorization: `Bearer ${init.key ?? platform.personalApiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const post = (body: unknown, key?: string) => call(FLAGS, { method: 'POST', body: JSON.stringify(body), key });
const patch = (id: number, body: unknown, method = 'PATCH') => call(`${FLAGS}${id}/`, { method, body: JSON.stringify(body) });
const simple = (key: string, extra: Record<string, unknown> = {}) => ({ key, filters: { groups: [{ properties: [], rollout_percentage: 50 }] }, ...extra });

async function keyWith(scopes: string[]): Promise<string> {
  const res = await call('/api/personal_api_keys/', { method: 'POST', body: JSON.stringify({ label: scopes.join(' '), scopes }) });
  return res.body.value;
}

beforeAll(async () => {
  platform = await startTestPlatform('hedgerow-flags-api-');
  const org = await createOrganization(platform.db, 'Elsewhere');
  otherOrgProject = (await createTeam(platform.db, { organizationId: org.id, name: 'Not yours' })).id;
  await assignGroupType(platform.db, platform.team.id, 'company');
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

describe('feature flag CRUD', () => {
  it('creates, retrieves, lists and updates a flag in PostHog\'s shape, each save a new version', async () => {
    const created = await post({ ...simple('crud-flag'), name: 'CRUD', ensure_experience_continuity: true, evaluation_tags: ['web'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: 'crud-flag',
      name: 'CRUD',
      team_id: platform.team.id,
      active: true,
      deleted: false,
      version: 1,
      ensure_experience_continuity: true,
      has_encrypted_payloads: false,
      evaluation_runtime: 'all',
      evaluation_tags: ['web'],
      bucketing_identifier: 'distinct_id',
      is_simple_flag: true,
      rollout_percentage: 50,
      filters: { groups: [{ properties: [], rollout_percentage: 50 }], payloads: {} },
      created_by: { email: 'admin@hedgerow.local' },
      status: 'ACTIVE',
    });
    const id = created.body.id;
    expect((await call(`${FLAGS}${id}/`)).body).toEqual(created.body);
    expect((await call(FLAGS)).body.results.map((f: { key: string }) => f.key)).toContain('crud-flag');

    const renamed = await patch(id, { name: 'Renamed', filters: { groups: [{ properties: [{ key: 'plan', type: 'person', value: ['pro'], operator: 'exact' }], rollout_percentage: 100 }] } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', version: 2, key: 'crud-flag', ensure_experience_continuity: true, is_simple_flag: false, rollout_percentage: null });
    // PATCH with filters lacking `groups` leaves the filters alone (as PostHog does).
    expect((await patch(id, { filters: { payloads: { true: 1 } } })).body.filters.groups[0].rollout_percentage).toBe(100);
    // PUT is a full update: the key is required.
    expect(await patch(id, { name: 'x' }, 'PUT')).toMatchObject({ status: 400, body: { attr: 'key', code: 'required' } });
    const put = await patch(id, { key: 'crud-flag-2', name: 'Put', active: false }, 'PUT');
    expect(put.body).toMatchObject({ key: 'crud-flag-2', name: 'Put', active: false, version: 4 });
    expect((await call(`${FLAGS}999999/`)).status).toBe(404);
    expect((await call(`${FLAGS}abc/`)).status).toBe(404);
  });

  it('normalises payloads to JSON strings', async () => {
    const res = await post({
      key: 'payloads',
      filters: {
        groups: [{ properties: [], rollout_percentage: 100 }],
        multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 25 }, { key: 'c', rollout_percentage: 25 }] },
        payloads: { a: { color: 'blue' }, b: '{"x":[1,2]}', c: 5 },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.filters.payloads).toEqual({ a: '{"color":"blue"}', b: '{"x":[1,2]}', c: '5' });
  });

  it('pages, searches and filters the list by active; /environments/ addresses the same flags', async () => {
    for (const key of ['page-a', 'page-b', 'page-c']) expect((await post(simple(key, { active: key !== 'page-b' }))).status).toBe(201);
    const first = await call(`${FLAGS}?search=PAGE-&limit=2`);
    expect(first.body).toMatchObject({ count: 3, previous: null });
    expect(first.body.results.map((f: { key: string }) => f.key)).toEqual(['page-c', 'page-b']);
    expect(first.body.next).toContain('offset=2');
    const second = await call(first.body.next);
    expect(second.body.results.map((f: { key: string }) => f.key)).toEqual(['page-a']);
    expect(second.body.previous).toContain('offset=0');
    expect((await call(`${FLAGS}?search=page-&active=false`)).body.results.map((f: { key: string }) => f.key)).toEqual(['page-b']);
    expect(await call(`${FLAGS}?active=maybe`)).toMatchObject({ status: 400, body: { attr: 'active' } });
    expect(await call(`${FLAGS}?limit=0`)).toMatchObject({ status: 400 });
    const env = await call(`/api/environments/${platform.team.id}/feature_flags/?search=page-`);
    expect(env.body.count).toBe(3);
  });

  it('keeps every version, newest first, and shows the changes as activity', async () => {
    const { body: flag } = await post(simple('versioned'));
    await patch(flag.id, { active: false });
    await patch(flag.id, { name: 'Now named', filters: { groups: [{ properties: [], rollout_percentage: 10 }] } });
    const versions = await call(`${FLAGS}${flag.id}/versions/`);
    expect(versions.body.count).toBe(3);
    expect(versions.body.results.map((v: { version: number; activity: string }) => [v.version, v.activity])).toEqual([
      [3, 'updated'],
      [2, 'updated'],
      [1, 'created'],
    ]);
    expect(versions.body.results[2].flag).toMatchObject({ key: 'versioned', active: true, version: 1, filters: { groups: [{ rollout_percentage: 50 }] } });
    expect(versions.body.results[0].created_by.email).toBe('admin@hedgerow.local');
    const activity = await call(`${FLAGS}${flag.id}/activity/?limit=2`);
    expect(activity.body.total_count).toBe(3);
    expect(activity.body.results[0].detail.changes.map((c: { field: string }) => c.field)).toEqual(['name', 'filters']);
    expect(activity.body.results[1].detail.changes).toEqual([{ type: 'FeatureFlag', action: 'changed', field: 'active', before: true, after: false }]);
    const last = await call(activity.body.next);
    expect(last.body.results).toMatchObject([{ activity: 'created', detail: { changes: null, name: 'versioned' } }]);
    expect((await call(`${FLAGS}999999/versions/`)).status).toBe(404);
  });

  it('soft-deletes (PATCH deleted or DELETE): gone from lists and evaluation, key reusable, still retrievable', async () => {
    const { body: a } = await post(simple('doomed'));
    const deleted = await patch(a.id, { deleted: true });
    expect(deleted.body).toMatchObject({ deleted: true, version: 2, status: 'DELETED' });
    expect((await call(`${FLAGS}?search=doomed`)).body.count).toBe(0);
    expect((await listActiveFlags(platform.db, platform.team.id)).map((f) => f.key)).not.toContain('doomed');
    expect((await call(`${FLAGS}${a.id}/`)).body.deleted).toBe(true);

    const { body: b, status } = await post(simple('doomed'));
    expect(status).toBe(201);
    const del = await fetch(`${platform.url}${FLAGS}${b.id}/`, { method: 'DELETE', headers: { authorization: `Bearer ${platform.personalApiKey}` } });
    expect(del.status).toBe(204);
    expect((await call(`${FLAGS}${b.id}/`)).body).toMatchObject({ deleted: true, version: 2 });
    expect((await call(`${FLAGS}${b.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${FLAGS}999999/`, { method: 'DELETE' })).status).toBe(404);
    // Restoring one of them is fine; restoring the other would then collide on the key.
    expect((await patch(a.id, { deleted: false })).status).toBe(200);
    expect(await patch(b.id, { deleted: false })).toMatchObject({ status: 400, body: { attr: 'key', code: 'unique' } });
  });

  it('answers 409 to a stale save that changes a field someone else changed (PostHog\'s concurrency check)', async () => {
    const { body: flag } = await post(simple('contested', { name: 'Original' }));
    expect((await patch(flag.id, { name: 'Theirs', version: 1 })).body.version).toBe(2);
    const stale = await patch(flag.id, { name: 'Mine', version: 1, original_flag: { name: 'Original' } });
    expect(stale).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(stale.body.detail).toMatch(/updated by admin@hedgerow.local/);
    // A stale save of a field nobody else touched goes through, as does one without original_flag.
    expect((await patch(flag.id, { active: false, version: 1, original_flag: { name: 'Original', active: true } })).status).toBe(200);
    expect((await patch(flag.id, { name: 'Mine', version: 1 })).body).toMatchObject({ name: 'Mine', version: 4 });
  });
});

describe('feature flag validation', () => {
  let cohortId: number;
  let deletedCohortId: number;
  let behavioralCohortId: number;
  let base: { id: number; key: string };
  let disabled: { id: number };

  beforeAll(async () => {
    const tx = platform.db;
    cohortId = (await insertCohort(tx, platform.team.id, { name: 'ok', description: '', filters: { properties: { type: 'AND', values: [] } }, is_static: false, deleted: false }, null)).id;
    deletedCohortId = (await insertCohort(tx, platform.team.id, { name: 'gone', description: '', filters: null, is_static: true, deleted: true }, null)).id;
    const events = { properties: { type: 'OR' as const, values: [{ key: '$pageview', type: 'behavioral', value: 'performed_event', event_type: 'events' }] } };
    const behavioral = (await insertCohort(tx, platform.team.id, { name: 'doers', description: '', filters: events, is_static: false, deleted: false }, null)).id;
    const wrapper = { properties: { type: 'AND' as const, values: [{ key: 'id', type: 'cohort', value: behavioral }] } };
    behavioralCohortId = (await insertCohort(tx, platform.team.id, { name: 'wraps doers', description: '', filters: wrapper, is_static: false, deleted: false }, null)).id;
    base = (await post(simple('dep-base'))).body;
    disabled = (await post(simple('dep-disabled', { active: false }))).body;
  });

  const cond = (properties: unknown[], extra: Record<string, unknown> = {}) => ({ groups: [{ properties, rollout_percentage: 100, ...extra }] });
  const variants = (...pcts: number[]) => ({ variants: pcts.map((p, i) => ({ key: `v${i}`, rollout_percentage: p })) });
  const person = { key: 'email', type: 'person', value: 'a@b.c', operator: 'exact' };

  const cases: [string, () => Record<string, unknown>, string][] = [
    ['a missing key', () => ({ filters: cond([]) }), 'key'],
    ['a key with spaces', () => simple('not a slug!'), 'key'],
    ['a key that is taken', () => simple('dep-base'), 'key'],
    ['a non-string name', () => simple('v-name', { name: 5 }), 'name'],
    ['filters that are not an object', () => ({ key: 'v-f', filters: [1] }), 'filters'],
    ['no condition sets', () => ({ key: 'v-g', filters: { groups: [] } }), 'filters.groups'],
    ['a rollout above 100', () => ({ key: 'v-r', filters: cond([], { rollout_percentage: 101 }) }), 'filters.groups.0.rollout_percentage'],
    ['a negative rollout', () => ({ key: 'v-r2', filters: cond([], { rollout_percentage: -1 }) }), 'filters.groups.0.rollout_percentage'],
    ['a rollout given as text', () => ({ key: 'v-r3', filters: cond([], { rollout_percentage: '50' }) }), 'filters.groups.0.rollout_percentage'],
    ['variants summing to 90', () => ({ key: 'v-s', filters: { ...cond([]), multivariate: variants(50, 40) } }), 'filters.multivariate'],
    ['variants summing to 110', () => ({ key: 'v-s2', filters: { ...cond([]), multivariate: variants(60, 50) } }), 'filters.multivariate'],
    ['a variant above 100', () => ({ key: 'v-s3', filters: { ...cond([]), multivariate: variants(150, -50) } }), 'filters.multivariate.variants.0.rollout_percentage'],
    ['duplicate variant keys', () => ({ key: 'v-d', filters: { ...cond([]), multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'a', rollout_percentage: 50 }] } } }), 'filters.multivariate.variants.1.key'],
    ['an empty variant key', () => ({ key: 'v-e', filters: { ...cond([]), multivariate: { variants: [{ key: '', rollout_percentage: 100 }] } } }), 'filters.multivariate.variants.0.key'],
    ['a variant override naming no variant', () => ({ key: 'v-o', filters: { ...cond([], { variant: 'nope' }), multivariate: variants(100) } }), 'filters.groups.0.variant'],
    ['a variant override on a boolean flag', () => ({ key: 'v-o2', filters: cond([], { variant: 'v0' }) }), 'filters.groups.0.variant'],
    ['a group type index above 4', () => ({ key: 'v-a', filters: { ...cond([]), aggregation_group_type_index: 7 } }), 'filters.aggregation_group_type_index'],
    ['an unknown group type', () => ({ key: 'v-a2', filters: { ...cond([]), aggregation_group_type_index: 3 } }), 'filters.aggregation_group_type_index'],
    ['a condition with an unknown group type', () => ({ key: 'v-a3', filters: cond([], { aggregation_group_type_index: 2 }) }), 'filters.groups.0.aggregation_group_type_index'],
    ['a person filter on a group flag', () => ({ key: 'v-a4', filters: { ...cond([person]), aggregation_group_type_index: 0 } }), 'filters.groups.0.properties.0.type'],
    ['an event filter', () => ({ key: 'v-p', filters: cond([{ ...person, type: 'event' }]) }), 'filters.groups.0.properties.0.type'],
    ['a filter without a key', () => ({ key: 'v-p2', filters: cond([{ type: 'person', value: 1 }]) }), 'filters.groups.0.properties.0.key'],
    ['an unknown operator', () => ({ key: 'v-p3', filters: cond([{ ...person, operator: 'sounds_like' }]) }), 'filters.groups.0.properties.0.operator'],
    ['a regex with a number', () => ({ key: 'v-p4', filters: cond([{ ...person, operator: 'regex', value: 5 }]) }), 'filters.groups.0.properties.0.value'],
    ['an unparseable date', () => ({ key: 'v-p5', filters: cond([{ ...person, operator: 'is_date_after', value: 'someday' }]) }), 'filters.groups.0.properties.0.value'],
    ['`in` on a person filter', () => ({ key: 'v-p6', filters: cond([{ ...person, operator: 'in' }]) }), 'filters.groups.0.properties.0.operator'],
    ['a missing cohort', () => ({ key: 'v-c', filters: cond([{ key: 'id', type: 'cohort', value: 999999 }]) }), 'filters.groups.0.properties.0.value'],
    ['a deleted cohort', () => ({ key: 'v-c2', filters: cond([{ key: 'id', type: 'cohort', value: deletedCohortId }]) }), 'filters.groups.0.properties.0.value'],
    ['a cohort with event filters inside', () => ({ key: 'v-c3', filters: cond([{ key: 'id', type: 'cohort', value: behavioralCohortId }]) }), 'filters.groups.0.properties.0.value'],
    ['a dependency by key', () => ({ key: 'v-x', filters: cond([{ key: 'dep-base', type: 'flag', value: true, operator: 'flag_evaluates_to' }]) }), 'filters.groups.0.properties.0.key'],
    ['a dependency on a missing flag', () => ({ key: 'v-x2', filters: cond([{ key: '999999', type: 'flag', value: true, operator: 'flag_evaluates_to' }]) }), 'filters.groups.0.properties.0.key'],
    ['a dependency on a disabled flag', () => ({ key: 'v-x3', filters: cond([{ key: String(disabled.id), type: 'flag', value: true, operator: 'flag_evaluates_to' }]) }), 'filters.groups.0.properties.0.key'],
    ['a dependency with another operator', () => ({ key: 'v-x4', filters: cond([{ key: String(base.id), type: 'flag', value: true, operator: 'exact' }]) }), 'filters.groups.0.properties.0.operator'],
    ['a payload that is not JSON', () => ({ key: 'v-y', filters: { ...cond([]), payloads: { true: '{not json' } } }), 'filters.payloads.true'],
    ['a boolean flag payload not keyed "true"', () => ({ key: 'v-y2', filters: { ...cond([]), payloads: { yes: '1' } } }), 'filters.payloads.yes'],
    ['a payload for a missing variant', () => ({ key: 'v-y3', filters: { ...cond([]), multivariate: variants(100), payloads: { v9: '1' } } }), 'filters.payloads.v9'],
    ['payloads that are a list', () => ({ key: 'v-y4', filters: { ...cond([]), payloads: ['x'] } }), 'filters.payloads'],
    ['an unknown evaluation runtime', () => simple('v-z', { evaluation_runtime: 'mobile' }), 'evaluation_runtime'],
    ['an unknown bucketing identifier', () => simple('v-z2', { bucketing_identifier: 'email' }), 'bucketing_identifier'],
    ['active as text', () => simple('v-z3', { active: 'yes' }), 'active'],
    ['evaluation tags that are not a list', () => simple('v-z4', { evaluation_tags: 'web' }), 'evaluation_tags'],
  ];

  it.each(cases)('refuses %s with a 400 naming the field', async (_name, body, attr) => {
    const res = await post(body());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'validation_error', attr });
    expect(typeof res.body.detail).toBe('string');
  });

  it('accepts what those rules allow: cohorts, dependencies by id, group properties, variant overrides, dates', async () => {
    const res = await post({
      key: 'v-good',
      filters: {
        groups: [
          { properties: [{ key: 'id', type: 'cohort', value: cohortId }, { key: String(base.id), type: 'flag', value: true, operator: 'flag_evaluates_to' }], rollout_percentage: 0, variant: 'v1' },
          { properties: [{ key: 'signup', type: 'person', value: '-30d', operator: 'is_date_after' }, { key: 'age', type: 'person', value: '21', operator: 'gte' }], rollout_percentage: 33.5 },
          { properties: [{ key: 'name', type: 'group', group_type_index: 0, value: 'acme', operator: 'exact' }], aggregation_group_type_index: 0 },
        ],
        multivariate: { variants: [{ key: 'v0', rollout_percentage: 33.33 }, { key: 'v1', rollout_percentage: 33.33 }, { key: 'v2', rollout_percentage: 33.34 }] },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.filters.groups[0].properties[0]).toMatchObject({ value: cohortId, cohort_name: 'ok' });
    expect((await post({ key: 'v-group', filters: { aggregation_group_type_index: 0, groups: [{ properties: [], rollout_percentage: 50 }] } })).status).toBe(201);
  });

  it('refuses dependency cycles and self-dependencies on update, and keeps depended-on flags live', async () => {
    const a = (await post(simple('cycle-a'))).body;
    const dependsOn = (id: number) => ({ groups: [{ properties: [{ key: String(id), type: 'flag', value: true, operator: 'flag_evaluates_to' }], rollout_percentage: 100 }] });
    const b = (await post({ key: 'cycle-b', filters: dependsOn(a.id) })).body;
    const c = (await post({ key: 'cycle-c', filters: dependsOn(b.id) })).body;
    const cycle = await patch(a.id, { filters: dependsOn(c.id) });
    expect(cycle).toMatchObject({ status: 400, body: { attr: 'filters.groups' } });
    expect(cycle.body.detail).toBe('Circular dependency detected: cycle-a → cycle-c → cycle-b → cycle-a');
    expect(await patch(a.id, { filters: dependsOn(a.id) })).toMatchObject({ status: 400, body: { attr: 'filters.groups' } });
    expect(await patch(a.id, { deleted: true })).toMatchObject({ status: 400, body: { attr: 'deleted' } });
    expect(await patch(a.id, { active: false })).toMatchObject({ status: 400, body: { attr: 'active' } });
    expect(await call(`${FLAGS}${b.id}/`, { method: 'DELETE' })).toMatchObject({ status: 400, body: { attr: 'deleted' } });
    expect((await patch(c.id, { deleted: true })).status).toBe(200);
    expect((await patch(b.id, { active: false })).status).toBe(200);
    expect((await patch(a.id, { active: false })).status).toBe(200);
    expect(await patch(b.id, { active: true })).toMatchObject({ status: 400, body: { attr: 'active' } });
  });
});

describe('feature flag permissions', () => {
  it('needs feature_flag:read to read and feature_flag:write to write', async () => {
    const reader = await keyWith(['feature_flag:read']);
    const writer = await keyWith(['feature_flag:write']);
    const other = await keyWith(['project:read']);
    expect((await call(FLAGS, { key: reader })).status).toBe(200);
    const denied = await post(simple('by-reader'), reader);
    expect(denied).toMatchObject({ status: 403, body: { type: 'authentication_error' } });
    expect(denied.body.detail).toMatch(/feature_flag:write/);
    expect((await call(FLAGS, { key: other })).status).toBe(403);
    const created = await post(simple('by-writer'), writer);
    expect(created.status).toBe(201);
    expect((await call(`${FLAGS}${created.body.id}/`, { key: writer })).status).toBe(200);
    expect((await call(`${FLAGS}${created.body.id}/`, { method: 'PATCH', body: '{"name":"x"}', key: reader })).status).toBe(403);
    expect((await call(`${FLAGS}${created.body.id}/`, { method: 'DELETE', key: reader })).status).toBe(403);
  });

  it("never shows or touches another organisation's flags", async () => {
    const theirs = `/api/projects/${otherOrgProject}/feature_flags/`;
    expect((await call(theirs)).status).toBe(404);
    expect((await call(theirs, { method: 'POST', body: JSON.stringify(simple('intruder')) })).status).toBe(404);
    expect((await call(`${theirs}1/`)).status).toBe(404);
    expect((await call(FLAGS, { key: 'phx_not_a_key' })).status).toBe(401);
  });
});

describe('onDefinitionsChanged', () => {
  it('is called with the team after every committed write, and not for reads or refused writes', async () => {
    const calls: number[] = [];
    const router = new Router();
    registerApiRoutes(router, { db: platform.db, store: platform.store, kv: platform.kv, onDefinitionsChanged: async (teamId) => void calls.push(teamId) });
    const handle = withErrorHandling((req) => router.handle(req), silentLogger);
    const request = (method: string, p: string, body?: unknown) =>
      handle({
        method,
        path: p,
        query: new URLSearchParams(),
        headers: { authorization: `Bearer ${platform.personalApiKey}`, 'content-type': 'application/json' },
        body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
        sourceIp: '127.0.0.1',
      });
    const created = JSON.parse(String((await request('POST', FLAGS, simple('hooked'))).body));
    await request('PATCH', `${FLAGS}${created.id}/`, { name: 'x' });
    await request('GET', `${FLAGS}${created.id}/`);
    expect((await request('POST', FLAGS, simple('bad key'))).status).toBe(400);
    expect((await request('DELETE', `${FLAGS}${created.id}/`)).status).toBe(204);
    const cohort = await request('POST', '/api/projects/@current/cohorts/', { name: 'c', is_static: true });
    expect(cohort.status).toBe(201);
    expect(calls).toEqual([platform.team.id, platform.team.id, platform.team.id, platform.team.id]);
  });
});
