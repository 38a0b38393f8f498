/** The /api routes: keys, project scoping, bad input, on the local platform in this process. */
import { createOrganization, createPersonalApiKey, createTeam, createUser } from '../../lib/accounts/accounts-repository';
import type { LocalPlatform } from '../../lib/platform/local-platform';
import { startTestPlatform } from '../support/local-platform';

let platform: LocalPlatform;
let otherOrgProject: number;
let scopedKey: string;
let readOnlyKey: string;

async function call(pathAndQuery: string, key: string | undefined, init: RequestInit = {}) {
  const res = await fetch(`${platform.url}${pathAndQuery}`, {
    ...init,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') };
}

beforeAll(async () => {
  platform = await startTestPlatform('hedgerow-api-');
  const org = await createOrganization(platform.db, 'Elsewhere');
  otherOrgProject = (await createTeam(platform.db, { organizationId: org.id, name: 'Not yours' })).id;
  const outsider = await createUser(platform.db, { email: 'out@elsewhere.test', organizationId: org.id });
  await createPersonalApiKey(platform.db, { userId: outsider.id, label: 'outsider' });
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

describe('authentication', () => {
  it('answers 401 with a JSON error without a key, with a project token, and with an unknown key', async () => {
    for (const key of [undefined, platform.team.apiToken, 'phx_not_a_real_key', 'garbage']) {
      const res = await call('/api/projects/@current/events/', key);
      expect(res.status).toBe(401);
      expect(res.type).toContain('application/json');
      expect(res.body).toMatchObject({ type: 'authentication_error', attr: null });
    }
  });

  it('accepts the key as personal_api_key in the query string', async () => {
    const res = await call(`/api/projects/@current/?personal_api_key=${platform.personalApiKey}`, undefined);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(platform.team.id);
  });
});

describe('projects and keys', () => {
  it('creates a project with its own token, which capture accepts at once', async () => {
    const created = await call('/api/projects/', platform.personalApiKey, { method: 'POST', body: JSON.stringify({ name: 'Second' }) });
    expect(created.status).toBe(201);
    expect(created.body.api_token).toMatch(/^phc_/);
    expect(created.body.api_token).not.toBe(platform.team.apiToken);
    const capture = await fetch(`${platform.url}/batch/`, {
      method: 'POST',
      body: JSON.stringify({ api_key: created.body.api_token, batch: [{ event: 'in-second', distinct_id: 'u' }] }),
    });
    expect(capture.status).toBe(200);
    await platform.flush();
    const second = await call(`/api/projects/${created.body.id}/events/`, platform.personalApiKey);
    expect(second.body.results.map((e: { event: string }) => e.event)).toEqual(['in-second']);
    const first = await call('/api/projects/@current/events/?event=in-second', platform.personalApiKey);
    expect(first.body.results).toEqual([]);
    const list = await call('/api/projects/', platform.personalApiKey);
    expect(list.body.results.map((p: { id: number }) => p.id)).toEqual([platform.team.id, created.body.id]);
  });

  it('creates personal API keys that are shown once and honour their project and scope limits', async () => {
    const res = await call('/api/personal_api_keys/', platform.personalApiKey, {
      method: 'POST',
      body: JSON.stringify({ label: 'scoped', scoped_teams: [platform.team.id] }),
    });
    expect(res.status).toBe(201);
    expect(res.body.value).toMatch(/^phx_/);
    expect(res.body.mask_value).not.toContain(res.body.value.slice(8, -4));
    scopedKey = res.body.value;
    const ro = await call('/api/personal_api_keys/', platform.personalApiKey, { method: 'POST', body: JSON.stringify({ label: 'ro', scopes: ['project:read'] }) });
    readOnlyKey = ro.body.value;

    expect((await call('/api/projects/@current/', scopedKey)).status).toBe(200);
    const projects = (await call('/api/projects/', platform.personalApiKey)).body.results as { id: number }[];
    const other = projects.find((p) => p.id !== platform.team.id)!;
    expect((await call(`/api/projects/${other.id}/events/`, scopedKey)).status).toBe(403);
    expect((await call('/api/projects/', scopedKey)).body.results.map((p: { id: number }) => p.id)).toEqual([platform.team.id]);

    expect((await call('/api/projects/@current/', readOnlyKey)).status).toBe(200);
    const denied = await call('/api/projects/@current/events/', readOnlyKey);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/query:read/);
    const escalate = await call('/api/personal_api_keys/', readOnlyKey, { method: 'POST', body: JSON.stringify({ label: 'x', scopes: ['*'] }) });
    expect(escalate.status).toBe(403);
  });

  it('PATCH of a project changes its name, time zone, test-account filters and replay settings, refusing bad fields before writing any', async () => {
    const key = platform.personalApiKey;
    const before = await call('/api/projects/@current/', key);
    expect(before.body).toMatchObject({
      name: platform.team.name,
      timezone: 'UTC',
      test_account_filters: [{ key: '$host', type: 'event', operator: 'not_regex', value: '^(localhost|127\\.0\\.0\\.1)($|:)' }],
      session_recording_opt_in: false,
    });
    const filters = [{ key: 'email', type: 'person', operator: 'not_icontains', value: '@hedgerow.test' }];
    const patched = await call('/api/projects/@current/', key, { method: 'PATCH', body: JSON.stringify({ name: ' Renamed ', timezone: 'Europe/Berlin', test_account_filters: filters }) });
    expect(patched).toMatchObject({ status: 200, body: { id: platform.team.id, name: 'Renamed', timezone: 'Europe/Berlin', test_account_filters: filters, session_recording_opt_in: false } });
    expect((await call(`/api/environments/${platform.team.id}/`, key)).body).toMatchObject({ name: 'Renamed', timezone: 'Europe/Berlin', test_account_filters: filters });

    const bad: [Record<string, unknown>, string][] = [
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ name: '' }, 'name'],
      [{ test_account_filters: 'none' }, 'test_account_filters'],
      [{ test_account_filters: [{ key: 'x', type: 'weird' }] }, 'test_account_filters'],
      [{ name: 'Never saved', session_recording_opt_in: 'yes' }, 'session_recording_opt_in'],
      [{ api_token: 'phc_mine' }, 'api_token'],
    ];
    for (const [body, attr] of bad) {
      const res = await call('/api/projects/@current/', key, { method: 'PATCH', body: JSON.stringify(body) });
      expect(res).toMatchObject({ status: 400, body: { attr } });
    }
    expect((await call('/api/projects/@current/', key)).body.name).toBe('Renamed');
    expect((await call('/api/projects/@current/', readOnlyKey, { method: 'PATCH', body: JSON.stringify({ name: 'x' }) })).status).toBe(403);
    expect((await call(`/api/projects/${otherOrgProject}/`, key, { method: 'PATCH', body: JSON.stringify({ name: 'x' }) })).status).toBe(404);
    await call('/api/projects/@current/', key, { method: 'PATCH', body: JSON.stringify({ name: platform.team.name, timezone: 'UTC' }) });
  });

  it("never shows another organisation's project", async () => {
    for (const route of ['/', '/events/', '/persons/']) {
      const res = await call(`/api/projects/${otherOrgProject}${route}`, platform.personalApiKey);
      expect(res.status).toBe(404);
    }
  });
});

describe('bad input', () => {
  it.each([
    ['/api/projects/@current/events/?limit=0', 'limit'],
    ['/api/projects/@current/events/?limit=abc', 'limit'],
    ['/api/projects/@current/events/?after=not-a-date', 'after'],
    ['/api/projects/@current/persons/?offset=-1', 'offset'],
  ])('%s → 400 naming the parameter', async (route, name) => {
    const res = await call(route, platform.personalApiKey);
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain(name);
  });

  it('refuses malformed bodies and invalid fields with 400', async () => {
    const post = (route: string, body: string) => call(route, platform.personalApiKey, { method: 'POST', body });
    expect((await post('/api/projects/', '{not json')).status).toBe(400);
    expect((await post('/api/projects/', '[1,2]')).status).toBe(400);
    expect((await post('/api/projects/', JSON.stringify({ name: 42 }))).status).toBe(400);
    expect((await post('/api/personal_api_keys/', JSON.stringify({ label: '' }))).status).toBe(400);
    expect((await post('/api/personal_api_keys/', JSON.stringify({ label: 'x', scopes: ['everything'] }))).status).toBe(400);
    expect((await post('/api/personal_api_keys/', JSON.stringify({ label: 'x', scoped_teams: [otherOrgProject] }))).status).toBe(400);
  });

  it('answers unknown routes and methods with JSON 404 and 405', async () => {
    expect(await call('/api/nope/', platform.personalApiKey)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await call('/api/projects/@current/events/', platform.personalApiKey, { method: 'DELETE' })).toMatchObject({ status: 405 });
  });

  it('project ids that are not numbers are not found', async () => {
    expect((await call('/api/projects/abc/events/', platform.personalApiKey)).status).toBe(404);
    expect((await call("/api/projects/1'%20OR%201=1/events/", platform.personalApiKey)).status).toBe(404);
  });
});
