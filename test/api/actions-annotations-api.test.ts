/** /api/projects/:id/actions/ and /annotations/: CRUD in PostHog's shapes, soft delete, scoping, bad input. */
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;
const ACTIONS = '/api/projects/@current/actions/';
const ANNOTATIONS = '/api/projects/@current/annotations/';
const send = (method: string, path: string, body: unknown, key?: string) => h.call(path, { method, body: JSON.stringify(body), key });

beforeAll(async () => {
  h = await startQueryHarness();
}, 90_000);

afterAll(async () => {
  await h.stop();
});

describe('actions', () => {
  it("creates, retrieves, lists, updates and soft deletes an action in PostHog's shape", async () => {
    const steps = [
      { event: '$pageview', url: '/pricing', url_matching: 'contains' },
      { event: '$autocapture', selector: 'button.buy', text: 'Buy', properties: [{ key: 'plan', value: ['pro'], operator: 'exact', type: 'event' }] },
    ];
    const created = await send('POST', ACTIONS, { name: 'Bought', description: 'Clicked buy', steps, tags: ['Sales'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Bought',
      description: 'Clicked buy',
      tags: ['sales'],
      deleted: false,
      is_action: true,
      team_id: h.teamId,
      created_by: { email: 'admin@hedgerow.local' },
      steps: [
        { event: '$pageview', url: '/pricing', url_matching: 'contains', text: null, selector: null, properties: [] },
        { event: '$autocapture', selector: 'button.buy', text: 'Buy', text_matching: 'exact', properties: [{ key: 'plan', value: ['pro'] }] },
      ],
    });
    const id = created.body.id;
    expect((await h.call(`${ACTIONS}${id}/`)).body).toEqual(created.body);
    expect((await h.call(`${ACTIONS}?search=boug`)).body).toMatchObject({ count: 1, results: [{ id }] });
    const renamed = await send('PATCH', `${ACTIONS}${id}/`, { name: 'Purchased' });
    expect(renamed.body).toMatchObject({ name: 'Purchased', steps: created.body.steps });
    expect((await send('PUT', `${ACTIONS}${id}/`, { description: 'no name' })).body.attr).toBe('name');
    expect((await h.call(`${ACTIONS}${id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`${ACTIONS}${id}/`)).body.deleted).toBe(true);
    expect((await h.call(`${ACTIONS}?search=Purchased`)).body.count).toBe(0);
    // A deleted action's name is free again.
    expect((await send('POST', ACTIONS, { name: 'Purchased', steps: [] })).status).toBe(201);
  });

  it('refuses bad input with 400 naming the field', async () => {
    await send('POST', ACTIONS, { name: 'Taken', steps: [] });
    const cases: [unknown, string][] = [
      [{ steps: [] }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'Taken' }, 'name'],
      [{ name: 'a', steps: {} }, 'steps'],
      [{ name: 'a', steps: ['x'] }, 'steps[0]'],
      [{ name: 'a', steps: [{ event: 5 }] }, 'steps[0].event'],
      [{ name: 'a', steps: [{ url: '/x', url_matching: 'fuzzy' }] }, 'steps[0].url_matching'],
      [{ name: 'a', steps: [{ url: '(unclosed', url_matching: 'regex' }] }, 'steps[0].url'],
      [{ name: 'a', steps: [{ properties: [{ value: 1 }] }] }, 'steps[0].properties'],
      [{ name: 'a', tags: [1] }, 'tags'],
      [{ name: 'a', pinned_at: 'yesterday' }, 'pinned_at'],
    ];
    for (const [body, attr] of cases) {
      const res = await send('POST', ACTIONS, body);
      expect(res.status).toBe(400);
      expect(res.body.attr).toBe(attr);
    }
  });

  it("keeps projects apart", async () => {
    const mine = await send('POST', ACTIONS, { name: 'Only mine', steps: [{ event: 'x' }] });
    expect((await h.call(`/api/projects/${h.otherTeamId}/actions/${mine.body.id}/`)).status).toBe(404);
    expect((await h.call(`/api/projects/${h.teamId}/actions/`, { key: h.otherTeamKey })).status).toBe(403);
    expect((await h.call(ACTIONS, { key: null })).status).toBe(401);
    expect((await h.call(ACTIONS, { key: h.platform.team.apiToken })).status).toBe(401);
    expect((await h.call(`/api/projects/${h.otherOrgTeamId}/actions/`)).status).toBe(404);
  });
});

describe('annotations', () => {
  it("creates, lists, updates and soft deletes annotations in PostHog's shape", async () => {
    const insight = await send('POST', '/api/projects/@current/insights/', { name: 'Annotated' });
    const created = await send('POST', ANNOTATIONS, { content: 'Launched v2', date_marker: '2026-03-01T12:00:00Z', scope: 'dashboard_item', dashboard_item: insight.body.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      content: 'Launched v2',
      date_marker: '2026-03-01T12:00:00.000Z',
      scope: 'dashboard_item',
      dashboard_item: insight.body.id,
      insight_short_id: insight.body.short_id,
      insight_name: 'Annotated',
      creation_type: 'USR',
      deleted: false,
      created_by: { email: 'admin@hedgerow.local' },
    });
    const project = await send('POST', ANNOTATIONS, { content: 'Outage', date_marker: '2026-02-01T00:00:00Z', scope: 'project' });
    const list = await h.call(ANNOTATIONS);
    expect(list.body.results.map((a: { id: number }) => a.id)).toEqual([created.body.id, project.body.id]);
    expect((await h.call(`${ANNOTATIONS}?scope=project`)).body.results.map((a: { id: number }) => a.id)).toEqual([project.body.id]);
    expect((await h.call(`${ANNOTATIONS}?date_from=2026-02-15T00:00:00Z`)).body.results.map((a: { id: number }) => a.id)).toEqual([created.body.id]);
    expect((await h.call(`${ANNOTATIONS}?search=outa`)).body.count).toBe(1);

    const patched = await send('PATCH', `${ANNOTATIONS}${project.body.id}/`, { content: 'Big outage' });
    expect(patched.body).toMatchObject({ content: 'Big outage', scope: 'project', date_marker: '2026-02-01T00:00:00.000Z' });
    expect((await h.call(`${ANNOTATIONS}${project.body.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call(`${ANNOTATIONS}${project.body.id}/`)).body.deleted).toBe(true);
    expect((await h.call(`${ANNOTATIONS}?search=outage`)).body.count).toBe(0);
  });

  it("shows organization-scoped annotations in the organisation's other projects only", async () => {
    const org = await send('POST', ANNOTATIONS, { content: 'Company offsite', scope: 'organization', date_marker: '2026-04-01T00:00:00Z' });
    const local = await send('POST', ANNOTATIONS, { content: 'Local only', scope: 'project', date_marker: '2026-04-02T00:00:00Z' });
    const other = await h.call(`/api/projects/${h.otherTeamId}/annotations/`, { key: h.otherTeamKey });
    const ids = other.body.results.map((a: { id: number }) => a.id);
    expect(ids).toContain(org.body.id);
    expect(ids).not.toContain(local.body.id);
    expect((await h.call(`/api/projects/${h.otherTeamId}/annotations/${local.body.id}/`, { key: h.otherTeamKey })).status).toBe(404);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ content: 5 }, 'content'],
      [{ content: 'x', date_marker: 'soon' }, 'date_marker'],
      [{ content: 'x', scope: 'galaxy' }, 'scope'],
      [{ content: 'x', scope: 'dashboard_item' }, 'dashboard_item'],
      [{ content: 'x', dashboard_item: 999_999 }, 'dashboard_item'],
      [{ content: 'x', dashboard_item: 'one' }, 'dashboard_item'],
      [{ content: 'x', scope: 'dashboard', dashboard_id: 999_999 }, 'dashboard_id'],
      [{ content: 'x'.repeat(401) }, 'content'],
    ];
    for (const [body, attr] of cases) {
      const res = await send('POST', ANNOTATIONS, body);
      expect(res.status).toBe(400);
      expect(res.body.attr).toBe(attr);
    }
    expect((await h.call(`${ANNOTATIONS}?scope=galaxy`)).status).toBe(400);
    expect((await h.call(`${ANNOTATIONS}?date_from=soon`)).status).toBe(400);
  });
});
