import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AlbFrontDoor } from './constructs/alb-front-door';
import { HedgerowFunction, type LogLevel } from './constructs/hedgerow-function';
import { HttpApiFrontDoor } from './constructs/http-api-front-door';
import { KinesisConsumer } from './constructs/kinesis-consumer';
import type { DataStack } from './data-stack';
import { connectDatabase, databasePlacement, type DatabaseMode } from './database-access';
import type { FrontDoor, ProfileSettings } from './profiles';

/** Object keys of the dead-letter store (lib/dead-letters): consumers only ever add to it. */
const DEAD_LETTERS = 'dead-letters/*';

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
 * The event's way, as in docs/architecture.md: front door → capture → Kinesis `events` →
 * ingestion consumer (persons in Postgres) → Kinesis `events_processed` → ClickHouse loader;
 * plus the API function. Capture, the loader and the API stay outside the VPC.
 */
export class IngestionStack extends Stack {
  readonly capture: HedgerowFunction;
  /** What the front door invokes: the `live` alias when capture keeps warm environments, else the function. */
  readonly captureTarget: lambda.IFunction;
  readonly ingestionConsumer: HedgerowFunction;
  readonly clickhouseLoader: HedgerowFunction;
  readonly api: HedgerowFunction;
  readonly ingestionConsumerSource: KinesisConsumer;
  readonly clickhouseLoaderSource: KinesisConsumer;
  readonly frontDoor: HttpApiFrontDoor | AlbFrontDoor;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const { data, settings } = props;
    const logLevel = props.logLevel ?? 'info';

    // --- capture: HTTP → events stream (no VPC: Kinesis and DynamoDB over public endpoints) --------
    this.capture = new HedgerowFunction(this, 'Capture', {
      name: 'capture',
      description: 'Hedgerow capture: PostHog SDK batches → Kinesis events',
      memorySize: 512,
      logLevel,
      environment: {
        HEDGEROW_STREAM_EVENTS: data.eventsStream.streamName,
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
      },
    });
    data.eventsStream.grantWrite(this.capture);
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
    const consumerDb: DatabaseMode = settings.consumerInVpc ? 'pg' : 'data-api';
    this.ingestionConsumer = new HedgerowFunction(this, 'IngestionConsumer', {
      name: 'ingestion-consumer',
      description: 'Hedgerow ingestion: persons, groups and person-on-events properties',
      memorySize: settings.ingestionConsumer.memorySize,
      timeout: settings.ingestionConsumer.timeout,
      logLevel,
      ...databasePlacement(data, consumerDb),
      environment: {
        HEDGEROW_STREAM_EVENTS_PROCESSED: data.eventsProcessedStream.streamName,
        HEDGEROW_BLOB_BUCKET: data.blobBucket.bucketName,
        // Only an in-VPC function can reach Valkey.
        ...(settings.consumerInVpc ? { HEDGEROW_REDIS_URL: data.redisUrl } : {}),
      },
    });
    connectDatabase(this.ingestionConsumer, data, consumerDb);
    data.eventsProcessedStream.grantWrite(this.ingestionConsumer);
    this.grantDeadLetterWrites(this.ingestionConsumer, data);
    this.ingestionConsumerSource = new KinesisConsumer(this, 'IngestionConsumerSource', {
      function: this.ingestionConsumer,
      stream: data.eventsStream,
      settings: settings.ingestionConsumer,
    });

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
    this.clickhouseLoaderSource = new KinesisConsumer(this, 'ClickHouseLoaderSource', {
      function: this.clickhouseLoader,
      stream: data.eventsProcessedStream,
      settings: settings.clickhouseLoader,
    });

    // --- API: accounts, keys, events and persons (Data API: no VPC, Aurora may pause) --------------
    this.api = new HedgerowFunction(this, 'Api', {
      name: 'api',
      description: 'Hedgerow API: PostHog-shaped /api routes and /_health',
      memorySize: 1024,
      // API Gateway's integration limit is 30 s; room for an Aurora resume (~15 s) on the first query.
      timeout: Duration.seconds(29),
      logLevel,
      environment: {
        HEDGEROW_KV_TABLE: data.kvTable.tableName,
        HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn,
      },
    });
    connectDatabase(this.api, data, 'data-api');
    data.kvTable.grantReadWriteData(this.api);
    data.clickhouseSecret.grantRead(this.api);

    // --- front door ---------------------------------------------------------------------------------
    this.frontDoor =
      props.frontDoor === 'alb'
        ? new AlbFrontDoor(this, 'Alb', {
            vpc: data.vpc,
            capture: this.captureTarget,
            api: this.api.function,
            accessLogsBucket: data.accessLogsBucket,
            certificateArn: props.certificateArn,
          })
        : new HttpApiFrontDoor(this, 'HttpApi', {
            capture: this.captureTarget,
            api: this.api.function,
            throttle: settings.throttle,
          });
  }

  /** Lets a consumer put poison records into the dead-letter store, and nothing else in the bucket. */
  private grantDeadLetterWrites(fn: HedgerowFunction, data: DataStack): void {
    this.deadLetterBucket ??= s3.Bucket.fromBucketArn(this, 'DeadLetterBucket', data.blobBucketArnImport);
    this.deadLetterBucket.grantPut(fn, DEAD_LETTERS);
    const reason = 'Scoped to the dead-letter prefix: object keys are generated per record, so the key needs a wildcard, and s3:Abort* cleans up multipart uploads of large records.';
    Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${data.blobBucketArnExportName}/${DEAD_LETTERS}]`, reason });
    Validations.of(fn.role).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason });
  }

  private deadLetterBucket?: s3.IBucket;
}
