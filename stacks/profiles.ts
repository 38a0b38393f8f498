import { Duration } from 'aws-cdk-lib';

/**
 * Deployment profiles (DESIGN.md "Cost shapes the design"). Every difference between `lean` and
 * `scale` lives in this one table, so a reader can see what a profile buys without reading the stacks.
 */
export const PROFILES = ['lean', 'scale'] as const;
export type Profile = (typeof PROFILES)[number];

/** How HTTP traffic reaches the Lambdas: an API Gateway HTTP API (free when idle) or an ALB (~$24/month idle). */
export const FRONT_DOORS = ['httpApi', 'alb'] as const;
export type FrontDoor = (typeof FRONT_DOORS)[number];

/**
 * Where ClickHouse runs. Only `cloud` today: a Secrets Manager secret holds the connection JSON, so a
 * self-managed cluster's URL works with the same secret once such a cluster exists.
 */
export const CLICKHOUSE_MODES = ['cloud'] as const;
export type ClickHouseMode = (typeof CLICKHOUSE_MODES)[number];

/**
 * What carries events between the functions: Kinesis streams (one provisioned shard idles at
 * $10.95/month), or an MSK Serverless cluster ($547.50/month before a single event, partitions on
 * top) whose producers must run inside the VPC.
 */
export const BUSES = ['kinesis', 'msk'] as const;
export type Bus = (typeof BUSES)[number];

/** The bus's three channels: a Kinesis stream each, or a Kafka topic each. */
export const BUS_CHANNELS = ['events', 'events_processed', 'recordings'] as const;
export type BusChannel = (typeof BUS_CHANNELS)[number];

/** The Kafka topic of each channel with the msk bus (one cluster per deployment, so fixed names). */
export const KAFKA_TOPICS: Readonly<Record<BusChannel, string>> = {
  events: 'hedgerow-events',
  events_processed: 'hedgerow-events-processed',
  recordings: 'hedgerow-recordings',
};

/** Settings of one event-source mapping (Kinesis or MSK) and of the function it feeds. */
export interface ConsumerSettings {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  /** Kinesis only: a Kafka partition is read by one poller, so an MSK consumer's concurrency is its topic's partitions. */
  readonly parallelizationFactor: number;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly memorySize: number;
  readonly timeout: Duration;
}

export interface ProfileSettings {
  readonly aurora: {
    /** 0 lets the writer auto-pause (Aurora PostgreSQL 16.3+). */
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly readers: number;
    readonly rdsProxy: boolean;
    readonly backupRetention: Duration;
    /** Idle time before a 0-ACU writer pauses (300 s to 1 day). */
    readonly autoPauseAfter: Duration;
  };
  readonly streams: { readonly mode: 'PROVISIONED' | 'ON_DEMAND'; readonly shardCount?: number };
  /**
   * Partitions of each Kafka topic with the msk bus ($0.0015 per partition-hour, $1.10/month): the
   * most consumers a topic's group can use, hence also each MSK consumer's maximum event pollers.
   */
  readonly kafkaPartitions: number;
  /**
   * Interface endpoints (Kinesis, Secrets Manager) for Lambdas inside the VPC; $14.60/month each over 2 AZs.
   * The msk bus adds the Secrets Manager endpoint in every profile and needs no Kinesis endpoint.
   */
  readonly interfaceEndpoints: boolean;
  /**
   * The ingestion consumer talks to Postgres over TCP through RDS Proxy from inside the VPC (else: Data API,
   * no VPC). The msk bus puts it in the VPC in every profile (it produces to Kafka); without a proxy it
   * connects to the writer endpoint.
   */
  readonly consumerInVpc: boolean;
  /** Warm capture environments behind the `live` alias; 0 = none. */
  readonly captureProvisionedConcurrency: number;
  /** Warm /flags environments behind the flags function's `live` alias; 0 = none. */
  readonly flagsProvisionedConcurrency: number;
  readonly valkeyLimits: { readonly maxDataStorageGb: number; readonly maxEcpuPerSecond: number };
  readonly ingestionConsumer: ConsumerSettings;
  readonly clickhouseLoader: ConsumerSettings;
  /** The replay consumer of the `recordings` stream: S3 blocks + ClickHouse session_replay_events. */
  readonly replayConsumer: ConsumerSettings;
  /** HTTP API stage throttle, a guard against a runaway bill. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

export const PROFILE_SETTINGS: Record<Profile, ProfileSettings> = {
  lean: {
    aurora: { minCapacity: 0, maxCapacity: 4, readers: 0, rdsProxy: false, backupRetention: Duration.days(7), autoPauseAfter: Duration.minutes(5) },
    streams: { mode: 'PROVISIONED', shardCount: 1 },
    kafkaPartitions: 2,
    interfaceEndpoints: false,
    consumerInVpc: false,
    captureProvisionedConcurrency: 0,
    flagsProvisionedConcurrency: 0,
    valkeyLimits: { maxDataStorageGb: 1, maxEcpuPerSecond: 5_000 },
    ingestionConsumer: {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      parallelizationFactor: 1,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(2),
    },
    // ClickHouse Cloud idles when nothing inserts: the longest window the ESM allows (5 min) means
    // fewer, larger inserts (and fewer parts to merge).
    clickhouseLoader: {
      batchSize: 1000,
      maxBatchingWindow: Duration.minutes(5),
      parallelizationFactor: 1,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(5),
    },
    // A block holds one batch's records of one session: larger, rarer batches mean fewer S3 objects
    // and fewer ClickHouse inserts (ClickHouse Cloud idles between them).
    replayConsumer: {
      batchSize: 200,
      maxBatchingWindow: Duration.seconds(30),
      parallelizationFactor: 1,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(2),
    },
    throttle: { rateLimit: 1_000, burstLimit: 2_000 },
  },
  scale: {
    aurora: { minCapacity: 0.5, maxCapacity: 16, readers: 1, rdsProxy: true, backupRetention: Duration.days(14), autoPauseAfter: Duration.minutes(5) },
    streams: { mode: 'ON_DEMAND' },
    kafkaPartitions: 8,
    interfaceEndpoints: true,
    consumerInVpc: true,
    captureProvisionedConcurrency: 2,
    flagsProvisionedConcurrency: 2,
    valkeyLimits: { maxDataStorageGb: 10, maxEcpuPerSecond: 50_000 },
    ingestionConsumer: {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 4,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(2),
    },
    clickhouseLoader: {
      batchSize: 1000,
      maxBatchingWindow: Duration.minutes(1),
      parallelizationFactor: 1,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(5),
    },
    replayConsumer: {
      batchSize: 200,
      maxBatchingWindow: Duration.seconds(10),
      parallelizationFactor: 2,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      memorySize: 1024,
      timeout: Duration.minutes(2),
    },
    throttle: { rateLimit: 10_000, burstLimit: 20_000 },
  },
};

export function parseChoice<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new Error(`Context "${name}" must be one of ${choices.join(' | ')}, got ${JSON.stringify(value)}`);
}
