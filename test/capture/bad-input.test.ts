import { gzipSync } from 'node:zlib';
import { bodyOf, event, gzipJson, harness, request, TOKEN } from './capture-harness';

/** Sends `init` and expects a refusal with this status and code, a JSON error body, and nothing on the bus. */
async function refused(init: Parameters<typeof request>[0], status: number, code: string) {
  const { handler, bus } = harness();
  const response = await handler(request(init));
  expect(response.status).toBe(status);
  expect(response.headers?.['content-type']).toBe('application/json');
  const body = bodyOf(response) as { status: number; code: string; error: string };
  expect(body).toEqual({ status, code, error: expect.any(String) });
  expect(body.error.length).toBeGreaterThan(0);
  expect(bus.puts).toHaveLength(0);
  return body;
}

const batch = (events: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ api_key: TOKEN, batch: events, ...extra });

describe('bad input is a 4xx with a JSON error body', () => {
  test.each([
    ['invalid JSON', '{"api_key":"phc_testtoken","batch":[{"event":', 'request_parsing_error'],
    ['a JSON string', '"hello"', 'request_parsing_error'],
    ['a JSON number', '12', 'request_parsing_error'],
    // `null` is four base64 characters: the optimistic base64 step decodes it to bytes that are not UTF-8
    ['JSON null', 'null', 'request_decoding_error'],
    ['JSON true', 'true ', 'request_parsing_error'],
    ['batch not an array', JSON.stringify({ api_key: TOKEN, batch: { event: 'x' } }), 'request_parsing_error'],
    ['an event that is not an object', batch([42]), 'request_parsing_error'],
    ['event name not a string', batch([event({ event: 12 })]), 'request_parsing_error'],
    ['properties not an object', batch([event({ properties: ['a'] })]), 'request_parsing_error'],
    ['properties a string', batch([event({ properties: 'x' })]), 'request_parsing_error'],
    ['timestamp not a string', batch([event({ timestamp: 1700000000000 })]), 'request_parsing_error'],
    ['offset not a number', batch([event({ offset: '10' })]), 'request_parsing_error'],
    ['$set not an object', batch([event({ $set: 'x' })]), 'request_parsing_error'],
    ['an invalid uuid', batch([event({ uuid: 'not-a-uuid' })]), 'request_parsing_error'],
    ['a uuid that is a number', batch([event({ uuid: 12 })]), 'request_parsing_error'],
    ['an empty batch', batch([]), 'empty_batch'],
    ['an empty array', '[]', 'empty_batch'],
    ['a missing event name', batch([event({ event: undefined })]), 'missing_event_name'],
    ['an empty event name', batch([event({ event: '' })]), 'missing_event_name'],
    ['a missing distinct_id', batch([{ event: 'x', properties: {} }]), 'missing_distinct_id'],
    ['a null distinct_id', batch([event({ distinct_id: null })]), 'missing_distinct_id'],
    ['an empty distinct_id (no fallback to properties)', batch([event({ distinct_id: '', properties: { distinct_id: 'p' } })]), 'missing_distinct_id'],
    ['$cookieless_mode not a bool', batch([event({ properties: { $cookieless_mode: 'yes' } })]), 'invalid_cookieless_mode'],
    ['a distinct_id nested too deeply', `[{"event":"x","token":"${TOKEN}","distinct_id":${'['.repeat(200000)}${']'.repeat(200000)}}]`, 'request_parsing_error'],
  ])('%s → 400', async (_name, body, code) => {
    await refused({ body }, 400, code);
  });

  test('a $set nested deeper than the stack → 400, not 500', async () => {
    const deep = `{"api_key":"${TOKEN}","batch":[{"event":"x","distinct_id":"d","$set":{"a":${'['.repeat(200000)}${']'.repeat(200000)}}}]}`;
    await refused({ body: deep, path: '/batch' }, 400, 'request_parsing_error');
  });

  test('an empty body → 400 empty_payload', async () => {
    await refused({ body: '' }, 400, 'empty_payload');
  });

  test('invalid UTF-8 → 400 request_decoding_error', async () => {
    const body = Buffer.concat([Buffer.from(`[{"event":"x","distinct_id":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`","token":"${TOKEN}"}]`)]);
    await refused({ body }, 400, 'request_decoding_error');
    await refused({ body: gzipSync(body) }, 400, 'request_decoding_error');
  });

  test('truncated gzip → 400 request_decoding_error', async () => {
    const body = gzipJson({ api_key: TOKEN, batch: [event()] });
    await refused({ body: body.subarray(0, body.length - 12) }, 400, 'request_decoding_error');
    await refused({ body: body.subarray(0, 12) }, 400, 'request_decoding_error');
  });

  test('garbage announced as gzip → 400', async () => {
    await refused({ body: 'not gzip at all', query: { compression: 'gzip-js' } }, 400, 'request_decoding_error');
  });

  test('invalid base64 announced as base64 → 400', async () => {
    await refused({ body: 'data=***not*base64***', query: { compression: 'base64' }, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'request_decoding_error');
    await refused({ body: 'abc!', headers: { 'content-encoding': 'b64' } }, 400, 'request_decoding_error');
  });

  test('a form content type without a form → 400', async () => {
    await refused({ body: batch([event()]), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'request_decoding_error');
  });

  test('invalid lz64 → 400', async () => {
    await refused({ body: '!!!!', query: { compression: 'lz64' } }, 400, 'request_decoding_error');
  });

  test('no token anywhere → 401 ingest_key_required', async () => {
    await refused({ body: JSON.stringify([{ event: 'x', distinct_id: 'd' }]) }, 401, 'ingest_key_required');
    await refused({ body: JSON.stringify({ batch: [{ event: 'x', distinct_id: 'd' }] }) }, 401, 'ingest_key_required');
  });

  test.each([
    ['a personal API key', 'phx_abcdef'],
    ['an empty token', '   '],
    ['a token over 64 chars', `phc_${'a'.repeat(61)}`],
    ['a non-ASCII token', 'phc_é'],
    ['a token with NUL', 'phc_a\u0000b'],
  ])('%s → 401 ingest_key_unknown', async (_name, token) => {
    await refused({ body: JSON.stringify({ api_key: token, batch: [event()] }) }, 401, 'ingest_key_unknown');
    await refused({ body: JSON.stringify([{ event: 'x', distinct_id: 'd', token }]) }, 401, 'ingest_key_unknown');
  });

  test('a token that names no project → 401 ingest_key_unknown', async () => {
    const body = await refused({ body: JSON.stringify({ api_key: 'phc_nobody', batch: [event()] }) }, 401, 'ingest_key_unknown');
    expect(body.error).toMatch(/no project/);
  });

  test('a token that is not a string → 400', async () => {
    await refused({ body: JSON.stringify({ api_key: 12, batch: [event()] }) }, 400, 'request_parsing_error');
    await refused({ body: JSON.stringify([{ event: 'x', distinct_id: 'd', token: ['a'] }]) }, 400, 'request_parsing_error');
  });

  test('events with different tokens → 400 unroutable_events', async () => {
    const events = [event({ token: TOKEN }), event({ properties: { token: 'phc_other' } })];
    await refused({ body: JSON.stringify(events) }, 400, 'unroutable_events');
  });

  test('a method capture does not serve → 405', async () => {
    await refused({ method: 'PUT', body: batch([event()]) }, 405, 'method_not_allowed');
  });

  test('a path that is not a capture path → 404', async () => {
    await refused({ path: '/s/', body: batch([event()]) }, 404, 'not_found');
  });
});

describe('failures of what capture depends on', () => {
  test('bus unavailable → 503 (retryable), after which the same request succeeds', async () => {
    const { handler, bus } = harness();
    bus.failure = new Error('kinesis down');
    const req = request({ body: JSON.stringify({ api_key: TOKEN, batch: [event()] }) });
    const response = await handler(req);
    expect(response.status).toBe(503);
    expect(bodyOf(response)).toEqual({ status: 503, code: 'service_unavailable', error: expect.any(String) });
    bus.failure = undefined;
    expect((await handler(req)).status).toBe(200);
    expect(bus.captured()).toHaveLength(1);
  });

  test('token lookup unavailable → 503', async () => {
    const { handler, tokens } = harness();
    tokens.failure = new Error('dynamodb down');
    const response = await handler(request({ body: JSON.stringify({ api_key: TOKEN, batch: [event()] }) }));
    expect(response.status).toBe(503);
  });
});
