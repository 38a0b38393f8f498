import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AlbFrontDoor } from './constructs/alb-front-door';
import { AsyncInvokeTarget } from './constructs/async-invoke-target';
import { HedgerowFunction, type LogLevel } from './constructs/hedgerow-function';
import { HttpApiFrontDoor } from './constructs/http-api-front-door';
import type { KinesisConsumer } from './constructs/kinesis-consumer';
import type { MskConsumer } from './constructs/msk-consumer';
import { consumeChannel, grantProduce, producerEnvironment, producerModules, producerPlacement } from './bus-access';
import type { DataStack } from './data-stack';
import { connectDatabase, databasePlacement, type DatabaseMode } from './database-access';
import type { FrontDoor, ProfileSettings } from './profiles';
import { QUERY_JOB_DEADLINE_SECONDS } from '../lib/query/query-job';
import { QUERY_RESULTS_PREFIX } from '../lib/query/query-state';
import { PARTS_PREFIX, REPLAY_PREFIX } from '../lib/replay/block-key';

/** Object keys of the dead-letter store (lib/dead-letters): consumers only ever add to it. */
const DEAD_LETTERS = 'dead-letters/*';
/** Replay blocks (`replay/<N>d/<team>/<session>/…`) and parts of oversized events (lib/replay/block-key.ts). */
const REPLAY_BLOCKS = `${REPLAY_PREFIX}*`;
const REPLAY_PARTS = `${PARTS_PREFIX}*`;
/** Query statuses and results too large for a DynamoDB item (lib/adapters/blob-spilling-cache.ts). */
const QUERY_RESULTS = `${QUERY_RESULTS_PREFIX}*`;
/** The query worker's timeout: far above max_execution_time (25 s) plus a cold start and an Aurora resume, yet bounded. */
const QUERY_WORKER_TIMEOUT = Duration.minutes(5);

export interface IngestionStackProps extends StackProps {
  readonly data: DataStack;
  readonly settings: ProfileSettings;
  /** @default 'httpApi' */
  readonly frontDoor?: FrontDoor;
  /** ACM certificate for the ALB's HTTPS listener. @default - HTTP only (the ALB front door) */
  readonly certificateArn?: string;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
}

/**
 * The event's way, as in docs/architecture.md: front door → capture → bus `events` →
 * ingestion consumer (persons in Postgres, projected into DynamoDB for /flags) → bus
 * `events_processed` → ClickHouse loader; a recording's way: capture (/s) → bus `recordings`
 * → replay consumer → S3 blocks + ClickHouse; the flags function (/flags, /decide, remote config,
 * posthog-js bundles) reading only DynamoDB; plus the API function. The bus is Kinesis, or Kafka
 * topics on MSK Serverless (stacks/bus-access.ts). Flags, the loader, the replay consumer and the
 * API stay outside the VPC; capture too, unless it produces to MSK.
 */
export class IngestionStack extends Stack {
  readonly capture: HedgerowFunction;
  /** What the front door invokes: the `live` alias when capture keeps warm environments, else the function. */
  readonly captureTarget: lambda.IFunction;
  readonly ingestionConsumer: HedgerowFunction;
  readonly clickhouseLoader: HedgerowFunction;
  readonly api: HedgerowFunction;
  /** Runs the background queries the api dispatches (asynchronous invokes). */
  readonly queryWorker: HedgerowFunction;
  readonly queryWorkerInvokes: AsyncInvokeTarget;
  readonly flags: HedgerowFunction;
  /** What the front door invokes for /flags: the `live` alias when flags keeps warm environments, else the function. */
  readonly flagsTarget: lambda.IFunction;
  readonly replayConsumer: HedgerowFunction;
  readonly ingestionConsumerSource: KinesisConsumer | MskConsumer;
  readonly clickhouseLoaderSource: KinesisConsumer | MskConsumer;
  readonly replayConsumerSource: KinesisConsumer | MskConsumer;
  readonly frontDoor: HttpApiFrontDoor | AlbFrontDoor;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const { data, settings } = props;
    const logLevel = props.logLevel ?? 'info';

