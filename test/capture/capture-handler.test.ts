import { gzipSync } from 'node:zlib';
import { compressToBase64 } from 'lz-string';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { CAPTURE_PATHS } from '../../lib/capture/capture-handler';
import { bodyOf, CLIENT_IP, event, gzipJson, harness, request, TEAM_ID, TOKEN, type RequestInit } from './capture-harness';

const batchBody = (events: unknown[]) => JSON.stringify({ api_key: TOKEN, batch: events });

describe('the capture handler', () => {
  test('serves every capture path with and without a trailing slash, answering exactly 200 {"status":"Ok"}', async () => {
    expect([...CAPTURE_PATHS]).toEqual(['/e', '/i/v0/e', '/batch', '/capture', '/track', '/engage']);
    const { handler, bus } = harness();
    for (const base of CAPTURE_PATHS) {
      for (const path of [base, `${base}/`]) {
        const response = await handler(request({ path, body: batchBody([event()]) }));
        expect(response).toEqual({ status: 200, headers: expect.objectContaining({ 'content-type': 'application/json' }), body: '{"status":"Ok"}' });
      }
    }
    expect(bus.puts).toHaveLength(12);
    expect(bus.puts.every((p) => p.stream === 'events')).toBe(true);
  });

  test('writes one record per distinct id with one put, before answering', async () => {
    const { handler, bus } = harness();
    const events = [event({ distinct_id: 'a' }), event({ distinct_id: 'b' }), event({ distinct_id: 'a', event: 'second' })];
    await handler(request({ body: batchBody(events) }));
    expect(bus.puts).toHaveLength(1);
    expect(bus.records.map((r) => r.partitionKey)).toEqual([`${TOKEN}:a`, `${TOKEN}:b`]);
    const [a, b] = bus.captured();
    expect(a).toMatchObject({ v: 1, team_id: TEAM_ID, token: TOKEN, distinct_id: 'a', ip: CLIENT_IP });
    expect(a.events.map((e) => e.event)).toEqual(['clicked', 'second']);
    expect(b.events).toHaveLength(1);
  });

  test('GET with ?data= (JSON or base64) works', async () => {
    const { handler, bus } = harness();
    const json = JSON.stringify([event({ token: TOKEN })]);
    expect((await handler(request({ method: 'GET', path: '/e/', query: { data: json } }))).status).toBe(200);
    expect((await handler(request({ method: 'GET', path: '/e/', query: `data=${Buffer.from(json).toString('base64')}` }))).status).toBe(200); // `+` arrives as a space
    expect(bus.captured()).toHaveLength(2);
  });

  test('beacon=1 → 204 with no body', async () => {
    const { handler, bus } = harness();
    const response = await handler(request({ path: '/e/', query: { beacon: '1' }, body: batchBody([event()]) }));
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(bus.puts).toHaveLength(1);
  });

  test('CORS: Origin mirrored with credentials on answers and errors; OPTIONS → 200', async () => {
    const { handler } = harness();
    const headers = { origin: 'https://app.example', 'access-control-request-headers': 'content-type,x-foo' };
    for (const response of [
      await handler(request({ method: 'OPTIONS', headers })),
      await handler(request({ headers, body: batchBody([event()]) })),
      await handler(request({ headers, body: 'nope' })),
    ]) {
      expect(response.headers).toMatchObject({
        'access-control-allow-origin': 'https://app.example',
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': 'content-type,x-foo',
      });
    }
    expect((await handler(request({ method: 'OPTIONS' }))).status).toBe(200);
  });

  test('every compression hint is honoured: query, form, Content-Encoding; gzip is sniffed without one', async () => {
    const { handler, bus } = harness();
    const json = batchBody([event()]);
    const form = 'application/x-www-form-urlencoded';
    const sends: RequestInit[] = [
      { body: gzipSync(json) },
      { body: gzipSync(json), query: { compression: 'gzip-js' } },
      { body: gzipSync(json), headers: { 'content-encoding': 'gzip' } },
      { body: gzipSync(json), headers: { 'content-encoding': 'GZIP' } },
      { body: `data=${encodeURIComponent(json)}&compression=none`, headers: { 'content-type': form } },
      { body: `data=${encodeURIComponent(Buffer.from(json).toString('base64'))}`, query: { compression: 'base64' }, headers: { 'content-type': form } },
      { body: `ver=1.2.3&data=${encodeURIComponent(compressToBase64(json))}&compression=lz64`, headers: { 'content-type': `${form}; charset=utf-8` } },
      { body: compressToBase64(json), query: { compression: 'lz64' } },
      { body: Buffer.from(json).toString('base64') },
      { body: Buffer.from(json) },
    ];
    for (const send of sends) expect({ send, status: (await handler(request(send))).status }).toEqual({ send, status: 200 });
    expect(bus.captured()).toHaveLength(sends.length);
  });

  test('legacy paths unwrap a second layer of base64; /i/v0/e does not', async () => {
    const { handler } = harness();
    const twice = Buffer.from(Buffer.from(JSON.stringify([event({ token: TOKEN })])).toString('base64')).toString('base64');
    for (const path of ['/e/', '/capture', '/track', '/engage/']) expect((await handler(request({ path, body: twice }))).status).toBe(200);
    expect((await handler(request({ path: '/i/v0/e/', body: twice }))).status).toBe(400);
  });

  test('$performance_event is dropped; a request of only those is a silent 200', async () => {
    const { handler, bus } = harness();
    await handler(request({ body: batchBody([event({ event: '$performance_event' }), event(), event({ event: '$performance_event' })]) }));
    expect(bus.captured()[0].events.map((e) => e.event)).toEqual(['clicked']);
    bus.clear();
    const response = await handler(request({ body: batchBody([event({ event: '$performance_event', distinct_id: null })]) }));
    expect(response.status).toBe(200);
    expect(bus.puts).toHaveLength(0);
  });

  test('/engage turns a people update without event name into $identify', async () => {
    const { handler, bus } = harness();
    const engage = { $token: TOKEN, $distinct_id: 'u9', $set: { plan: 'pro' } };
    expect((await handler(request({ path: '/engage/', body: JSON.stringify(engage) }))).status).toBe(200);
    expect(bus.captured()[0].events[0]).toMatchObject({ event: '$identify', distinct_id: 'u9', $set: { plan: 'pro' }, properties: { $ip: CLIENT_IP } });
    expect((await handler(request({ path: '/capture/', body: JSON.stringify(engage) }))).status).toBe(400);
  });

  test('token: envelope authoritative, else per event token / $token / api_key / properties.token', async () => {
    const { handler, tokens, bus } = harness();
    tokens.teams.set('phc_other', { teamId: 7, token: 'phc_other' });
    await handler(request({ body: JSON.stringify({ api_key: 'phc_other', batch: [event({ token: TOKEN })] }) }));
    await handler(request({ body: JSON.stringify({ token: ' phc_other ', batch: [event()] }) }));
    for (const key of ['token', '$token', 'api_key']) await handler(request({ body: JSON.stringify([{ event: 'x', distinct_id: 'd', [key]: 'phc_other' }]) }));
    await handler(request({ body: JSON.stringify({ event: 'x', distinct_id: 'd', properties: { token: 'phc_other' } }) }));
    expect(bus.captured().map((r) => [r.token, r.team_id])).toEqual(Array(6).fill(['phc_other', 7]));
  });

  test('distinct_id: top level wins, $distinct_id, properties fallback, non-strings stringified with sorted keys, NUL replaced, 200 chars', async () => {
    const { handler, bus } = harness();
    const ids = [
      event({ distinct_id: 'top', properties: { token: TOKEN, distinct_id: 'props' } }),
      { event: 'x', $distinct_id: 'dollar', properties: { token: TOKEN } },
      { event: 'x', properties: { token: TOKEN, distinct_id: 'props' } },
      event({ distinct_id: 23 }),
      event({ distinct_id: 23.5 }),
      event({ distinct_id: true }),
      event({ distinct_id: { b: 1, a: [2, { d: 1, c: 0 }] } }),
      event({ distinct_id: 'a\u0000b' }),
      event({ distinct_id: 'x'.repeat(250) }),
      event({ distinct_id: `${'x'.repeat(199)}😀tail` }),
    ];
    await handler(request({ body: batchBody(ids) }));
    const stored = bus.captured().flatMap((r) => r.events.map((e) => e.distinct_id));
    expect(stored).toEqual(['top', 'dollar', 'props', '23', '23.5', 'true', '{"a":[2,{"c":0,"d":1}],"b":1}', 'a\uFFFDb', 'x'.repeat(200), `${'x'.repeat(199)}😀`]);
  });

  test('uuid: kept (lower-cased, hyphenated), generated as UUIDv7 when absent or ""', async () => {
    const { handler, bus } = harness();
    const events = [
      event({ uuid: '01890000-0000-7000-8000-000000000001' }),
      event({ uuid: '01890000-0000-7000-8000-00000000000A' }),
      event({ uuid: '{01890000-0000-7000-8000-00000000000b}' }),
      event({ uuid: '018900000000700080000000000000cc' }),
      event({ uuid: 'urn:uuid:01890000-0000-7000-8000-0000000000dd' }),
      event({ uuid: '' }),
      event(),
    ];
    await handler(request({ body: batchBody(events) }));
    const uuids = bus.captured()[0].events.map((e) => e.uuid);
    expect(uuids.slice(0, 5)).toEqual([
      '01890000-0000-7000-8000-000000000001',
      '01890000-0000-7000-8000-00000000000a',
      '01890000-0000-7000-8000-00000000000b',
      '01890000-0000-7000-8000-0000000000cc',
      '01890000-0000-7000-8000-0000000000dd',
    ]);
    for (const id of uuids.slice(5)) expect(isUuid(id) && uuidVersion(id)).toBe(7);
  });

  test('$ip: from the request unless present; capture_internal → 127.0.0.1; none without a source address', async () => {
    const { handler, bus } = harness();
    const events = [
      event(),
      event({ properties: { token: TOKEN, $ip: '10.0.0.1' } }),
      event({ properties: { token: TOKEN, $ip: null } }),
      event({ properties: { token: TOKEN, capture_internal: true } }),
      event({ properties: null }),
    ];
    await handler(request({ body: batchBody(events) }));
    expect(bus.captured()[0].events.map((e) => e.properties.$ip)).toEqual([CLIENT_IP, '10.0.0.1', CLIENT_IP, '127.0.0.1', CLIENT_IP]);
    bus.clear();
    await handler(request({ body: batchBody([event()]), sourceIp: '' }));
    expect(bus.captured()[0]).toMatchObject({ ip: null, events: [{ properties: { token: TOKEN } }] });
    expect(bus.captured()[0].events[0].properties).not.toHaveProperty('$ip');
  });

  test('$cookieless_mode: true spreads by token:ip; false is an ordinary event', async () => {
    const { handler, bus } = harness();
    const events = [event({ distinct_id: '$posthog_cookieless', properties: { token: TOKEN, $cookieless_mode: true } }), event({ properties: { token: TOKEN, $cookieless_mode: false } })];
    await handler(request({ body: batchBody(events) }));
    expect(bus.records.map((r) => r.partitionKey)).toEqual([`${TOKEN}:${CLIENT_IP}`, `${TOKEN}:user-1`]);
  });

  test('top-level $set / $set_once are kept; the stored event has the CapturedEvent fields only', async () => {
    const { handler, bus } = harness();
    const sent = { ...event({ $set: { a: 1 }, $set_once: { b: 2 }, offset: undefined }), token: TOKEN, extra: 'dropped' };
    await handler(request({ body: batchBody([sent]) }));
    const stored = bus.captured()[0].events[0];
    expect(Object.keys(stored).sort()).toEqual(['$set', '$set_once', 'distinct_id', 'event', 'properties', 'timestamp', 'uuid']);
    expect(stored).toMatchObject({ $set: { a: 1 }, $set_once: { b: 2 } });
  });

  test('an error body never echoes a 5xx for client garbage', async () => {
    const { handler } = harness();
    const response = await handler(request({ body: gzipJson('just a string') }));
    expect(response.status).toBe(400);
    expect(bodyOf(response)).toMatchObject({ code: 'request_parsing_error' });
  });
});
