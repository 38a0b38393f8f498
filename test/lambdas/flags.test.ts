import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Team } from '../../lib/accounts/accounts-repository';
import { posthogJsDistDir } from '../../lib/web/static-assets';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { albEvent, httpApiEvent } from '../support/lambda-events';
import { httpOf, invoke } from '../support/lambda-invoke';
import { apiCaller, startLambdaTest, stopLambdaTest } from '../support/lambda-project';

/**
 * Feature flags across the real Lambda handler modules, over local AWS (test/support/lambda-environment.ts):
 * a flag written through the api Lambda is published to DynamoDB, and the flags Lambda — which reads
 * nothing but DynamoDB — answers /flags and /decide with it; persons come from the projection the
 * ingestion-consumer Lambda writes, so /flags works while Aurora (the Data API) is unreachable.
 * Tests run in file order and build on each other.
 */
type Handlers = {
  api: typeof import('../../lambdas/api');
  flags: typeof import('../../lambdas/flags');
  capture: typeof import('../../lambdas/capture');
  consumer: typeof import('../../lambdas/ingestion-consumer');
};

let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: Handlers;
let team: Team;
let key: string;
let flagId: number;

beforeAll(async () => {
  ({ aws, store, project: { team, key } } = await startLambdaTest('flags', 'Flags'));
  Object.assign(process.env, aws.env);
  lambdas = {
    api: await import('../../lambdas/api'),
    flags: await import('../../lambdas/flags'),
    capture: await import('../../lambdas/capture'),
    consumer: await import('../../lambdas/ingestion-consumer'),
  };
}, 60_000);

afterAll(async () => {
  await stopLambdaTest(store, aws);
});

const api = apiCaller(() => lambdas.api.handler, () => key);

/** posthog-js' /flags request: POST /flags/?v=2&config=true with a JSON body. */
const flags = async (body: Record<string, unknown>, url = '/flags/?v=2') =>
  httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: team.apiToken, ...body }) }), 'flags')).result);

describe('flag definitions: api Lambda → DynamoDB → flags Lambda', () => {
  test('a flag created through the api is published to DynamoDB and served by /flags at once', async () => {
    const created = await api('POST', '/api/projects/@current/feature_flags/', {
      key: 'beta-banner',
      name: 'Beta banner for example.com',
      filters: { groups: [{ properties: [{ key: 'email', type: 'person', value: 'example.com', operator: 'icontains' }], rollout_percentage: 100 }], payloads: { true: '{"color":"green"}' } },
    });
    expect(created.status).toBe(201);
    flagId = created.json().id;
    const snapshot = await aws.kv.get<{ flags: { key: string }[] }>(`flag-definitions:${team.id}`);
    expect(snapshot?.flags.map((f) => f.key)).toEqual(['beta-banner']);

    const answer = await flags({ distinct_id: 'visitor-1', person_properties: { email: 'ada@example.com' } });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ errorsWhileComputingFlags: false, flags: { 'beta-banner': { key: 'beta-banner', enabled: true, metadata: { id: flagId, payload: '{"color":"green"}' } } } });
    expect((await flags({ distinct_id: 'visitor-2', person_properties: { email: 'bob@elsewhere.org' } })).json().flags['beta-banner'].enabled).toBe(false);
  });

  test('a project PATCH turning recording on is published, and the remote config (/array/:token/config.js) says so', async () => {
    const patched = await api('PATCH', `/api/projects/${team.id}/`, { session_recording_opt_in: true, session_recording_retention_period: '1y' });
    expect(patched.status).toBe(200);
    expect(await aws.kv.get(`replay-settings:${team.id}`)).toEqual({ optIn: true, retentionDays: 365 });

    const config = httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'GET', url: `/array/${team.apiToken}/config` }), 'flags')).result);
    expect(config.status).toBe(200);
    expect(config.json()).toMatchObject({ token: team.apiToken, hasFeatureFlags: true, supportedCompression: ['gzip', 'gzip-js'], sessionRecording: { endpoint: '/s/' } });
    const script = httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'GET', url: `/array/${team.apiToken}/config.js` }), 'flags')).result);
    expect(script.headers['content-type']).toBe('application/javascript');
    expect(script.body.toString()).toContain('window._POSTHOG_REMOTE_CONFIG');
  });

  test('an update through the api is what /flags serves next (within the in-process TTL)', async () => {
    const updated = await api('PATCH', `/api/projects/@current/feature_flags/${flagId}/`, {
      filters: { groups: [{ properties: [{ key: 'email', type: 'person', value: '@(example\\.com|elsewhere\\.org)$', operator: 'regex' }], rollout_percentage: 100 }] },
    });
    expect(updated.status).toBe(200);
    // The flags Lambda keeps what it read for 2 s (FlagDefinitionsStore's default TTL).
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await flags({ distinct_id: 'visitor-2', person_properties: { email: 'bob@elsewhere.org' } })).json().flags['beta-banner'].enabled).toBe(true);
  });

  test('the legacy /decide answers through an ALB event, in the v3 shape', async () => {
    const event = albEvent({ method: 'POST', url: '/decide/?v=3', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: team.apiToken, distinct_id: 'visitor-1', person_properties: { email: 'ada@example.com' } }) });
    const { result } = await invoke(lambdas.flags.handler, event, 'flags');
    expect(result).toMatchObject({ statusCode: 200, statusDescription: '200' });
    expect(httpOf(result).json()).toMatchObject({ featureFlags: { 'beta-banner': true }, errorsWhileComputingFlags: false });
  });

  test('should a front door hand /flags/ to capture (its catch-all), capture sends the client on to /flags with a 307', async () => {
    const body = JSON.stringify({ token: team.apiToken, distinct_id: 'visitor-1' });
    const { result } = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/flags/?v=2&config=true', headers: { 'content-type': 'application/json', origin: 'https://shop.example' }, body }), 'capture');
    expect(result).toMatchObject({ statusCode: 307, headers: { location: '/flags?v=2&config=true', 'access-control-allow-origin': 'https://shop.example' } });
    const preflight = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'OPTIONS', url: '/decide/?v=3', headers: { origin: 'https://shop.example' } }), 'capture');
    expect(preflight.result).toMatchObject({ statusCode: 200 });
    const followed = httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'POST', url: '/flags?v=2&config=true', headers: { 'content-type': 'application/json' }, body }), 'flags')).result);
    expect(followed.json()).toMatchObject({ flags: { 'beta-banner': { enabled: expect.any(Boolean) } }, sessionRecording: { endpoint: '/s/' } });
  });

  test('an unknown token is a 401, never a 5xx', async () => {
    const res = await flags({ token: 'phc_unknown_project', distinct_id: 'x' });
    expect(res.status).toBe(401);
  });
});

