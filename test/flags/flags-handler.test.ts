/**
 * The /flags and /decide handler: answer shapes per version, config fields, when persons are read
 * (never when the request's overrides cover what the flags reference), continuity, a failing
 * data source, and bad input — all without a network or a database.
 */
import { NO_SUBJECT, type FlagDataSource, type FlagSubject, type FlagSubjectQuery } from '../../lib/flags/flag-data-source';
import { FlagDefinitionsStore } from '../../lib/flags/flag-definitions';
import { createFlagsHandler } from '../../lib/flags/flags-handler';
import { RECORDING_OFF } from '../../lib/flags/remote-config';
import type { FeatureFlag } from '../../lib/flags/types';
import type { HttpRequest, HttpResponse } from '../../lib/http/types';
import { silentLogger } from '../../lib/observability/logger';
import type { KeyValueStore } from '../../lib/ports/key-value-store';
import { CONTRACT_FLAGS, flag } from './evaluation/fixtures';

const TOKEN = 'phc_handler';

/** The contract's definitions (group-rollout aside: no group types here), a continuity flag and an inactive one. */
const FLAGS: FeatureFlag[] = [
  ...CONTRACT_FLAGS.filter((f) => f.key !== 'group-rollout'),
  flag('continuity-flag', { groups: [{ properties: [], rollout_percentage: 50 }] }, { id: 4, ensure_experience_continuity: true }),
  flag('off-flag', { groups: [{ properties: [], rollout_percentage: 100 }] }, { id: 5, active: false }),
];

function memoryKv(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    put: async (key, value) => (map.set(key, value), true),
    delete: async (key) => void map.delete(key),
    close: async () => undefined,
  };
}

/** A data source that records what it was asked; `fail` makes it throw like an unreachable database. */
function recordingSource(stored: Partial<FlagSubject> = {}) {
  const calls: FlagSubjectQuery[] = [];
  const overrides: { distinctId: string; hashKey: string; keys: readonly string[] }[] = [];
  const source: FlagDataSource & { fail: boolean } = {
    fail: false,
    async load(query) {
      calls.push(query);
      if (source.fail) throw new Error('connection refused');
      return query.person ? { ...NO_SUBJECT, ...stored } : NO_SUBJECT;
    },
    async addHashKeyOverrides(_team, distinctId, hashKey, keys) {
      overrides.push({ distinctId, hashKey, keys });
      return Object.fromEntries(keys.map((k) => [k, hashKey]));
    },
  };
  return { source, calls, overrides };
}

async function handlerWith(source: FlagDataSource, flags: FeatureFlag[] = FLAGS) {
  const kv = memoryKv();
  await kv.put('flag-definitions:1', { flags, cohorts: [], groupTypes: [], stamp: 's1' });
  return createFlagsHandler({
    tokens: { lookup: async (token) => (token === TOKEN ? { teamId: 1, token } : undefined) },
    definitions: new FlagDefinitionsStore({ kv }),
    data: source,
    settings: RECORDING_OFF,
    logger: silentLogger,
  });
}

function post(path: string, body: unknown, query = ''): HttpRequest {
  return {
    method: 'POST',
    path,
    query: new URLSearchParams(query),
    headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    sourceIp: '127.0.0.1',
  };
}

const bodyOf = (res: HttpResponse) => JSON.parse(String(res.body)) as Record<string, unknown>;

describe('/flags answers', () => {
  it('v=2: every active flag with enabled, variant, reason and metadata (payloads as JSON strings)', async () => {
    const { source } = recordingSource();
    const res = await (await handlerWith(source))(post('/flags/', { token: TOKEN, distinct_id: 'user-4', person_properties: { email: 'a@example.com' } }, 'v=2'));
    expect(res.status).toBe(200);
    expect(res.headers?.['access-control-allow-origin']).toBe('https://shop.example');
    const body = bodyOf(res) as { flags: Record<string, Record<string, unknown>>; errorsWhileComputingFlags: boolean; requestId: string };
    expect(Object.keys(body.flags).sort()).toEqual(['continuity-flag', 'email-flag', 'multivariate-flag', 'simple-flag']);
    // Contract §3.5 vectors: user-4 is in simple-flag's 50 % and gets "test" of the variants.
    expect(body.flags['simple-flag']).toMatchObject({ key: 'simple-flag', enabled: true, variant: null, reason: { code: 'condition_match', condition_index: 0 }, metadata: { id: 1, version: 1 } });
    expect(body.flags['multivariate-flag']).toMatchObject({ enabled: true, variant: 'test', metadata: { payload: '{"color":"red"}' } });
    expect(body.flags['email-flag']).toMatchObject({ enabled: true, reason: { code: 'condition_match', condition_index: 0 } });
    expect(body.errorsWhileComputingFlags).toBe(false);
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).not.toHaveProperty('supportedCompression');
  });

  it('v=1 and the decide versions each have their shape', async () => {
    const { source } = recordingSource();
    const handler = await handlerWith(source);
    const req = (path: string, query: string) => handler(post(path, { token: TOKEN, distinct_id: 'user-1', person_properties: { email: 'x@other.org' } }, query));
    // user-1: simple-flag off, variant "control" (contract vectors).
    const v1 = bodyOf(await req('/flags/', 'v=1'));
    expect(v1.featureFlags).toEqual({ 'simple-flag': false, 'multivariate-flag': 'control', 'email-flag': false, 'continuity-flag': expect.any(Boolean) });
    expect(v1.featureFlagPayloads).toEqual({ 'multivariate-flag': '{"color":"blue"}' });
    const d1 = bodyOf(await req('/decide/', 'v=1'));
    expect((d1.featureFlags as string[]).sort()).toEqual(expect.arrayContaining(['multivariate-flag']));
    expect(d1.featureFlags).not.toContain('simple-flag');
    expect(d1).toHaveProperty('sessionRecording', false);
    expect(d1).toHaveProperty('supportedCompression');
    const d2 = bodyOf(await req('/decide/', 'v=2'));
    expect(d2.featureFlags).toMatchObject({ 'multivariate-flag': 'control' });
    expect(d2.featureFlags).not.toHaveProperty('simple-flag');
    const d3 = bodyOf(await req('/decide/', 'v=3'));
    expect(d3.featureFlags).toMatchObject({ 'simple-flag': false, 'multivariate-flag': 'control' });
    const d4 = bodyOf(await req('/decide/', 'v=4'));
    expect(d4.flags).toHaveProperty(['multivariate-flag', 'variant'], 'control');
    // /flags without v: v2 with the config fields.
    const bare = bodyOf(await req('/flags/', ''));
    expect(bare.flags).toHaveProperty(['simple-flag', 'enabled'], false);
    expect(bare).toHaveProperty('hasFeatureFlags', true);
  });

  it('flag_keys_to_evaluate limits the answer', async () => {
    const { source } = recordingSource();
    const body = bodyOf(await (await handlerWith(source))(post('/flags/', { token: TOKEN, distinct_id: 'u', flag_keys_to_evaluate: ['simple-flag'] }, 'v=2')));
    expect(Object.keys(body.flags as object)).toEqual(['simple-flag']);
  });
});