    // --- capture: HTTP → events (no VPC with Kinesis: Kinesis and DynamoDB over public endpoints) ---
    const busName = data.bus.kind === 'msk' ? 'Kafka' : 'Kinesis';
    this.capture = new HedgerowFunction(this, 'Capture', {
      name: 'capture',
      description: `Hedgerow capture: PostHog SDK batches → ${busName} events; /s snapshots → ${busName} recordings`,
      vendored: producerModules(data),
      memorySize: 512,
      logLevel,
      ...producerPlacement(data),
      environment: {
        ...producerEnvironment(data, ['events', 'recordings']),
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
      },
    });
    grantProduce(this.capture, data, ['events', 'recordings']);
    data.kvTable.grantReadData(this.capture);
    this.captureTarget =
      settings.captureProvisionedConcurrency > 0
        ? new lambda.Alias(this, 'CaptureLive', {
            aliasName: 'live',
            version: this.capture.function.currentVersion,
            provisionedConcurrentExecutions: settings.captureProvisionedConcurrency,
          })
        : this.capture.function;

    // --- ingestion consumer: events → persons in Postgres → events_processed -----------------------
    // In the VPC where the profile says so, and with msk (a producer): then Postgres over TCP.
    const consumerInVpc = settings.consumerInVpc || data.bus.kind === 'msk';
    const consumerDb: DatabaseMode = consumerInVpc ? 'pg' : 'data-api';
    this.ingestionConsumer = new HedgerowFunction(this, 'IngestionConsumer', {
      name: 'ingestion-consumer',
      description: 'Hedgerow ingestion: persons, groups and person-on-events properties',
      vendored: producerModules(data),
      memorySize: settings.ingestionConsumer.memorySize,
      timeout: settings.ingestionConsumer.timeout,
      logLevel,
      ...databasePlacement(data, consumerDb),
      environment: {
        ...producerEnvironment(data, ['events_processed']),
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
        // The persons projection /flags reads (lib/flags/person-projection.ts).
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
        // Only an in-VPC function can reach Valkey.
        ...(consumerInVpc ? { HEDGEROW_REDIS_URL: data.redisUrl } : {}),
      },
    });
    connectDatabase(this.ingestionConsumer, data, consumerDb);
    grantProduce(this.ingestionConsumer, data, ['events_processed']);
    // Writes (puts and deletes) the projection's keys only; in the VPC through the DynamoDB gateway endpoint.
    grantKeyPrefixes(this.ingestionConsumer, data, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], ['flags-did:*', 'flags-person:*', 'flags-group:*']);
    // A merge moves the merged person's overrides and static cohorts to the survivor: it reads both persons' keys.
    grantKeyPrefixes(this.ingestionConsumer, data, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], ['flags-overrides:*', 'flags-static:*']);
    this.grantDeadLetterWrites(this.ingestionConsumer, data);
    this.ingestionConsumerSource = consumeChannel(this, 'IngestionConsumerSource', this.ingestionConsumer, data, 'events', settings.ingestionConsumer);

    // --- ClickHouse loader: events_processed → ClickHouse (no VPC: ClickHouse Cloud over TLS) -------
    this.clickhouseLoader = new HedgerowFunction(this, 'ClickHouseLoader', {
      name: 'clickhouse-loader',
      description: 'Hedgerow loader: batched, idempotent inserts into ClickHouse',
      memorySize: settings.clickhouseLoader.memorySize,
      timeout: settings.clickhouseLoader.timeout,
      logLevel,
      environment: {
        HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn,
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
      },
    });
    data.clickhouseSecret.grantRead(this.clickhouseLoader);
    this.grantDeadLetterWrites(this.clickhouseLoader, data);
    this.clickhouseLoaderSource = consumeChannel(this, 'ClickHouseLoaderSource', this.clickhouseLoader, data, 'events_processed', settings.clickhouseLoader);

    // --- API: accounts, keys, events and persons (Data API: no VPC, Aurora may pause) --------------
    this.api = new HedgerowFunction(this, 'Api', {
      name: 'api',
      vendored: ['@posthog/hogql-parser'],
      description: 'Hedgerow API: PostHog-shaped /api routes, local evaluation, session recordings, /_health',
      memorySize: 1024,
      // API Gateway's integration limit is 30 s; room for an Aurora resume (~15 s) on the first query.
      timeout: Duration.seconds(29),
      logLevel,
      environment: {
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
        HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn,
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
      },
    });
    connectDatabase(this.api, data, 'data-api');
    // Publishes tokens, flag definitions and replay settings for the functions that read only DynamoDB.
    data.kvTable.grantReadWriteData(this.api);
    data.clickhouseSecret.grantRead(this.api);
    // The recordings API reads blocks (snapshots) and deletes a recording's blocks and parts.
    this.blobs(data).grantRead(this.api, REPLAY_BLOCKS);
    this.blobs(data).grantDelete(this.api, REPLAY_BLOCKS);
    this.blobs(data).grantDelete(this.api, REPLAY_PARTS);
    this.acknowledgeReplayGrants(this.api, data, 'The recordings API reads any block of a recording (keys are content-addressed per session) and deletes a whole recording;', [REPLAY_BLOCKS, REPLAY_PARTS]);
    this.grantQueryResults(this.api, data);

    // --- query worker: background queries (refresh=async), the api's data access, no HTTP --------
    this.queryWorker = new HedgerowFunction(this, 'QueryWorker', {
      name: 'query-worker',
      vendored: ['@posthog/hogql-parser'],
      description: 'Hedgerow query worker: async queries the API dispatches; statuses and results into the shared cache',
      memorySize: 1024,
      timeout: QUERY_WORKER_TIMEOUT,
      logLevel,
      environment: {
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
        HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn,
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
      },
    });
    connectDatabase(this.queryWorker, data, 'data-api');
    // The shared query cache only (KeyValueCache's `cache:` keys), never tokens or definitions.
    grantKeyPrefixes(this.queryWorker, data, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], ['cache:*']);
    data.clickhouseSecret.grantRead(this.queryWorker);
    this.grantQueryResults(this.queryWorker, data);
    this.queryWorkerInvokes = new AsyncInvokeTarget(this, 'QueryWorkerInvokes', {
      target: this.queryWorker,
      invokers: [this.api],
      environmentVariable: 'HEDGEROW_QUERY_WORKER_FUNCTION',
      // One retry: a failing query is recorded and returns, so only infrastructure failures (cold
      // start, an unreachable engine) come back, and runJob never runs a job twice at once.
      retryAttempts: 1,
      // Event age plus one run stays within the job's deadline, after which the api reports it failed.
      maxEventAge: Duration.seconds(QUERY_JOB_DEADLINE_SECONDS).minus(QUERY_WORKER_TIMEOUT),
    });

    // --- flags: /flags, /decide, remote config, posthog-js bundles (DynamoDB only: no VPC, no Aurora)
    this.flags = new HedgerowFunction(this, 'Flags', {
      name: 'flags',
      description: 'Hedgerow flags: /flags, /decide, /array/<token>/config, /static posthog-js bundles',
      // Evaluation is CPU-bound: more memory buys a larger CPU share.
      memorySize: 1024,
      logLevel,
      environment: { HEDGEROW_KV_TABLE: data.kvTable.tableName },
      // posthog-js's built bundles (lazy-recorder.js, …) ship inside the function: same version as the npm package, no bucket.
      assets: { from: 'node_modules/posthog-js/dist', to: 'static', extension: '.js' },
    });
    data.kvTable.grantReadData(this.flags);
    // Experience continuity records hash-key overrides (flags-overrides:<team>:<person>): its one write, to those keys only.
    grantKeyPrefixes(this.flags, data, ['dynamodb:PutItem'], ['flags-overrides:*']);
    this.flagsTarget =
      settings.flagsProvisionedConcurrency > 0
        ? new lambda.Alias(this, 'FlagsLive', {
            aliasName: 'live',
            version: this.flags.function.currentVersion,
            provisionedConcurrentExecutions: settings.flagsProvisionedConcurrency,
          })
        : this.flags.function;

    // --- replay consumer: recordings → S3 blocks + ClickHouse (no VPC: settings from DynamoDB) ------
    this.replayConsumer = new HedgerowFunction(this, 'ReplayConsumer', {
      name: 'replay-consumer',
      description: 'Hedgerow replay: session snapshots → S3 blocks, ClickHouse session_replay_events',
      memorySize: settings.replayConsumer.memorySize,
      timeout: settings.replayConsumer.timeout,
      logLevel,
      environment: {
        HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn,
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
      },
    });
    data.clickhouseSecret.grantRead(this.replayConsumer);
    data.kvTable.grantReadData(this.replayConsumer);
    this.blobs(data).grantPut(this.replayConsumer, REPLAY_BLOCKS);
    // Read, write and delete (grantReadWrite includes s3:DeleteObject*): parts are stashed, reassembled, removed.
    this.blobs(data).grantReadWrite(this.replayConsumer, REPLAY_PARTS);
    this.acknowledgeReplayGrants(this.replayConsumer, data, 'The replay consumer writes content-addressed blocks and stashes, reassembles and removes parts of oversized events;', [REPLAY_BLOCKS, REPLAY_PARTS]);
    this.grantDeadLetterWrites(this.replayConsumer, data);
    this.replayConsumerSource = consumeChannel(this, 'ReplayConsumerSource', this.replayConsumer, data, 'recordings', settings.replayConsumer);

    // --- front door ---------------------------------------------------------------------------------
    this.frontDoor =
      props.frontDoor === 'alb'
        ? new AlbFrontDoor(this, 'Alb', {
            vpc: data.vpc,
            capture: this.captureTarget,
            api: this.api.function,
            flags: this.flagsTarget,
            accessLogsBucket: data.accessLogsBucket,
            certificateArn: props.certificateArn,
          })
        : new HttpApiFrontDoor(this, 'HttpApi', {
            capture: this.captureTarget,
            api: this.api.function,
            flags: this.flagsTarget,
            throttle: settings.throttle,
          });
  }

  /** The blob bucket through its named export (stable IAM resource strings; see DataStack.blobBucketArnImport). */
  private blobs(data: DataStack): s3.IBucket {
    this.blobBucket ??= s3.Bucket.fromBucketArn(this, 'DeadLetterBucket', data.blobBucketArnImport);
    return this.blobBucket;
  }

  /** cdk-nag acknowledgements of prefix-scoped S3 grants: object keys are generated, so they need a wildcard. */
  private acknowledgeReplayGrants(fn: HedgerowFunction, data: DataStack, why: string, patterns: readonly string[]): void {
    const reason = `${why} scoped to the replay prefixes (object keys are generated per session and block, so each needs a wildcard); S3's grant helpers use action wildcards (s3:GetObject*, s3:List*, s3:DeleteObject*, s3:Abort*).`;
    for (const pattern of patterns) Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${data.blobBucketArnExportName}/${pattern}]`, reason });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
    }
  }

  /** Reads and writes query statuses and results kept in the bucket (content-addressed; the bucket expires them). */
  private grantQueryResults(fn: HedgerowFunction, data: DataStack): void {
    this.blobs(data).grantRead(fn, QUERY_RESULTS);
    this.blobs(data).grantPut(fn, QUERY_RESULTS);
    const reason = 'Scoped to the query-results prefix: object keys are content hashes, so the key needs a wildcard; S3\'s grant helpers use action wildcards (s3:GetObject*, s3:GetBucket*, s3:List*, s3:Abort*).';
    Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${data.blobBucketArnExportName}/${QUERY_RESULTS}]`, reason });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*']) Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }

  /** Lets a consumer put poison records into the dead-letter store, and nothing else in the bucket. */
  private grantDeadLetterWrites(fn: HedgerowFunction, data: DataStack): void {
    this.blobs(data).grantPut(fn, DEAD_LETTERS);
    const reason = 'Scoped to the dead-letter prefix: object keys are generated per record, so the key needs a wildcard, and s3:Abort* cleans up multipart uploads of large records.';
    Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${data.blobBucketArnExportName}/${DEAD_LETTERS}]`, reason });
    Validations.of(fn.role).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason });
  }

  private blobBucket?: s3.IBucket;
}

/**
 * Write access to the items of the key-value table whose key starts with one of `patterns` (IAM's
 * `dynamodb:LeadingKeys`), for functions that own one part of the table (the persons projection,
 * continuity overrides) and must not touch the rest (tokens, definitions, ledgers).
 */
function grantKeyPrefixes(fn: HedgerowFunction, data: DataStack, actions: string[], patterns: string[]): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee: fn,
    actions,
    resourceArns: [data.kvTable.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns } },
  });
}
