/** A shared cache: ElastiCache (Valkey) on AWS, in-memory or any REDIS_URL locally. */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
