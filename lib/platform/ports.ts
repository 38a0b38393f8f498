/**
 * The one place where adapters are chosen. A deployment describes each port it needs (the local
 * platform from its config, a Lambda from its environment) and opens only those. Adapters load
 * lazily, so a Lambda bundle never loads chDB or PGlite.
 */
import type { AnalyticsStore } from '../ports/analytics-store';
import type { BlobStore } from '../ports/blob-store';
import type { Cache } from '../ports/cache';
import type { Database } from '../ports/database';
import type { EventBus, StreamName } from '../ports/bus';
import type { KeyValueStore } from '../ports/key-value-store';
import type { Logger } from '../observability/logger';

export type BusSpec =
  | { readonly kind: 'file-log'; readonly dir: string; readonly shards: number }
  | { readonly kind: 'kinesis'; readonly streams: Partial<Record<StreamName, string>>; readonly endpoint?: string }
  | { readonly kind: 'kafka'; readonly topics: Partial<Record<StreamName, string>>; readonly brokers: readonly string[]; readonly iamRegion?: string };

export type DatabaseSpec =
  | { readonly kind: 'pglite'; readonly dir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly ssl?: boolean; readonly password?: () => Promise<string> }
  | { readonly kind: 'data-api'; readonly clusterArn: string; readonly secretArn: string; readonly database: string };

export type AnalyticsSpec =
  | { readonly kind: 'chdb'; readonly dir: string }
  | { readonly kind: 'clickhouse'; readonly url: string; readonly username?: string; readonly password?: string; readonly database?: string };

export type CacheSpec = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string };

export type BlobSpec = { readonly kind: 'folder'; readonly dir: string } | { readonly kind: 's3'; readonly bucket: string; readonly endpoint?: string };

export type KeyValueSpec = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'dynamodb'; readonly table: string; readonly endpoint?: string };

export async function openBus(spec: BusSpec, logger: Logger): Promise<EventBus> {
  if (spec.kind === 'file-log') {
    const { FileLog } = await import('../adapters/local/file-log/file-log');
    return FileLog.open({ dir: spec.dir, shards: spec.shards });
  }
  if (spec.kind === 'kafka') {
    const [{ createKafka }, { KafkaBus }] = await Promise.all([import('../adapters/kafka/kafka-client'), import('../adapters/kafka/kafka-bus')]);
    return new KafkaBus({ kafka: createKafka({ brokers: spec.brokers, iamRegion: spec.iamRegion }, logger), topics: spec.topics, logger });
  }
  const { KinesisBus, createKinesisClient } = await import('../adapters/aws/kinesis-bus');
  const client = createKinesisClient(spec.endpoint ? { endpoint: spec.endpoint } : {});
  return new KinesisBus({ streams: spec.streams, client, logger });
}

export async function openDatabase(spec: DatabaseSpec, logger: Logger): Promise<Database> {
  switch (spec.kind) {
    case 'pglite': {
      const { PgliteDatabase } = await import('../adapters/local/pglite-database');
      return PgliteDatabase.open(spec.dir);
    }
    case 'postgres': {
      const { PostgresDatabase } = await import('../adapters/aws/postgres-database');
      return PostgresDatabase.connect(
        { connectionString: spec.url, ssl: spec.ssl ? { rejectUnauthorized: true } : undefined, ...(spec.password ? { password: spec.password } : {}) },
        logger,
      );
    }
    case 'data-api': {
      const { RdsDataDatabase } = await import('../adapters/aws/rds-data-database');
      return new RdsDataDatabase({ resourceArn: spec.clusterArn, secretArn: spec.secretArn, database: spec.database, logger });
    }
  }
}

/** A ClickHouse URL `chdb://<path>` names a chDB folder, so a secret or CLICKHOUSE_URL can point at chDB. */
const CHDB_URL_PREFIX = 'chdb://';

export async function openAnalyticsStore(spec: AnalyticsSpec): Promise<AnalyticsStore> {
  const { ClickHouseStore, createClickHouseClient } = await import('../adapters/clickhouse-store');
  if (spec.kind === 'clickhouse' && !spec.url.startsWith(CHDB_URL_PREFIX)) return new ClickHouseStore(createClickHouseClient(spec, { request_timeout: 60_000 }));
  const dir = spec.kind === 'chdb' ? spec.dir : spec.url.slice(CHDB_URL_PREFIX.length);
  const [{ createClient }, { createChdbConnection }, { Session }] = await Promise.all([import('@clickhouse/client'), import('chdb/connection'), import('chdb')]);
  // chDB pins its own copy of @clickhouse/client-common; the connection is the same interface.
  const client = createClient({ connection: createChdbConnection({ path: dir }) as never });
  // Inserts on a second session of the same folder (chDB lets sessions of one folder coexist in a
  // process): its raw insert takes the rows' bytes, where the client's would make them one string.
  const inserts = new Session(dir);
  return new ClickHouseStore(client, {
    settingsInSql: true,
    rawInserts: {
      insert: async (table, body, settings) => void (await inserts.insert({ table, values: body, format: 'JSONEachRow', settings })),
      close: () => inserts.close(),
    },
  });
}

export async function openCache(spec: CacheSpec): Promise<Cache> {
  if (spec.kind === 'memory') {
    const { MemoryCache } = await import('../adapters/local/memory-cache');
    return new MemoryCache();
  }
  const { createRedisCache } = await import('../adapters/aws/redis-cache');
  return createRedisCache(spec.url);
}

export async function openBlobStore(spec: BlobSpec): Promise<BlobStore> {
  if (spec.kind === 'folder') {
    const { FolderBlobStore } = await import('../adapters/local/folder-blob-store');
    return new FolderBlobStore(spec.dir);
  }
  const { S3BlobStore, createS3Client } = await import('../adapters/aws/s3-blob-store');
  return new S3BlobStore({ bucket: spec.bucket, client: createS3Client(spec.endpoint ? { endpoint: spec.endpoint } : {}) });
}

export async function openKeyValueStore(spec: KeyValueSpec): Promise<KeyValueStore> {
  if (spec.kind === 'file') {
    const { FileKeyValueStore } = await import('../adapters/local/file-key-value-store');
    return FileKeyValueStore.open(spec.file);
  }
  const { DynamoDbKvStore } = await import('../adapters/aws/dynamodb-kv-store');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  return new DynamoDbKvStore({ table: spec.table, client: new DynamoDBClient(spec.endpoint ? { endpoint: spec.endpoint } : {}) });
}
