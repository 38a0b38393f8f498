/**
 * posthog-node's feature flags against a running Hedgerow: remote evaluation through /flags,
 * local evaluation from /flags/definitions with a personal API key, payloads, groups, and the
 * $feature_flag_called events the SDK sends back through capture.
 */
import { PostHog } from 'posthog-node';
import { api, eventually, startHedgerow, type RunningHedgerow } from '../support/hedgerow-process';

let h: RunningHedgerow;
let remote: PostHog;
let local: PostHog;

const flag = (body: Record<string, unknown>) => api<{ id: number; key: string }>(h, '/api/projects/@current/feature_flags/', { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  h = await startHedgerow();
  const created = await Promise.all([
    flag({ key: 'simple-flag', name: 'Simple', filters: { groups: [{ properties: [], rollout_percentage: 50 }] } }),
    flag({
      key: 'multivariate-flag',
      filters: {
        groups: [{ properties: [], rollout_percentage: 100 }],
        multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 30 }, { key: 'test-2', rollout_percentage: 20 }] },
        payloads: { control: '{"color":"blue"}', test: '{"color":"red"}' },
      },
    }),
    flag({
      key: 'email-flag',
      filters: {
        groups: [
          { properties: [{ key: 'email', type: 'person', value: '@example.com', operator: 'icontains' }], rollout_percentage: 100 },
          { properties: [{ key: 'plan', type: 'person', value: ['pro', 'enterprise'], operator: 'exact' }], rollout_percentage: 30 },
        ],
      },
    }),
    flag({ key: 'off-flag', active: false, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } }),
  ]);
  for (const c of created) expect(c.status).toBe(201);
  // A group type exists once an event with the group has been ingested.
  await fetch(`${h.url}/batch/`, {
    method: 'POST',
    body: JSON.stringify({ api_key: h.token, batch: [{ event: 'seed', distinct_id: 'seed', properties: { $groups: { company: 'acme' } } }] }),
  });
  await eventually(async () => (await api<{ results: unknown[] }>(h, '/api/projects/@current/events/?event=seed')).body.results.length > 0);
  expect((await flag({ key: 'group-rollout', filters: { aggregation_group_type_index: 0, groups: [{ properties: [], rollout_percentage: 50 }] } })).status).toBe(201);

  remote = new PostHog(h.token, { host: h.url, flushAt: 1, flushInterval: 0 });
  local = new PostHog(h.token, { host: h.url, personalApiKey: h.personalApiKey, flushAt: 1, flushInterval: 0, featureFlagsPollingInterval: 60_000 });
}, 180_000);

afterAll(async () => {
  await remote?.shutdown();
  await local?.shutdown();
  await h?.stop();
  h?.removeData();
});

describe('posthog-node flags against Hedgerow', () => {
  it('evaluates remotely with the contract vectors (hash, rollout, variants, payloads)', async () => {
    const expected: Record<string, boolean> = { 'user-1': false, 'user-2': true, 'user-3': false, 'user-4': true, 'user-6': true, 'some-distinct-id': true };
    for (const [id, enabled] of Object.entries(expected)) expect(await remote.isFeatureEnabled('simple-flag', id)).toBe(enabled);
    expect(await remote.getFeatureFlag('multivariate-flag', 'user-1')).toBe('control');
    expect(await remote.getFeatureFlag('multivariate-flag', 'user-3')).toBe('test-2');
    expect(await remote.getFeatureFlag('multivariate-flag', 'user-4')).toBe('test');
    expect(await remote.getFeatureFlagPayload('multivariate-flag', 'user-4')).toEqual({ color: 'red' });
    // Inactive flags are omitted from /flags answers (contract §3.2), so the SDK knows nothing of them.
    expect(await remote.getFeatureFlag('off-flag', 'user-1')).toBeUndefined();
    expect(await remote.getFeatureFlag('email-flag', 'u5', { personProperties: { plan: 'pro' } })).toBe(true);
    expect(await remote.getFeatureFlag('email-flag', 'u9', { personProperties: { email: 'A@EXAMPLE.com' } })).toBe(true);
    expect(await remote.getFeatureFlag('group-rollout', 'anyone', { groups: { company: 'initech' } })).toBe(true);
    expect(await remote.getFeatureFlag('group-rollout', 'anyone', { groups: { company: 'acme' } })).toBe(false);
  });

  it('evaluates locally from the definitions Hedgerow serves, agreeing with the server', async () => {
    await local.reloadFeatureFlags();
    for (const id of ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6', 'user-7', 'another-distinct-id']) {
      const localAll = await local.getAllFlags(id, { onlyEvaluateLocally: true, personProperties: { email: `${id}@other.com`, plan: 'free' } });
      const remoteAll = await remote.getAllFlags(id, { personProperties: { email: `${id}@other.com`, plan: 'free' } });
      // The local evaluator lists inactive flags as false; the server omits them (contract §3.2, §3.10).
      expect(localAll['off-flag']).toBe(false);
      delete localAll['off-flag'];
      expect(localAll).toEqual(remoteAll);
    }
    expect(await local.getFeatureFlag('multivariate-flag', 'another-distinct-id', { onlyEvaluateLocally: true })).toBe('test');
  });

  it('sends $feature_flag_called back through capture', async () => {
    await remote.getFeatureFlag('multivariate-flag', 'caller-1');
    await remote.flush();
    const called = await eventually(async () => {
      const { body } = await api<{ results: { properties: Record<string, unknown> }[] }>(h, '/api/projects/@current/events/?event=$feature_flag_called&distinct_id=caller-1');
      return body.results[0];
    });
    expect(called.properties).toMatchObject({ $feature_flag: 'multivariate-flag', $feature_flag_response: expect.any(String) });
  });

  it('answers from stored persons, and follows their changes as ingestion makes them', async () => {
    expect((await flag({ key: 'pro-only', filters: { groups: [{ properties: [{ key: 'plan', type: 'person', value: 'pro', operator: 'exact' }], rollout_percentage: 100 }] } })).status).toBe(201);
    const identify = (plan: string) => {
      remote.identify({ distinctId: 'stored-1', properties: { plan } });
      return remote.flush();
    };
    const personPlan = async () => {
      const { body } = await api<{ results: { properties: Record<string, unknown> }[] }>(h, '/api/projects/@current/persons/?distinct_id=stored-1');
      return body.results[0]?.properties.plan;
    };
    // The first answer (no person yet) is remembered by the server's cache; ingestion must make it forget.
    expect(await remote.getFeatureFlag('pro-only', 'stored-1')).toBe(false);
    await identify('pro');
    await eventually(async () => (await personPlan()) === 'pro');
    await eventually(async () => (await remote.getFeatureFlag('pro-only', 'stored-1')) === true, 5_000);
    await identify('free');
    await eventually(async () => (await personPlan()) === 'free');
    await eventually(async () => (await remote.getFeatureFlag('pro-only', 'stored-1')) === false, 5_000);
  });

  it('answers 304 to a definitions poll whose ETag still matches', async () => {
    const first = await fetch(`${h.url}/flags/definitions?token=${h.token}&send_cohorts`, { headers: { authorization: `Bearer ${h.personalApiKey}` } });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${h.url}/flags/definitions?token=${h.token}&send_cohorts`, { headers: { authorization: `Bearer ${h.personalApiKey}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const noKey = await fetch(`${h.url}/flags/definitions?token=${h.token}`);
    expect(noKey.status).toBe(401);
    const projectToken = await fetch(`${h.url}/flags/definitions?token=${h.token}`, { headers: { authorization: `Bearer ${h.token}` } });
    expect(projectToken.status).toBe(401);
  });
});
