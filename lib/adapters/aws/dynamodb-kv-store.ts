import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KeyValueStore, PutOptions } from '../../ports/key-value-store';

/**
 * JSON longer than this is stored gzipped in `z` (binary) instead of `v`: DynamoDB's item limit
 * is 400 KB, which a team's flag definitions (one item, lib/flags/flag-definitions.ts) pass at a few
 * hundred flags as plain JSON; compressed they stay well under it.
 */
const COMPRESS_ABOVE_BYTES = 16 * 1024;

export interface DynamoDbKvStoreOptions {
  /** A table whose partition key is `pk` (string), with TTL on `expiresAt`. */
  readonly table: string;
  /** An injected client stays the caller's to destroy; without one the store creates and owns its own. */
  readonly client?: DynamoDBClient;
  /** Strongly consistent reads (twice the read cost). @default false */
  readonly consistentRead?: boolean;
  /** The clock, in milliseconds; tests move it. @default Date.now */
  readonly now?: () => number;
}

/**
 * The key-value store on one DynamoDB table. An item is `{pk: S, v: S (JSON), expiresAt?: N}`
 * with `expiresAt` in epoch seconds, the table's TTL attribute; a large value is `z: B` (gzipped
 * JSON) instead of `v`. DynamoDB deletes expired items
 * only eventually (and local emulators never), so readers and conditional writers treat an item
 * whose `expiresAt` has passed as absent.
 */
export class DynamoDbKvStore implements KeyValueStore {
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbKvStoreOptions) {
    this.client = options.client ?? new DynamoDBClient({});
    this.ownsClient = !options.client;
    this.now = options.now ?? Date.now;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.options.table, Key: { pk: { S: key } }, ConsistentRead: this.options.consistentRead }),
    );
    const json = item?.v?.S ?? (item?.z?.B ? gunzipSync(item.z.B).toString('utf8') : undefined);
    if (!json) return undefined;
    if (item?.expiresAt?.N !== undefined && Number(item.expiresAt.N) < this.nowSeconds()) return undefined;
    return JSON.parse(json) as T;
  }

  async put(key: string, value: unknown, options: PutOptions = {}): Promise<boolean> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`Cannot store ${typeof value} under "${key}": it has no JSON form.`);
    const item: Record<string, AttributeValue> = { pk: { S: key } };
    if (Buffer.byteLength(json) > COMPRESS_ABOVE_BYTES) item.z = { B: gzipSync(json) };
    else item.v = { S: json };
    if (options.ttlSeconds !== undefined) {
      if (!(options.ttlSeconds >= 0) || !Number.isFinite(options.ttlSeconds)) throw new RangeError(`ttlSeconds must be a finite number ≥ 0, not ${options.ttlSeconds}.`);
      // Whole seconds, rounded up, so an item never expires before its TTL.
      item.expiresAt = { N: String(Math.ceil(this.nowSeconds() + options.ttlSeconds)) };
    }
    const condition = options.onlyIfAbsent
      ? {
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(this.nowSeconds()) } },
        }
      : {};
    try {
      await this.client.send(new PutItemCommand({ TableName: this.options.table, Item: item, ...condition }));
      return true;
    } catch (error) {
      if (options.onlyIfAbsent && (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.options.table, Key: { pk: { S: key } } }));
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** Fractional epoch seconds: an item is expired once this passes its `expiresAt`. */
  private nowSeconds(): number {
    return this.now() / 1000;
  }
}
