/**
 * Large cache values on AWS: the key-value cache (DynamoDB, 400 KB items) with the blob store
 * (S3) behind it, on dynalite and s3rver, and the query statuses and results that need it.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { BlobSpillingCache } from '../../../lib/adapters/blob-spilling-cache';
import { DynamoDbKvStore } from '../../../lib/adapters/aws/dynamodb-kv-store';
import { S3BlobStore, createS3Client } from '../../../lib/adapters/aws/s3-blob-store';
import { KeyValueCache } from '../../../lib/adapters/key-value-cache';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import type { QueryDispatcher, QueryJob } from '../../../lib/ports/query-dispatcher';
import { QueryService, type QueryScope } from '../../../lib/query/query-service';
import { QUERY_RESULTS_PREFIX } from '../../../lib/query/query-state';
import type { QueryRunner } from '../../../lib/query/types';
import { TEST_CREDENTIALS, TEST_REGION, createKeyValueTable, startDynalite, startS3rver, type Emulator } from '../../support/aws-emulators';
import { openTestStore } from '../../support/chdb';

let dynalite: Emulator;
let s3rver: Emulator;
let dynamo: DynamoDBClient;
let s3: S3Client;
let kvCache: KeyValueCache;
let blobs: S3BlobStore;
let cache: BlobSpillingCache;
const run = Date.now().toString(36);
const table = `hedgerow-kv-${run}`;
const bucket = `hedgerow-blobs-${run}`;

/** Hex of random bytes: JSON-safe, and gzip shrinks it only to about half. */
const incompressible = (bytes: number) => randomBytes(bytes / 2).toString('hex');

beforeAll(async () => {
  [dynalite, s3rver] = await Promise.all([startDynalite(), startS3rver()]);
  const client = { region: TEST_REGION, credentials: TEST_CREDENTIALS };
  dynamo = new DynamoDBClient({ ...client, endpoint: dynalite.endpoint });
  s3 = createS3Client({ ...client, endpoint: s3rver.endpoint });
  await createKeyValueTable(dynamo, table);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  kvCache = new KeyValueCache(new DynamoDbKvStore({ table, client: dynamo, consistentRead: true }));
  blobs = new S3BlobStore({ bucket, client: s3 });
  cache = new BlobSpillingCache(kvCache, blobs, { prefix: QUERY_RESULTS_PREFIX });
}, 60_000);

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await Promise.all([dynalite?.stop(), s3rver?.stop()]);
});

describe('BlobSpillingCache on DynamoDB and S3', () => {
  it('a value past the item limit cannot go into DynamoDB at all (why the cache spills)', async () => {
    await expect(kvCache.set('too-big', incompressible(1_200_000), 60)).rejects.toThrow(/size/i);
  });

  it('keeps small values in the table and large ones in the bucket, behind a pointer', async () => {
    await cache.set('small', '{"results":[[1]]}', 60);
    expect(await kvCache.get('small')).toBe('{"results":[[1]]}');
    const large = JSON.stringify({ results: [[incompressible(1_000_000)]] });
    await cache.set('large', large, 60);
    expect(await cache.get('large')).toBe(large);
    const pointer = await kvCache.get('large');
    expect(pointer!.length).toBeLessThan(200);
    const [key] = (await blobs.list(QUERY_RESULTS_PREFIX)).filter((k) => pointer!.endsWith(k));
    expect(key).toMatch(/^query-results\/[0-9a-f]{64}$/);
    expect((await blobs.get(key))!.toString('utf8')).toBe(large);
    await cache.delete('large');
    expect(await cache.get('large')).toBeUndefined();
  });

  it('writing the same large value again (a redelivery) lands on the same blob', async () => {
    const large = incompressible(400_000);
    const before = (await blobs.list(QUERY_RESULTS_PREFIX)).length;
    await cache.set('again-1', large, 60);
    await cache.set('again-2', large, 60);
    expect((await blobs.list(QUERY_RESULTS_PREFIX)).length).toBe(before + 1);
    expect(await cache.get('again-2')).toBe(large);
  });

  it('never reads a plain value as a pointer, and a pointer whose blob expired is a miss', async () => {
    const lookalike = 'hedgerow-blob:v1:query-results/not-a-blob';
    await cache.set('lookalike', lookalike, 60);
    expect(await cache.get('lookalike')).toBe(lookalike);
    await cache.set('expired', incompressible(300_000), 60);
    for (const key of await blobs.list(QUERY_RESULTS_PREFIX)) await blobs.delete(key);
    expect(await cache.get('expired')).toBeUndefined();
  });
});

describe('a large async result through the worker, on DynamoDB and S3', () => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    store = await openTestStore();
  }, 60_000);
  afterAll(async () => store?.close());

  it('completes, and the api reads the whole result back from its status and from the result cache', async () => {
    // 20,000 hashes, 1.4 MB of JSON: over the item limit even gzipped.
    const bigRunner: QueryRunner = async (_query, ctx) => ({
      results: (await ctx.store.query<{ s: string }>('SELECT hex(SHA256(toString(number))) AS s FROM numbers(20000)')).map((r) => [r.s]),
    });
    const jobs: QueryJob[] = [];
    const dispatcher: QueryDispatcher = { dispatch: async (job) => void jobs.push(job) };
    const limits = { maxExecutionTimeSeconds: 5, maxMemoryUsageBytes: 500_000_000, maxResultRows: 50_000 };
    const api = new QueryService({ runners: { Big: bigRunner }, store, cache, limits, dispatcher });
    const worker = new QueryService({ runners: { Big: bigRunner }, store, cache, limits });
    const scope: QueryScope = { teamId: 1, timezone: 'UTC', groupTypes: new Map(), loadAction: async () => undefined, loadCohort: async () => undefined };

    expect((await api.run({ kind: 'Big' }, scope, { refresh: 'force_async', clientQueryId: 'big' })).status).toBe(202);
    expect(await worker.runJob(jobs[0], scope)).toBe('completed');
    const status = await api.status(1, 'big');
    expect(status.status).toBe(200);
    const results = (status.body.query_status as { results: { results: string[][] } }).results.results;
    expect(results).toHaveLength(20_000);
    expect(JSON.stringify(results).length).toBeGreaterThan(1_300_000);
    const cached = await api.run({ kind: 'Big' }, scope, { refresh: 'force_cache' });
    expect(cached.body).toMatchObject({ is_cached: true });
    expect(cached.body.results).toEqual(results);
  });
});
