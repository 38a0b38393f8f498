import { createHash } from 'node:crypto';
import type { BlobStore } from '../ports/blob-store';
import type { Cache } from '../ports/cache';

/** What a spilled value's entry holds: this marker, then the blob's key. */
const POINTER = 'hedgerow-blob:v1:';

export interface BlobSpillingCacheOptions {
  /** Values larger than this (UTF-8 bytes) go to the blob store. @default 256 KiB */
  readonly maxInlineBytes?: number;
  /** Key prefix of the blobs (the bucket's lifecycle rule for it must outlive the longest TTL). */
  readonly prefix: string;
}

/**
 * A cache whose large values live in the blob store, the entry holding only a pointer: DynamoDB
 * items stop at 400 KB (the key-value cache), and query results or their statuses can pass that.
 * 256 KiB leaves room for the item's key and attributes without betting on compression.
 *
 * Blobs are content-addressed and written again on every set (so redelivered writes are
 * idempotent and an overwrite restarts the object's lifecycle expiry); they are never deleted
 * here, as another entry may point to the same content: the bucket expires the prefix. A value
 * that itself starts with the marker is always spilled, so a plain value is never read as a pointer.
 */
export class BlobSpillingCache implements Cache {
  private readonly maxInlineBytes: number;

  constructor(
    private readonly inner: Cache,
    private readonly blobs: BlobStore,
    private readonly options: BlobSpillingCacheOptions,
  ) {
    this.maxInlineBytes = options.maxInlineBytes ?? 256 * 1024;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.inner.get(key);
    if (value === undefined || !value.startsWith(POINTER)) return value;
    // The blob expired or was never written completely: a miss, like an expired entry.
    return (await this.blobs.get(value.slice(POINTER.length)))?.toString('utf8');
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (Buffer.byteLength(value) <= this.maxInlineBytes && !value.startsWith(POINTER)) return this.inner.set(key, value, ttlSeconds);
    const body = Buffer.from(value, 'utf8');
    const blobKey = `${this.options.prefix}${createHash('sha256').update(body).digest('hex')}`;
    await this.blobs.put(blobKey, body, 'application/json');
    await this.inner.set(key, POINTER + blobKey, ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
