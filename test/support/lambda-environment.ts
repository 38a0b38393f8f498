import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createKinesisClient } from '../../lib/adapters/aws/kinesis-bus';
import { RdsDataDatabase } from '../../lib/adapters/aws/rds-data-database';
import { S3BlobStore, createS3Client } from '../../lib/adapters/aws/s3-blob-store';
import { DynamoDbKvStore } from '../../lib/adapters/aws/dynamodb-kv-store';
import type { BlobStore } from '../../lib/ports/blob-store';
import type { Database } from '../../lib/ports/database';
import type { KeyValueStore } from '../../lib/ports/key-value-store';
import { TEST_CREDENTIALS, TEST_REGION, createKeyValueTable, startDynalite, startKinesalite, startS3rver, type Emulator } from './aws-emulators';
import { testChdbDir } from './chdb';
import { DataApiServer } from './data-api-server';
import { TEST_DATABASE_URL, createTestSchema, type TestSchema } from './postgres-server';
import { SecretsManagerServer } from './secrets-manager-server';

/**
 * Everything a Hedgerow Lambda reaches on AWS, on this machine: kinesalite (Kinesis), dynalite
 * (DynamoDB), s3rver (S3), the local RDS Data API over a schema of its own in the real
 * PostgreSQL, a local Secrets Manager holding the ClickHouse secret, which names this Jest
 * worker's chDB folder (`chdb://<path>`). `env` is the Lambda environment (names from
 * docs/architecture.md) plus the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, so the
 * handlers' clients reach the local services with no code of their own for it.
 *
 * Handlers read their environment at module load: assign `env` to `process.env` before importing one.
 */
export interface LambdaEnvironment {
  readonly env: Readonly<Record<string, string>>;
  /** The real stream names of the logical streams. */
  readonly streams: { readonly events: string; readonly events_processed: string; readonly recordings: string };
  readonly dataApi: DataApiServer;
  readonly secrets: SecretsManagerServer;
  /** The test's own view of Aurora: the same Data API, another client. */
  readonly db: Database;
  /** The test's own view of the DynamoDB table. */
  readonly kv: KeyValueStore;
  /** The test's own view of the S3 bucket (dead letters). */
  readonly blobs: BlobStore;
  readonly kinesis: KinesisClient;
  /** Every record of a stream so far, as the Kinesis event a Lambda event-source mapping would deliver. */
  kinesisEvent(stream: string): Promise<KinesisStreamEvent>;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';
const CLUSTER_ARN = `arn:aws:rds:${TEST_REGION}:${ACCOUNT}:cluster:hedgerow`;
const DATABASE_SECRET_ARN = `arn:aws:secretsmanager:${TEST_REGION}:${ACCOUNT}:secret:hedgerow-database-AbCdEf`;
const CLICKHOUSE_SECRET_ARN = `arn:aws:secretsmanager:${TEST_REGION}:${ACCOUNT}:secret:hedgerow-clickhouse-AbCdEf`;

export async function startLambdaEnvironment(label: string): Promise<LambdaEnvironment> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    const [kinesalite, dynalite, s3rver] = await Promise.all([startKinesalite(), startDynalite(), startS3rver()]);
    stoppers.push(...[kinesalite, dynalite, s3rver].map((e: Emulator) => () => e.stop()));
    const schema: TestSchema = await createTestSchema(label);
    stoppers.push(() => schema.drop());
    const dataApi = await DataApiServer.start({ connectionString: TEST_DATABASE_URL, schema: schema.schema });
    stoppers.push(() => dataApi.stop());
    const secrets = await SecretsManagerServer.start({
      [CLICKHOUSE_SECRET_ARN]: { url: `chdb://${testChdbDir()}`, username: 'default', password: '', database: 'default' },
      [DATABASE_SECRET_ARN]: { username: 'postgres', password: '', engine: 'postgres' },
    });
    stoppers.push(() => secrets.stop());

    const run = Date.now().toString(36);
    const streams = { events: `hedgerow-events-${run}`, events_processed: `hedgerow-events-processed-${run}`, recordings: `hedgerow-recordings-${run}` };
    const table = `hedgerow-kv-${run}`;
    const bucket = `hedgerow-blobs-${run}`;
    const client = { region: TEST_REGION, credentials: TEST_CREDENTIALS };

    const kinesis = createKinesisClient({ ...client, endpoint: kinesalite.endpoint });
    const dynamo = new DynamoDBClient({ ...client, endpoint: dynalite.endpoint });
    const s3 = createS3Client({ ...client, endpoint: s3rver.endpoint });
    const rdsData = new RDSDataClient({ ...client, endpoint: dataApi.endpoint });
    stoppers.push(async () => [kinesis, dynamo, s3, rdsData].forEach((c) => c.destroy()));

    await Promise.all([
      ...Object.values(streams).map((name) => createStream(kinesis, name)),
      createKeyValueTable(dynamo, table),
      s3.send(new CreateBucketCommand({ Bucket: bucket })),
    ]);

    const env: Record<string, string> = {
      AWS_REGION: TEST_REGION,
      AWS_DEFAULT_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_KINESIS: kinesalite.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      // A host name, not an IP: the SDK would address `<bucket>.localhost` unless the client is path-style.
      AWS_ENDPOINT_URL_S3: s3rver.endpoint.replace('127.0.0.1', 'localhost'),
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      HEDGEROW_STREAM_EVENTS: streams.events,
      HEDGEROW_STREAM_EVENTS_PROCESSED: streams.events_processed,
      HEDGEROW_STREAM_RECORDINGS: streams.recordings,
      HEDGEROW_KV_TABLE: table,
      HEDGEROW_BLOB_BUCKET: bucket,
      HEDGEROW_CLICKHOUSE_SECRET_ARN: CLICKHOUSE_SECRET_ARN,
      HEDGEROW_DATABASE_MODE: 'data-api',
      HEDGEROW_DATABASE_CLUSTER_ARN: CLUSTER_ARN,
      HEDGEROW_DATABASE_SECRET_ARN: DATABASE_SECRET_ARN,
      HEDGEROW_DATABASE_NAME: 'test',
      LOG_LEVEL: 'error',
    };

    return {
      env,
      streams,
      dataApi,
      secrets,
      db: new RdsDataDatabase({ resourceArn: CLUSTER_ARN, secretArn: DATABASE_SECRET_ARN, database: 'test', client: rdsData }),
      kv: new DynamoDbKvStore({ table, client: dynamo, consistentRead: true }),
      blobs: new S3BlobStore({ bucket, client: s3 }),
      kinesis,
      kinesisEvent: (stream) => readKinesisEvent(kinesis, stream),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  for (;;) {
    const { StreamDescriptionSummary: s } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads every shard from TRIM_HORIZON and shapes the records as Lambda's Kinesis event source does. */
async function readKinesisEvent(client: KinesisClient, stream: string): Promise<KinesisStreamEvent> {
  const Records: KinesisStreamRecord[] = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        Records.push({
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/hedgerow-function`,
          awsRegion: TEST_REGION,
          eventSourceARN: `arn:aws:kinesis:${TEST_REGION}:${ACCOUNT}:stream/${stream}`,
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey!,
            sequenceNumber: r.SequenceNumber!,
            data: Buffer.from(r.Data!).toString('base64'),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
          },
        });
      }
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return { Records };
}
