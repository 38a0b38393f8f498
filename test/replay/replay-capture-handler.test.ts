import { gzipSync } from 'node:zlib';
import { silentLogger } from '../../lib/observability/logger';
import { createNewSessionRateLimiter } from '../../lib/replay/rate-limiter';
import { createReplayCaptureHandler, type ReplayCaptureHandlerDeps } from '../../lib/replay/replay-capture-handler';
import { parseReplayRecord } from '../../lib/replay/replay-record';
import { bodyOf, fixtureBody, MapTokens, MemoryBus, NOW, request, snapshotEvent, TEAM_ID, TOKEN } from './replay-harness';

function harness(overrides: Partial<ReplayCaptureHandlerDeps> = {}) {
  const bus = new MemoryBus();
  const tokens = new MapTokens();
  const handler = createReplayCaptureHandler({ bus, tokens, logger: silentLogger, now: () => NOW, ...overrides });
  return { bus, tokens, handler };
}

const post = (body: unknown, init: Parameters<typeof request>[0] = {}) =>
  request({ path: '/s/', headers: { 'content-type': 'text/plain' }, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : gzipSync(JSON.stringify(body)), ...init });

describe('/s accepts what posthog-js sends', () => {
  test('the real posthog-js request: one record on the recordings stream, keyed token:session_id', async () => {
    const { handler, bus } = harness();
    const body = fixtureBody();
    const response = await handler(post(body)); // gzip, text/plain, no hint (as posthog-js)
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'Ok' });
    expect(bus.puts.map((p) => p.stream)).toEqual(['recordings']);
    const [record] = bus.records;
    const props = body[0].properties as Record<string, unknown>;
    expect(record.partitionKey).toBe(`${TOKEN}:${props.$session_id}`);
    const parsed = parseReplayRecord(Buffer.from(record.data));
    expect(parsed.header).toEqual({
      teamId: TEAM_ID,
      token: TOKEN,
      sessionId: props.$session_id,
      distinctId: 'user-1',
      nowIso: NOW.toISOString(),
      snapshotSource: 'web',
      snapshotLibrary: 'web',
    });
    expect(parsed.segments).toEqual([{ windowId: props.$window_id, items: props.$snapshot_data }]);
  });

  test('both paths, plain JSON too; OPTIONS is a preflight', async () => {
    const { handler, bus } = harness();
    for (const path of ['/s', '/s/']) expect((await handler(post(JSON.stringify(fixtureBody()), { path }))).status).toBe(200);
    expect(bus.records).toHaveLength(2);
    const preflight = await handler(request({ method: 'OPTIONS', path: '/s/', headers: { origin: 'https://site.example' } }));
    expect(preflight.status).toBe(200);
    expect(preflight.headers?.['access-control-allow-origin']).toBe('https://site.example');
  });

  test('events of several sessions and windows: one record per session, windows kept, window defaults to the session', async () => {
    const { handler, bus } = harness();
    const events = [
      snapshotEvent('s-1', [{ type: 4, timestamp: 1 }]),
      snapshotEvent('s-2', [{ type: 4, timestamp: 2 }], { distinct_id: 'user-2', $window_id: undefined }),
      snapshotEvent('s-1', [{ type: 3, timestamp: 3 }], { $window_id: 'other' }),
      snapshotEvent('s-1', { type: 3, timestamp: 4 } as unknown as unknown[], { $window_id: 'other' }), // an object is one item
      { event: '$snapshot', properties: { $snapshot_data: [{ type: 5, timestamp: 5 }] } }, // inherits the first event's session
    ];
    expect((await handler(post(events))).status).toBe(200);
    const records = bus.records.map((r) => ({ key: r.partitionKey, ...parseReplayRecord(Buffer.from(r.data)) }));
    expect(records.map((r) => r.key)).toEqual([`${TOKEN}:s-1`, `${TOKEN}:s-2`]);
    expect(records[0].segments).toEqual([
      { windowId: 's-1-w', items: [{ type: 4, timestamp: 1 }] },
      { windowId: 'other', items: [{ type: 3, timestamp: 3 }, { type: 3, timestamp: 4 }] },
      { windowId: 's-1', items: [{ type: 5, timestamp: 5 }] }, // no $window_id: the session id
    ]);
    expect(records[1].header.distinctId).toBe('user-2');
    expect(records[1].segments).toEqual([{ windowId: 's-2', items: [{ type: 4, timestamp: 2 }] }]);
  });

  test('a large session is split across records under the record limit; an oversized event is chunked', async () => {
    const { handler, bus } = harness();
    const items = Array.from({ length: 40 }, (_, i) => ({ type: 3, timestamp: i, data: { source: 0, adds: 'x'.repeat(100_000) } }));
    items.push({ type: 2, timestamp: 99, data: { source: 0, adds: 'y'.repeat(2_500_000) } });
    expect((await handler(post([snapshotEvent('big', items)]))).status).toBe(200);
    expect(bus.records.length).toBeGreaterThan(5);
    for (const r of bus.records) {
      expect(r.partitionKey).toBe(`${TOKEN}:big`);
      expect(r.data.length + r.partitionKey.length).toBeLessThanOrEqual(1_000_000);
    }
    const parsed = bus.records.map((r) => parseReplayRecord(Buffer.from(r.data)));
    expect(parsed.flatMap((p) => p.segments.flatMap((s) => s.items)).length).toBe(40);
    expect(parsed.filter((p) => p.chunk).length).toBeGreaterThanOrEqual(3);
  });

  test('$snapshot_data: [] is accepted and writes nothing', async () => {
    const { handler, bus } = harness();
    expect((await handler(post([snapshotEvent('s', [])]))).status).toBe(200);
    expect(bus.puts).toHaveLength(0);
  });
});

