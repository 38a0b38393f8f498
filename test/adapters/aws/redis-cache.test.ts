import Redis from 'ioredis';
import { RedisCache, createRedisCache } from '../../../lib/adapters/aws/redis-cache';

/** The Redis server CI starts (TOOLCHAIN.md); the tests fail, never skip, when it is down. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hedgerow-test:${process.pid}:${Date.now().toString(36)}:`;

let admin: Redis;
let cache: RedisCache;

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  await admin.ping();
  cache = createRedisCache(REDIS_URL, { keyPrefix: prefix });
});

afterAll(async () => {
  await cache?.close();
  if (admin) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  }
});

describe('RedisCache (127.0.0.1:6379)', () => {
  it('sets, gets and deletes strings under the key prefix', async () => {
    await cache.set('team:phc_a', '{"id":1}', 60);
    expect(await cache.get('team:phc_a')).toBe('{"id":1}');
    expect(await admin.get(`${prefix}team:phc_a`)).toBe('{"id":1}');
    await cache.delete('team:phc_a');
    expect(await cache.get('team:phc_a')).toBeUndefined();
    expect(await cache.get('never-set')).toBeUndefined();
    await expect(cache.delete('never-set')).resolves.toBeUndefined();
  });

  it('expires entries after their TTL, fractions of a second included', async () => {
    await cache.set('short', 'v', 0.15);
    await cache.set('long', 'v', 3600);
    const pttl = await admin.pttl(`${prefix}short`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(150);
    const ttl = await admin.ttl(`${prefix}long`);
    expect(ttl).toBeGreaterThan(3590);
    await new Promise((r) => setTimeout(r, 250));
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe('v');
  });

  it('refuses a TTL that is not a positive number', async () => {
    await expect(cache.set('k', 'v', 0)).rejects.toThrow(RangeError);
    await expect(cache.set('k', 'v', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });

  it('fails quickly instead of queueing for ever when the server is unreachable', async () => {
    // ioredis arms a disconnectTimeout timer (2 s by default) even for a socket that never opened.
    const down = createRedisCache('redis://127.0.0.1:1', { disconnectTimeout: 50 });
    const started = Date.now();
    await expect(down.get('k')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    await down.close();
  });
});
