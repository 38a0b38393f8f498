import { eventTimestamp, type RequestClock } from '../../lib/capture/event-timestamp';
import { toIsoString } from '../../lib/capture/iso-time';
import { parseDate, parseRfc3339 } from '../../lib/capture/parse-date';
import fc from 'fast-check';
import { event, harness, request, TOKEN } from './capture-harness';

const NOW = Date.parse('2023-01-01T12:00:00Z');
const clock = (sentAt?: string, invalidSentAt?: string): RequestClock => ({
  nowMs: NOW,
  nowIso: new Date(NOW).toISOString(),
  sentAtMs: sentAt === undefined ? undefined : Date.parse(sentAt),
  invalidSentAt,
});
const input = (timestamp?: unknown, offset?: number) => ({ timestamp, offset, uuid: '01890000-0000-7000-8000-000000000001', event: 'e' });

describe('clock-skew correction (contract §1.4, parse_event_timestamp)', () => {
  test('no timestamp → now', () => {
    expect(eventTimestamp(input(), clock(), false)).toEqual({ timestamp: '2023-01-01T12:00:00.000Z', warnings: undefined });
  });

  test('the contract example: now 12:00:00, sent_at 12:00:05, timestamp 11:59:55 → 11:59:50', () => {
    expect(eventTimestamp(input('2023-01-01T11:59:55Z'), clock('2023-01-01T12:00:05Z'), false).timestamp).toBe('2023-01-01T11:59:50.000Z');
  });

  test('without sent_at the timestamp is kept', () => {
    expect(eventTimestamp(input('2023-01-01T11:00:00.123Z'), clock(), false).timestamp).toBe('2023-01-01T11:00:00.123Z');
  });

  test('offset wins over timestamp and sent_at', () => {
    expect(eventTimestamp(input('2020-01-01T00:00:00Z', 5000), clock('2023-01-01T12:00:05Z'), false).timestamp).toBe('2023-01-01T11:59:55.000Z');
  });

  test('$ignore_sent_at: the timestamp is taken as is', () => {
    expect(eventTimestamp(input('2023-01-01T11:00:00Z'), clock('2023-01-01T12:00:05Z'), true).timestamp).toBe('2023-01-01T11:00:00.000Z');
  });

  test('more than 23 h in the future → now, with an event_timestamp_in_future warning', () => {
    const result = eventTimestamp(input('2023-01-02T12:00:00Z'), clock(), false);
    expect(result.timestamp).toBe('2023-01-01T12:00:00.000Z');
    expect(result.warnings).toEqual([
      {
        type: 'event_timestamp_in_future',
        details: expect.objectContaining({ timestamp: '2023-01-02T12:00:00Z', now: '2023-01-01T12:00:00.000Z', result: '2023-01-02T12:00:00.000Z', eventName: 'e' }),
      },
    ]);
    expect(eventTimestamp(input('2023-01-02T10:59:59Z'), clock(), false)).toEqual({ timestamp: '2023-01-02T10:59:59.000Z', warnings: undefined });
  });

  test('a year out of 0..9999 → 1970-01-01, with an ignored_invalid_timestamp warning', () => {
    const result = eventTimestamp(input(undefined, NOW + 400 * 365 * 86_400_000 * 6), clock(), false);
    expect(result.timestamp).toBe('1970-01-01T00:00:00.000Z');
    expect(result.warnings).toEqual([{ type: 'ignored_invalid_timestamp', details: expect.objectContaining({ field: 'timestamp', reason: 'out of bounds' }) }]);
    expect(eventTimestamp(input('0001-01-01T12:00:00Z'), clock(), false).timestamp).toBe('0001-01-01T12:00:00.000Z');
  });

  test('an unparseable timestamp → now, no warning', () => {
    expect(eventTimestamp(input('99999-01-01T12:00:00Z'), clock(), false)).toEqual({ timestamp: '2023-01-01T12:00:00.000Z', warnings: undefined });
    expect(eventTimestamp(input('yesterday'), clock('2023-01-01T12:00:05Z'), false).timestamp).toBe('2023-01-01T12:00:00.000Z');
  });

  test('an invalid envelope sent_at is ignored with a warning', () => {
    const result = eventTimestamp(input('2023-01-01T11:00:00Z'), clock(undefined, 'invalid-date'), false);
    expect(result.timestamp).toBe('2023-01-01T11:00:00.000Z');
    expect(result.warnings).toEqual([{ type: 'ignored_invalid_timestamp', details: expect.objectContaining({ field: 'sent_at', value: 'invalid-date', reason: 'invalid format' }) }]);
  });
});

