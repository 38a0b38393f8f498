import type { Cache } from '../ports/cache';
import type { KeyValueStore } from '../ports/key-value-store';

/**
 * The cache on the key-value store (DynamoDB on AWS), for functions outside the VPC that cannot
 * reach ElastiCache: entries expire by the store's TTL, which its readers honour at once.
 * Keys live under `cache:` beside the store's other keys.
 */
export class KeyValueCache implements Cache {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly prefix = 'cache:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.kv.get<unknown>(this.prefix + key);
    return typeof value === 'string' ? value : undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.kv.put(this.prefix + key, value, { ttlSeconds: Math.max(1, Math.ceil(ttlSeconds)) });
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(this.prefix + key);
  }

  /** The key-value store belongs to whoever opened it. */
  async close(): Promise<void> {}
}
