import Redis, { type Cluster, type RedisOptions } from 'ioredis';
import type { Cache } from '../../ports/cache';

/**
 * The cache on anything that speaks the Redis protocol: ElastiCache (Valkey) on AWS, any
 * REDIS_URL locally. Takes a connected `Redis` or `Cluster` client (ElastiCache Serverless
 * also accepts plain clients), so the caller chooses TLS, cluster mode and key prefix.
 */
export class RedisCache implements Cache {
  constructor(private readonly redis: Redis | Cluster) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) throw new RangeError(`ttlSeconds must be a finite number > 0, not ${ttlSeconds}.`);
    await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  /** QUIT when connected (pending replies arrive first); otherwise stop reconnecting at once. */
  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit();
    } else {
      this.redis.disconnect();
    }
  }
}

/**
 * A cache on a `redis://` or `rediss://` (TLS) URL. Defaults suit a request path: a command
 * fails after 2 reconnection attempts instead of waiting in the offline queue for 20.
 */
export function createRedisCache(url: string, options: RedisOptions = {}): RedisCache {
  return new RedisCache(new Redis(url, { connectTimeout: 2000, maxRetriesPerRequest: 2, ...options }));
}