describe('date formats', () => {
  const utc = (s: string) => Date.parse(s);
  test.each([
    ['2023-01-01T12:00:00Z', utc('2023-01-01T12:00:00Z')],
    ['2023-01-01T12:00:00.123456Z', utc('2023-01-01T12:00:00.123Z')],
    ['2023-01-01T12:00:00+02:00', utc('2023-01-01T10:00:00Z')],
    ['2023-01-01T12:00:00-0530', utc('2023-01-01T17:30:00Z')],
    ['2023-01-01T12:00:00.5+01', utc('2023-01-01T11:00:00.500Z')],
    ['2023-01-01', utc('2023-01-01T00:00:00Z')],
    ['2023-01-01 12:00:00', utc('2023-01-01T12:00:00Z')],
    ['2023-01-01T12:00:00', utc('2023-01-01T12:00:00Z')],
    ['2023-01-01T12:00', utc('2023-01-01T12:00:00Z')],
    ['Tue, 1 Jul 2003 10:52:37 +0200', utc('2003-07-01T08:52:37Z')],
    ['1 Jul 2003 10:52:37 GMT', utc('2003-07-01T10:52:37Z')],
    ['2023/01/02', utc('2023-01-02T00:00:00Z')],
    ['2023/01/02 03:04:05', utc('2023-01-02T03:04:05Z')],
    ['01/02/2023', utc('2023-01-02T00:00:00Z')],
    ['1672574400', utc('2023-01-01T12:00:00Z')],
    ['1672574400.25', utc('2023-01-01T12:00:00.250Z')],
    ['1672574400000', utc('2023-01-01T12:00:00Z')],
    ['0001-01-01T00:00:00Z', new Date('0001-01-01T00:00:00Z').getTime()],
  ])('%s', (text, expected) => {
    expect(parseDate(text)).toBe(expected);
  });

  test.each(['', 'now', '2023-13-01', '2023-02-30', '2023-01-01T25:00:00Z', '99999-01-01T12:00:00Z', '2023-01-01T12:00:00+25:00', '12345'])('%s does not parse', (text) => {
    expect(parseDate(text)).toBeUndefined();
  });

  test('sent_at is RFC 3339 only (a zone is required)', () => {
    expect(parseRfc3339('2023-01-01T12:00:00.5+01:00')).toBe(utc('2023-01-01T11:00:00.500Z'));
    expect(parseRfc3339('2023-01-01T12:00:00')).toBeUndefined();
    expect(parseRfc3339('2023-01-01')).toBeUndefined();
  });

  test('any instant round-trips through toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: new Date('0000-01-01T00:00:00Z').getTime(), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(toIsoString(ms)).toBe(iso);
        expect(parseDate(iso)).toBe(ms);
      }),
    );
  });
});

describe('sent_at sources through the handler', () => {
  const now = new Date('2026-11-23T20:20:40.000Z');
  async function storedTimestamp(init: Parameters<typeof request>[0]): Promise<string> {
    const { handler, bus } = harness({ now: () => now });
    expect((await handler(request(init))).status).toBe(200);
    return bus.captured()[0].events[0].timestamp;
  }
  const ts = '2026-11-23T20:20:30.000Z';

  test('envelope sent_at corrects the skew', async () => {
    expect(await storedTimestamp({ body: JSON.stringify({ api_key: TOKEN, sent_at: '2026-11-23T20:20:35.000Z', batch: [event({ timestamp: ts })] }) })).toBe('2026-11-23T20:20:35.000Z');
  });

  test('query `_` (epoch ms) is the sent_at of array bodies', async () => {
    const sentAt = String(Date.parse('2026-11-23T20:20:35.000Z'));
    expect(await storedTimestamp({ path: '/e/', query: { _: sentAt }, body: JSON.stringify([event({ timestamp: ts })]) })).toBe('2026-11-23T20:20:35.000Z');
    expect(await storedTimestamp({ path: '/e/', query: { sent_at: sentAt }, body: JSON.stringify([event({ timestamp: ts })]) })).toBe('2026-11-23T20:20:35.000Z');
  });

  test('query `_` in seconds (year ≤ 2020 as ms) is ignored', async () => {
    const seconds = String(Math.floor(Date.parse('2026-11-23T20:20:35.000Z') / 1000));
    expect(await storedTimestamp({ path: '/e/', query: { _: seconds }, body: JSON.stringify([event({ timestamp: ts })]) })).toBe(ts);
  });

  test('the record carries sent_at and now', async () => {
    const { handler, bus } = harness({ now: () => now });
    await handler(request({ body: JSON.stringify({ api_key: TOKEN, sent_at: '2026-11-23T21:20:35.000+01:00', batch: [event({ timestamp: ts })] }) }));
    expect(bus.captured()[0]).toMatchObject({ now: now.toISOString(), sent_at: '2026-11-23T20:20:35.000Z' });
  });
});
