import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { FlagsRequestError, parseFlagsRequest } from '../../lib/flags/flags-request';
import { HttpError } from '../../lib/http/errors';
import type { HttpRequest } from '../../lib/http/types';

const FIXTURES = path.join(__dirname, '../fixtures/sdk-wire');
const fixture = (file: string) => fs.readFileSync(path.join(FIXTURES, file));

function req(body: Buffer | string, options: { contentType?: string; query?: string; encoding?: string; method?: string } = {}): HttpRequest {
  return {
    method: options.method ?? 'POST',
    path: '/flags/',
    query: new URLSearchParams(options.query ?? 'v=2'),
    headers: { 'content-type': options.contentType, 'content-encoding': options.encoding },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    sourceIp: '127.0.0.1',
  };
}

describe('/flags request decoding (contract §3.1)', () => {
  it('reads posthog-js: gzip, text/plain, no hint', () => {
    const parsed = parseFlagsRequest(req(gzipSync(fixture('posthog-js/04-flags.json')), { contentType: 'text/plain' }));
    const raw = JSON.parse(fixture('posthog-js/04-flags.json').toString());
    expect(parsed.token).toBe(raw.token);
    expect(parsed.distinctId).toBe(raw.distinct_id);
    expect(parsed.anonDistinctId).toBe(raw.$anon_distinct_id);
    expect(parsed.deviceId).toBe(raw.$device_id);
    expect(parsed.personProperties).toEqual(raw.person_properties);
  });

  it('reads posthog-node: plain JSON with flag_keys_to_evaluate and evaluation_runtime', () => {
    const parsed = parseFlagsRequest(req(fixture('posthog-node/02-flags.json'), { contentType: 'application/json' }));
    expect(parsed).toMatchObject({ token: 'phc_testtoken', distinctId: 'user-1', flagKeys: ['beta'], runtime: 'server' });
  });

  it('reads the base64 form posthog-js falls back to, with + restored', () => {
    const json = JSON.stringify({ token: 'phc_x', distinct_id: 'ü?>>>', person_properties: { a: '???' } });
    const data = Buffer.from(json).toString('base64');
    expect(data).toMatch(/[+/]/);
    const parsed = parseFlagsRequest(req(`data=${encodeURIComponent(data)}`, { contentType: 'application/x-www-form-urlencoded', query: 'v=2&compression=base64' }));
    expect(parsed.distinctId).toBe('ü?>>>');
    const unescaped = parseFlagsRequest(req(`data=${data}`, { contentType: 'application/x-www-form-urlencoded' }));
    expect(unescaped.personProperties).toEqual({ a: '???' });
  });

  it('accepts gzip announced by Content-Encoding or ?compression=, aliases and numbers', () => {
    const body = gzipSync(JSON.stringify({ $token: 'phc_y', $distinct_id: 42, $groups: { company: 7 }, $properties: { p: 1 } }));
    for (const options of [{ encoding: 'gzip' }, { query: 'v=2&compression=gzip-js' }]) {
      expect(parseFlagsRequest(req(body, { contentType: 'application/json', ...options }))).toMatchObject({
        token: 'phc_y',
        distinctId: '42',
        groups: { company: '7' },
        personProperties: { p: 1 },
      });
    }
  });

  it('tolerates NaN and Infinity as values', () => {
    const parsed = parseFlagsRequest(req('{"token":"phc_z","distinct_id":"u","person_properties":{"a":NaN,"b":-Infinity,"c":"NaN"}}'));
    expect(parsed.personProperties).toEqual({ a: null, b: null, c: 'NaN' });
  });

  it.each([
    ['a missing distinct_id', req('{"token":"phc_a"}'), /distinct_id field is missing/],
    ['an unknown content type', req('{}', { contentType: 'application/xml' }), /Unsupported content type/],
    ['an unknown compression', req('{}', { query: 'compression=brotli' }), /Unsupported compression/],
    ['a body that is not JSON', req('hello there'), /not JSON/],
    ['a JSON array', req('[1,2]'), /JSON object/],
    ['truncated gzip', req(gzipSync('{"token":"phc_a","distinct_id":"u"}').subarray(0, 12)), /gzip/],
    ['an object distinct id that is too deep', req(`{"token":"phc_a","distinct_id":${'['.repeat(5000)}${']'.repeat(5000)}}`), /.*/],
  ])('refuses %s with a 400', (_name, request, message) => {
    let error: unknown;
    try {
      parseFlagsRequest(request);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    expect((error as Error).message).toMatch(message);
  });

  it('never throws anything but a 4xx on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), (bytes, contentType) => {
        try {
          parseFlagsRequest(req(Buffer.from(bytes), { contentType }));
        } catch (error) {
          if (!(error instanceof HttpError) || error.status >= 500) throw error;
          if (!(error instanceof FlagsRequestError) && error.status !== 413) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});
