import { gzipSync } from 'node:zlib';
import { compressToBase64 } from 'lz-string';
import { DEFAULT_CAPTURE_LIMITS, resolveCaptureLimits } from '../../lib/capture/limits';
import { MAX_RECORD_BYTES } from '../../lib/ports/bus';
import { bodyOf, event, harness, request, TOKEN } from './capture-harness';

const MIB = 1024 * 1024;

function expectTooLarge(response: { status: number; body?: string | Buffer }) {
  expect(response.status).toBe(413);
  expect(bodyOf(response)).toEqual({ status: 413, code: 'payload_too_large', error: expect.any(String) });
}

/** A batch whose JSON is about `bytes` long (events of at most 100 KB). */
function batchOfSize(bytes: number) {
  const count = Math.ceil(bytes / 100_000);
  const pad = 'x'.repeat(Math.floor(bytes / count));
  return JSON.stringify({ api_key: TOKEN, batch: Array.from({ length: count }, () => event({ properties: { token: TOKEN, pad } })) });
}

describe('size caps', () => {
  test('defaults: /e family 2 MiB, /batch 20 MiB, /s 25 MiB, decoded 20 MiB', () => {
    expect(DEFAULT_CAPTURE_LIMITS).toEqual({ eventsBodyBytes: 2 * MIB, batchBodyBytes: 20 * MIB, replayBodyBytes: 25 * MIB, decodedBytes: 20 * MIB });
    expect(() => resolveCaptureLimits({ decodedBytes: 0 })).toThrow(/decodedBytes/);
  });

  test('a body over its path family cap → 413 before any decoding', async () => {
    const { handler, bus } = harness();
    const body = Buffer.alloc(2 * MIB + 1, 0x20); // not even JSON: the size is refused first
    for (const path of ['/e/', '/i/v0/e', '/capture', '/track/', '/engage']) expectTooLarge(await handler(request({ path, body })));
    expect((await handler(request({ path: '/batch/', body: batchOfSize(3 * MIB) }))).status).toBe(200);
    expectTooLarge(await handler(request({ path: '/batch/', body: Buffer.alloc(20 * MIB + 1, 0x20) })));
    expect(bus.puts).toHaveLength(1);
  });

  test('the caps are configurable, `?data=` counts too', async () => {
    const { handler } = harness({ limits: { eventsBodyBytes: 100 } });
    expectTooLarge(await handler(request({ body: batchOfSize(200) })));
    expectTooLarge(await handler(request({ method: 'GET', query: { data: batchOfSize(200) } })));
    expect((await handler(request({ body: JSON.stringify([event()]) }))).status).toBe(200);
  });

  test('a decoded payload over the cap → 413, for gzip, plain, base64 and lz64', async () => {
    const { handler, bus } = harness({ limits: { decodedBytes: 10_000 } });
    const big = batchOfSize(20_000);
    expectTooLarge(await handler(request({ body: gzipSync(big) })));
    expectTooLarge(await handler(request({ body: big })));
    expectTooLarge(await handler(request({ path: '/e/', body: Buffer.from(big).toString('base64') })));
    expectTooLarge(await handler(request({ body: compressToBase64(big), query: { compression: 'lz64' } })));
    expect(bus.puts).toHaveLength(0);
    expect((await handler(request({ body: gzipSync(batchOfSize(5_000)) }))).status).toBe(200);
  });

  test('a gzip bomb (1 GiB of zeros in a 1 MB body) → 413 quickly, with bounded memory', async () => {
    // 16 gzip members of 64 MiB of zeros each: one valid gzip stream of 1 GiB (RFC 1952 §2.2)
    const member = gzipSync(Buffer.alloc(64 * MIB), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(bomb.length).toBeLessThan(2 * MIB);
    const { handler, bus } = harness();
    const before = process.memoryUsage();
    const started = Date.now();
    const response = await handler(request({ body: bomb }));
    const elapsed = Date.now() - started;
    const after = process.memoryUsage();
    expectTooLarge(response);
    expect(elapsed).toBeLessThan(3000);
    expect(after.arrayBuffers + after.external - (before.arrayBuffers + before.external)).toBeLessThan(100 * MIB);
    expect(after.rss - before.rss).toBeLessThan(300 * MIB);
    expect(bus.puts).toHaveLength(0);
  });

  test('an lz64 bomb is measured before it is inflated', async () => {
    const { handler } = harness({ limits: { decodedBytes: 100_000 } });
    const bomb = compressToBase64('a'.repeat(400_000)); // ~2 KB that inflate to 400 K characters
    expect(bomb.length).toBeLessThan(5_000);
    expectTooLarge(await handler(request({ body: bomb, query: { compression: 'lz-string' } })));
  });

  test('an event too large for one bus record → 413', async () => {
    const { handler, bus } = harness();
    const body = JSON.stringify({ api_key: TOKEN, batch: [event({ properties: { token: TOKEN, blob: 'x'.repeat(MAX_RECORD_BYTES) } })] });
    expectTooLarge(await handler(request({ path: '/batch/', body })));
    expect(bus.puts).toHaveLength(0);
  });

  test('a person whose events pass the record cap gets several records, in order, in one put', async () => {
    const { handler, bus } = harness();
    const events = Array.from({ length: 7 }, (_, i) => event({ event: `e${i}`, properties: { token: TOKEN, blob: `${i}`.repeat(300_000) } }));
    const response = await handler(request({ path: '/batch', body: JSON.stringify({ api_key: TOKEN, batch: events }) }));
    expect(response.status).toBe(200);
    expect(bus.puts).toHaveLength(1);
    const records = bus.records;
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const r of records) {
      expect(r.data.length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
      expect(r.partitionKey).toBe(`${TOKEN}:user-1`);
    }
    expect(bus.captured().flatMap((r) => r.events.map((e) => e.event))).toEqual(events.map((e) => e.event));
  });
});
