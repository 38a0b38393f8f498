/**
 * A small key-value table reachable without a VPC: DynamoDB on AWS, an embedded store locally.
 * Used for the capture-side token → team lookup and for idempotency ledgers.
 */
export interface PutOptions {
  /** Seconds until the item expires (DynamoDB TTL; honoured by readers too). */
  readonly ttlSeconds?: number;
  /** Write only when the key is absent or expired; `put` then answers false when it was present. */
  readonly onlyIfAbsent?: boolean;
}

export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Answers whether the item was written (always true unless `onlyIfAbsent`). */
  put(key: string, value: unknown, options?: PutOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