describe('/s refuses bad input with a JSON error and writes nothing', () => {
  async function refused(body: unknown, status: number, code: string, init: Parameters<typeof request>[0] = {}) {
    const { handler, bus } = harness();
    const response = await handler(post(body, init));
    expect(response.status).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(response)).toEqual({ status, code, error: expect.stringMatching(/.+/) });
    expect(bus.puts).toHaveLength(0);
  }
  const props = (p: Record<string, unknown>) => [{ event: '$snapshot', properties: { token: TOKEN, distinct_id: 'u', $session_id: 's', $snapshot_data: [], ...p } }];

  test.each<[string, unknown, string]>([
    ['no $session_id', props({ $session_id: undefined }), 'missing_session_id'],
    ['an empty $session_id', props({ $session_id: '' }), 'missing_session_id'],
    ['a $session_id that is a number', props({ $session_id: 12 }), 'invalid_session_id'],
    ['a $session_id with a slash', props({ $session_id: '../etc' }), 'invalid_session_id'],
    ['a $session_id of 71 characters', props({ $session_id: 'a'.repeat(71) }), 'invalid_session_id'],
    ['a bad $session_id on a later event', [...props({}), ...props({ $session_id: 'x y' })], 'invalid_session_id'],
    ['no $snapshot_data', props({ $snapshot_data: undefined }), 'missing_snapshot_data'],
    ['$snapshot_data a string', props({ $snapshot_data: 'x' }), 'missing_snapshot_data'],
    ['$snapshot_data missing on a later event', [...props({}), ...props({ $snapshot_data: null })], 'missing_snapshot_data'],
    ['no distinct id', props({ distinct_id: undefined }), 'missing_distinct_id'],
    ['properties not an object', [{ event: '$snapshot', token: TOKEN, properties: [1] }], 'request_parsing_error'],
    ['an event that is not an object', [...props({}), 12], 'request_parsing_error'],
    ['invalid JSON', '[{"event":', 'request_parsing_error'],
    ['an empty array', '[]', 'empty_batch'],
    ['tokens that disagree', [...props({}), ...props({ token: 'phc_other' })], 'unroutable_events'],
    ['a snapshot nested too deeply', `[{"event":"$snapshot","properties":{"token":"${TOKEN}","distinct_id":"u","$session_id":"s","$snapshot_data":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}}]`, 'request_parsing_error'],
  ])('%s → 400', async (_name, body, code) => {
    await refused(body, 400, code);
  });

  test('no token → 401; a personal key → 401; an unknown token → 401', async () => {
    await refused(props({ token: undefined }), 401, 'ingest_key_required');
    await refused(props({ token: 'phx_personal' }), 401, 'ingest_key_unknown');
    await refused(props({ token: 'phc_nobody' }), 401, 'ingest_key_unknown');
  });

  test('an empty body → 400; truncated gzip → 400; a body over the limit → 413', async () => {
    await refused('', 400, 'empty_payload');
    const gz = gzipSync(JSON.stringify(props({})));
    await refused(gz.subarray(0, gz.length - 10), 400, 'request_decoding_error');
    const { handler } = harness({ limits: { bodyBytes: 100 } });
    expect((await handler(post('x'.repeat(101)))).status).toBe(413);
    const small = harness({ limits: { decodedBytes: 1000 } });
    expect((await small.handler(post(gzipSync(JSON.stringify(props({ $snapshot_data: ['z'.repeat(5000)] })))))).status).toBe(413);
  });

  test('other paths are 404 and other methods 405', async () => {
    const { handler } = harness();
    expect((await handler(post(props({}), { path: '/e/' }))).status).toBe(404);
    expect((await handler(post(props({}), { method: 'PUT' }))).status).toBe(405);
  });
});

describe('/s when things go wrong or are limited', () => {
  test('the bus failing is a 503 (posthog-js retries); the token lookup failing too', async () => {
    const { handler, bus, tokens } = harness();
    bus.failure = new Error('down');
    expect((await handler(post(fixtureBody()))).status).toBe(503);
    bus.failure = undefined;
    tokens.failure = new Error('down');
    expect((await handler(post(fixtureBody()))).status).toBe(503);
  });

  test('new sessions over the team limit: 200 with quota_limited, admitted sessions still written', async () => {
    const { handler, bus } = harness({ rateLimiter: createNewSessionRateLimiter({ burst: 1, perSecond: 0 }) });
    const first = await handler(post([snapshotEvent('a', [{ type: 4, timestamp: 1 }])]));
    expect(bodyOf(first)).toEqual({ status: 'Ok' });
    const second = await handler(post([snapshotEvent('a', [{ type: 3, timestamp: 2 }]), snapshotEvent('b', [{ type: 4, timestamp: 2 }])]));
    expect(second.status).toBe(200);
    expect(bodyOf(second)).toEqual({ status: 'Ok', quota_limited: ['recordings'] });
    expect(bus.records.map((r) => r.partitionKey)).toEqual([`${TOKEN}:a`, `${TOKEN}:a`]);
  });
});