describe('persons for /flags without Aurora', () => {
  test('capture → ingestion-consumer projects the person into DynamoDB', async () => {
    const body = gzipSync(
      JSON.stringify({
        api_key: team.apiToken,
        batch: [{ event: '$identify', properties: { distinct_id: 'user-7', token: team.apiToken, $anon_distinct_id: 'anon-7', $set: { email: 'user7@example.com' } }, timestamp: new Date().toISOString() }],
      }),
    );
    const captured = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/i/v0/e/', headers: { 'content-type': 'text/plain' }, body }), 'capture');
    expect(captured.result).toMatchObject({ statusCode: 200 });
    const { result } = await invoke(lambdas.consumer.handler, await aws.kinesisEvent(aws.streams.events), 'ingestion-consumer');
    expect(result).toEqual({ batchItemFailures: [] });
    const uuid = await aws.kv.get<string>(`flags-did:${team.id}:user-7`);
    expect(uuid).toEqual(expect.any(String));
    expect(await aws.kv.get(`flags-did:${team.id}:anon-7`)).toBe(uuid);
    expect(await aws.kv.get(`flags-person:${team.id}:${uuid}`)).toMatchObject({ properties: { email: 'user7@example.com' } });
  });

  test('/flags evaluates stored person properties while the Data API answers nothing but errors', async () => {
    const before = aws.dataApi.requests.length;
    aws.dataApi.simulateResume(60_000); // a paused Aurora: every Data API call fails for a minute
    try {
      const res = await flags({ distinct_id: 'anon-7' });
      expect(res.json()).toMatchObject({ errorsWhileComputingFlags: false, flags: { 'beta-banner': { enabled: true } } });
      expect((await flags({ distinct_id: 'never-seen' })).json().flags['beta-banner'].enabled).toBe(false);
    } finally {
      aws.dataApi.simulateResume(0);
    }
    expect(aws.dataApi.requests.length).toBe(before);
  });
});

describe('local evaluation (api Lambda) and remote config (flags Lambda)', () => {
  test('GET /flags/definitions and /api/feature_flag/local_evaluation serve the definitions, with an ETag', async () => {
    const defs = await api('GET', `/flags/definitions?token=${team.apiToken}&send_cohorts`);
    expect(defs.status).toBe(200);
    expect(defs.json().flags.map((f: { key: string }) => f.key)).toEqual(['beta-banner']);
    const etag = defs.headers.etag;
    expect(etag).toBeTruthy();
    expect((await api('GET', `/flags/definitions?token=${team.apiToken}&send_cohorts`, undefined, { 'if-none-match': etag })).status).toBe(304);
    const legacy = await api('GET', `/api/feature_flag/local_evaluation/?token=${team.apiToken}`);
    expect(legacy.status).toBe(200);
    expect(legacy.json().flags[0]).toMatchObject({ key: 'beta-banner', active: true });
    expect((await api('GET', `/flags/definitions?token=${team.apiToken}`, undefined, { authorization: 'Bearer phx_not_a_key' })).status).toBe(401);
  });

  test('the SDKs’ product-feature requests get empty lists for a known token (api Lambda)', async () => {
    const surveys = httpOf((await invoke(lambdas.api.handler, httpApiEvent({ method: 'GET', url: `/api/surveys/?token=${team.apiToken}` }), 'api')).result);
    expect(surveys.status).toBe(200);
    expect(surveys.json()).toEqual({ surveys: [] });
    const unknown = httpOf((await invoke(lambdas.api.handler, httpApiEvent({ method: 'GET', url: '/api/early_access_features/?token=phc_nope' }), 'api')).result);
    expect(unknown.status).toBe(401);
  });

  test('the posthog-js bundles are served gzipped, byte for byte the npm package’s, within the ALB’s 1 MB', async () => {
    for (const file of ['lazy-recorder.js', 'array.full.js']) {
      const { result } = await invoke(lambdas.flags.handler, albEvent({ method: 'GET', url: `/static/${file}`, headers: { 'accept-encoding': 'gzip, deflate, br' } }), 'flags');
      const res = httpOf(result);
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({ 'content-encoding': 'gzip', 'content-type': 'application/javascript; charset=utf-8' });
      expect(gunzipSync(res.body).equals(fs.readFileSync(path.join(posthogJsDistDir(), file)))).toBe(true);
      expect(Buffer.byteLength((result as { body: string }).body)).toBeLessThan(1_000_000);
    }
    const plain = httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'GET', url: '/static/1.449.2/recorder.js' }), 'flags')).result);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(fs.readFileSync(path.join(posthogJsDistDir(), 'recorder.js')))).toBe(true);
    expect(httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'GET', url: '/static/../package.json' }), 'flags')).result).status).toBe(404);
  });
});