describe('/flags reads persons only when it must', () => {
  it('does not read the person when the overrides cover every referenced property', async () => {
    const { source, calls } = recordingSource({ personProperties: { email: 'stored@example.com' } });
    const handler = await handlerWith(source);
    await handler(post('/flags/', { token: TOKEN, distinct_id: 'u5', person_properties: { email: 'a@other.org', plan: 'pro' }, flag_keys_to_evaluate: ['email-flag'] }, 'v=2'));
    expect(calls.every((c) => !c.person)).toBe(true);
    // Without `plan` the person must be read, and its stored email decides.
    const res = bodyOf(await handler(post('/flags/', { token: TOKEN, distinct_id: 'u9', flag_keys_to_evaluate: ['email-flag'] }, 'v=2')));
    expect(calls[calls.length - 1]).toMatchObject({ distinctId: 'u9', person: true });
    expect(res.flags).toHaveProperty(['email-flag', 'enabled'], true);
  });

  it('reads the person for a property named like something every object inherits', async () => {
    const inherited = flag('inherited-name', { groups: [{ properties: [{ key: 'constructor', type: 'person', value: 'x', operator: 'exact' }], rollout_percentage: 100 }] }, { id: 6 });
    const { source, calls } = recordingSource({ personProperties: { constructor: 'x' } });
    const handler = await handlerWith(source, [inherited]);
    const res = bodyOf(await handler(post('/flags/', { token: TOKEN, distinct_id: 'u7', person_properties: {} }, 'v=2')));
    expect(calls[calls.length - 1]).toMatchObject({ distinctId: 'u7', person: true });
    expect(res.flags).toHaveProperty(['inherited-name', 'enabled'], true);
  });

  it('keeps an anonymous visitor bucketing on continuity flags by writing a hash-key override', async () => {
    const { source, overrides } = recordingSource({ personProperties: {} });
    const handler = await handlerWith(source);
    await handler(post('/flags/', { token: TOKEN, distinct_id: 'identified', $anon_distinct_id: 'anon-1' }, 'v=2'));
    expect(overrides).toEqual([{ distinctId: 'identified', hashKey: 'anon-1', keys: ['continuity-flag'] }]);
  });

  it('serves from the request when the data source fails, flagging errorsWhileComputingFlags', async () => {
    const { source } = recordingSource();
    source.fail = true;
    const res = await (await handlerWith(source))(post('/flags/', { token: TOKEN, distinct_id: 'user-4', person_properties: { email: 'a@example.com' } }, 'v=2'));
    expect(res.status).toBe(200);
    const body = bodyOf(res);
    expect(body.errorsWhileComputingFlags).toBe(true);
    expect(body.flags).toHaveProperty(['email-flag', 'enabled'], true);
  });
});

describe('/flags bad input', () => {
  it.each([
    ['no token', { distinct_id: 'u' }, 401],
    ['an unknown token', { token: 'phc_nobody', distinct_id: 'u' }, 401],
    ['a personal API key as token', { token: 'phx_secret', distinct_id: 'u' }, 401],
    ['no distinct_id', { token: TOKEN }, 400],
    ['a body that is not JSON', '{"token":', 400],
    ['a JSON array', '[1,2]', 400],
  ])('%s is refused with a 4xx and a JSON error', async (_name, body, status) => {
    const { source } = recordingSource();
    const res = await (await handlerWith(source))(post('/flags/', body, 'v=2'));
    expect(res.status).toBe(status);
    expect(bodyOf(res)).toMatchObject({ type: expect.any(String), code: expect.any(String), detail: expect.any(String) });
  });

  it('answers OPTIONS, HEAD and GET, and refuses other methods', async () => {
    const { source } = recordingSource();
    const handler = await handlerWith(source);
    const bare = (method: string): HttpRequest => ({ method, path: '/flags/', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1' });
    expect((await handler(bare('OPTIONS'))).status).toBe(204);
    expect((await handler(bare('HEAD'))).status).toBe(200);
    expect((await handler(bare('GET'))).status).toBe(200);
    const put = await handler(bare('PUT'));
    expect(put.status).toBe(405);
    expect(put.headers?.allow).toContain('POST');
  });
});
