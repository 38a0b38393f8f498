import fc from 'fast-check';
import { compressToBase64 } from 'lz-string';
import { findPropertiesSpans, toByteSpans } from '../../lib/capture/properties-spans';
import { parseRawRequest, REQUEST_SHAPES } from '../../lib/capture/raw-request';
import { event, harness, request, TOKEN } from './capture-harness';

/** What the spans say each event's properties are, parsed; undefined where there is no span. */
function propertiesBySpans(text: string): unknown[] | undefined {
  const request = parseRawRequest(text);
  const spans = findPropertiesSpans(text, request.shape, request.events.length);
  if (!spans) return undefined;
  return request.events.map((_, i) => (spans[i * 2] < 0 ? undefined : JSON.parse(text.slice(spans[i * 2], spans[i * 2 + 1]))));
}

/** What JSON.parse says they are (objects only, like the spans). */
function propertiesByParse(text: string): unknown[] {
  return parseRawRequest(text).events.map((e) => {
    const p = (e as Record<string, unknown>).properties;
    return p && typeof p === 'object' && !Array.isArray(p) ? p : undefined;
  });
}

const tricky = fc.oneof(
  fc.constantFrom('"', '\\', '\\"', '{', '}', '[', ']', '":', '"properties":', '{"properties":{}}', 'batch', '\u2028', '😀', '\u0000'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.oneof(tricky, fc.constant('properties')), tie('value'), { maxKeys: 3 })),
})).value;
const anEvent = fc.record(
  { event: fc.string(), properties: fc.oneof(fc.dictionary(fc.oneof(tricky, fc.constant('properties')), value, { maxKeys: 4 }), fc.constant(null), value), $set: value, other: value },
  { requiredKeys: ['event'] },
);
const formats = [(v: unknown) => JSON.stringify(v), (v: unknown) => JSON.stringify(v, null, '\t'), (v: unknown) => JSON.stringify(v, null, ' \n ')];

describe('properties spans', () => {
  test('agree with JSON.parse for any request shape and formatting', () => {
    fc.assert(
      fc.property(fc.array(anEvent, { minLength: 1, maxLength: 4 }), fc.constantFrom('array', 'batch', 'one'), fc.nat(formats.length - 1), value, (events, shape, format, extra) => {
        const body = shape === 'array' ? events : shape === 'one' ? events[0] : { before: [{ properties: { x: 1 } }, extra], api_key: TOKEN, batch: events, after: [{ batch: [] }], sent_at: extra };
        const text = formats[format](body);
        expect(propertiesBySpans(text)).toEqual(propertiesByParse(text));
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    ['duplicate properties: the last wins', '[{"event":"e","properties":{"a":1},"properties":{"b":2}}]', [{ b: 2 }]],
    ['duplicate properties: a last null wins', '[{"event":"e","properties":{"a":1},"properties":null}]', [undefined]],
    ['an escaped key name', '[{"event":"e","propert\\u0069es":{"a":1}}]', [{ a: 1 }]],
    ['duplicate batch: the last wins', '{"batch":[{"properties":{"a":1}},{"properties":{"a":2}}],"batch":[{"properties":{"c":3}}]}', [{ c: 3 }]],
    ['an escaped batch key', '{"b\\u0061tch":[{"properties":{"a":1}}],"api_key":"x"}', [{ a: 1 }]],
    ['nested properties keys', '{"batch":[{"$set":{"properties":{"no":1}},"properties":{"properties":{"yes":1}}}]}', [{ properties: { yes: 1 } }]],
    ['strings with braces and escaped quotes', '[{"event":"}{\\"\\\\","properties":{"k\\"}":"]\\\\"}}]', [{ 'k"}': ']\\' }]],
  ])('%s', (_name, text, expected) => {
    expect(propertiesBySpans(text)).toEqual(expected);
    expect(propertiesByParse(text)).toEqual(expected);
  });

  test('a text that does not line up with the events gives no spans (the caller serialises instead)', () => {
    expect(findPropertiesSpans('[{"properties":{}}]', REQUEST_SHAPES.array, 2)).toBeUndefined();
  });

  test('byte offsets for non-ASCII text', () => {
    const text = '[{"e":"é😀","properties":{"ü":1}}]';
    const spans = findPropertiesSpans(text, REQUEST_SHAPES.array, 1) as Int32Array;
    const bytes = Buffer.from(text);
    toByteSpans(text, bytes.length, spans);
    expect(JSON.parse(bytes.subarray(spans[0], spans[1]).toString())).toEqual({ ü: 1 });
  });

  test('the handler stores the same record from raw spans as from parsed objects', async () => {
    const { handler, bus } = harness();
    const events = [
      event({ properties: { token: TOKEN, a: 'é', nested: { properties: [1, '}'] } } }),
      event({ properties: {} }),
      event({ properties: null }),
      event({ properties: { token: TOKEN, $ip: null } }),
    ].map((e, i) => ({ ...e, uuid: `01890000-0000-7000-8000-00000000000${i}` }));
    const compact = JSON.stringify({ api_key: TOKEN, batch: events });
    await handler(request({ body: compact }));
    // lz64 leaves no request bytes to copy from: the properties are serialised from the parsed objects
    await handler(request({ path: '/e/', body: `data=${encodeURIComponent(compressToBase64(compact))}&compression=lz64`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    const [fromSpans, fromText] = bus.captured();
    expect(fromSpans).toEqual(fromText);
    expect(fromSpans.events.map((e) => e.properties)).toEqual([
      { token: TOKEN, a: 'é', nested: { properties: [1, '}'] }, $ip: '203.0.113.9' },
      { $ip: '203.0.113.9' },
      { $ip: '203.0.113.9' },
      { token: TOKEN, $ip: '203.0.113.9' },
    ]);
  });
});
