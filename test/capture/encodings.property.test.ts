import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { compressToBase64 } from 'lz-string';
import { normalizeDistinctId } from '../../lib/capture/distinct-id';
import type { CapturedEvent } from '../../lib/ingestion/records';
import { CLIENT_IP, harness, request, TOKEN, type RequestInit } from './capture-harness';

/** Keys whose meaning would change the expected record (covered by example tests). */
const SPECIAL = new Set(['$ip', '$cookieless_mode', 'capture_internal', '$ignore_sent_at', '__proto__', 'token', 'distinct_id']);
const text = fc.string({ unit: 'binary', maxLength: 16 });
const key = text.filter((k) => !SPECIAL.has(k));
const properties = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
const distinctId = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 220 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }));
const NOW = new Date('2026-11-23T20:20:40.000Z');
const rawEvent = fc.record({
  event: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((e) => e !== '$performance_event'),
  distinct_id: distinctId.filter((d) => normalizeDistinctId(d) !== undefined),
  uuid: fc.uuid(),
  timestamp: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: NOW, noInvalidDate: true }).map((d) => d.toISOString()),
  properties,
});
type RawEvent = { event: string; distinct_id: unknown; uuid: string; timestamp: string; properties: Record<string, unknown> };

/** JSON.stringify, with every non-ASCII character escaped (`\uXXXX`): the same value, other bytes. */
const escapedJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const form = 'application/x-www-form-urlencoded';

/** Every way SDKs have sent a capture body, for the JSON text of a request. */
const ENCODINGS: Record<string, (json: string) => RequestInit> = {
  'plain JSON': (json) => ({ body: json, headers: { 'content-type': 'application/json' } }),
  'gzip, no hint (posthog-js)': (json) => ({ body: gzipSync(json), headers: { 'content-type': 'text/plain' } }),
  'gzip, Content-Encoding (posthog-node)': (json) => ({ path: '/batch/', body: gzipSync(json), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
  'gzip, ?compression=gzip-js (old posthog-js)': (json) => ({ path: '/e/', query: { compression: 'gzip-js', ver: '1.2.3', _: String(NOW.getTime()) }, body: gzipSync(json) }),
  'base64 form': (json) => ({ path: '/e/', query: { compression: 'base64' }, headers: { 'content-type': form }, body: `data=${encodeURIComponent(Buffer.from(json).toString('base64'))}` }),
  'base64 body': (json) => ({ body: Buffer.from(json).toString('base64') }),
  'lz64 form': (json) => ({ path: '/e/', headers: { 'content-type': form }, body: `data=${encodeURIComponent(compressToBase64(json))}&compression=lz64` }),
  'GET ?data= JSON': (json) => ({ method: 'GET', path: '/e/', query: { data: json } }),
  'GET ?data= base64': (json) => ({ method: 'GET', path: '/capture/', query: `data=${Buffer.from(json).toString('base64')}` }),
};

/** The records capture must write for these events: grouped by distinct id, properties as sent plus $ip. */
function expectedEvents(events: RawEvent[]): Map<string, Partial<CapturedEvent>[]> {
  const groups = new Map<string, Partial<CapturedEvent>[]>();
  for (const e of events) {
    const id = normalizeDistinctId(e.distinct_id) as string;
    const stored = { uuid: e.uuid, event: e.event, distinct_id: id, timestamp: e.timestamp, properties: { ...JSON.parse(JSON.stringify(e.properties)), token: TOKEN, $ip: CLIENT_IP } };
    groups.set(id, [...(groups.get(id) ?? []), stored]);
  }
  return groups;
}

describe('any JSON event batch survives every encoding and decodes to the same events', () => {
  const shapes = {
    batch: (events: RawEvent[], format: (v: unknown) => string) => format({ api_key: TOKEN, batch: events.map((e) => ({ ...e, properties: { ...e.properties, token: TOKEN } })) }),
    array: (events: RawEvent[], format: (v: unknown) => string) => format(events.map((e) => ({ ...e, properties: { ...e.properties, token: TOKEN } }))),
  };
  const formats = { compact: (v: unknown) => JSON.stringify(v), pretty: (v: unknown) => JSON.stringify(v, null, 2), escaped: escapedJson };

  test.each(Object.keys(ENCODINGS))('%s', async (name) => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawEvent, { minLength: 1, maxLength: 5 }), fc.constantFrom(...(Object.keys(shapes) as (keyof typeof shapes)[])), fc.constantFrom(...(Object.keys(formats) as (keyof typeof formats)[])), async (events, shape, format) => {
        const { handler, bus } = harness({ now: () => NOW });
        const json = shapes[shape](events, formats[format]);
        const response = await handler(request(ENCODINGS[name](json)));
        expect(response.status).toBe(200);
        const stored = new Map(bus.captured().map((r) => [r.distinct_id, r.events]));
        expect(stored).toEqual(expectedEvents(events));
      }),
      { numRuns: 60 },
    );
  });
});

