import { createNewSessionRateLimiter } from '../../lib/replay/rate-limiter';

describe('new-session rate limiter (token bucket per team)', () => {
  test('a burst of new sessions, then the refill rate', () => {
    const limiter = createNewSessionRateLimiter({ burst: 3, perSecond: 1 });
    expect([1, 2, 3, 4].map((i) => limiter.admit(1, `s${i}`, 0))).toEqual([true, true, true, false]);
    expect(limiter.admit(1, 's5', 500)).toBe(false); // half a token
    expect(limiter.admit(1, 's6', 1000)).toBe(true);
    expect(limiter.admit(1, 's7', 1000)).toBe(false);
  });

  test('a session already admitted is never limited, however empty the bucket', () => {
    const limiter = createNewSessionRateLimiter({ burst: 1, perSecond: 0 });
    expect(limiter.admit(1, 'a', 0)).toBe(true);
    expect(limiter.admit(1, 'b', 0)).toBe(false);
    for (let t = 0; t < 100; t++) expect(limiter.admit(1, 'a', t * 60_000)).toBe(true);
  });

  test('a refused session stays refused (no recording without its start)', () => {
    const limiter = createNewSessionRateLimiter({ burst: 1, perSecond: 1 });
    limiter.admit(1, 'a', 0);
    expect(limiter.admit(1, 'b', 0)).toBe(false);
    expect(limiter.admit(1, 'b', 10_000)).toBe(false);
    expect(limiter.admit(1, 'c', 10_000)).toBe(true);
  });

  test('teams have their own buckets', () => {
    const limiter = createNewSessionRateLimiter({ burst: 1, perSecond: 0 });
    expect(limiter.admit(1, 'a', 0)).toBe(true);
    expect(limiter.admit(1, 'b', 0)).toBe(false);
    expect(limiter.admit(2, 'b', 0)).toBe(true);
  });

  test('sessions are forgotten after their TTL or when the LRU is full', () => {
    const limiter = createNewSessionRateLimiter({ burst: 1, perSecond: 0, sessionTtlMs: 1000, maxSessions: 2 });
    expect(limiter.admit(1, 'a', 0)).toBe(true);
    expect(limiter.admit(1, 'a', 2000)).toBe(false); // forgotten: new again, and the bucket is empty
    const lru = createNewSessionRateLimiter({ burst: 1, perSecond: 0, maxSessions: 2 });
    lru.admit(1, 'a', 0);
    lru.admit(1, 'b', 0);
    lru.admit(1, 'c', 0);
    expect(lru.admit(1, 'a', 0)).toBe(false); // evicted
  });

  test('bad options fail loudly', () => {
    expect(() => createNewSessionRateLimiter({ burst: 0 })).toThrow(RangeError);
  });
});