describe('arbitrary input never produces a 5xx or a throw', () => {
  const paths = ['/e/', '/i/v0/e', '/batch/', '/capture', '/track/', '/engage'];
  const contentTypes = [undefined, 'text/plain', 'application/json', form, `${form}; charset=UTF-8`];
  const hints = [undefined, 'gzip', 'gzip-js', 'lz64', 'lz-string', 'base64', 'b64', 'bogus'];

  async function expectClientAnswer(init: RequestInit) {
    const { handler } = harness();
    const response = await handler(request(init));
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400) expect(JSON.parse(String(response.body))).toMatchObject({ status: response.status, code: expect.any(String) });
  }

  test('random bytes, paths, content types and hints', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s))),
        fc.constantFrom(...paths),
        fc.constantFrom(...contentTypes),
        fc.constantFrom(...hints),
        fc.constantFrom(...hints),
        async (body, path, contentType, queryHint, headerHint) => {
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (headerHint) headers['content-encoding'] = headerHint;
          await expectClientAnswer({ path, body: Buffer.from(body), headers, query: queryHint ? { compression: queryHint } : {} });
        },
      ),
      { numRuns: 500 },
    );
  });

  test('random ?data= values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...hints), async (data, hint) => {
        await expectClientAnswer({ method: 'GET', path: '/e/', query: hint ? { data, compression: hint } : { data } });
      }),
      { numRuns: 300 },
    );
  });

  test('corrupted real payloads (gzip, base64, lz64, JSON)', async () => {
    const json = JSON.stringify({ api_key: TOKEN, batch: [{ event: 'x', distinct_id: 'd', properties: { a: [1, { b: 'c' }] } }] });
    const encodings = [gzipSync(json), Buffer.from(Buffer.from(json).toString('base64')), Buffer.from(compressToBase64(json)), Buffer.from(json)];
    await fc.assert(
      fc.asyncProperty(fc.nat(encodings.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), async (which, flips, cut) => {
        const body = Buffer.from(encodings[which]);
        for (const [at, byte] of flips) body[at % body.length] = byte;
        await expectClientAnswer({ body: cut === null ? body : body.subarray(0, cut % body.length), query: which === 2 ? { compression: 'lz64' } : {} });
      }),
      { numRuns: 400 },
    );
  });
});

describe('distinct_id stringification', () => {
  test('strings are kept (NUL → U+FFFD, 200 code points); other values are key-sorted JSON of the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const id = normalizeDistinctId(value);
        if (value === null || value === '') return expect(id).toBeUndefined();
        const expected = typeof value === 'string' ? value.replaceAll('\0', '\uFFFD') : sortedJson(value).replaceAll('\0', '\uFFFD');
        expect(id).toBe([...expected].slice(0, 200).join(''));
        if (typeof value !== 'string' && expected.length <= 200 && !expected.includes('\uFFFD')) expect(JSON.parse(id as string)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });
});

/** JSON with every object's keys in sorted order, written out (JS objects put integer-like keys first). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
