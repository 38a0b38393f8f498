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

/** Settings of one Kinesis event-source mapping. */
export interface ConsumerSettings {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
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
  /** Interface endpoints (Kinesis, Secrets Manager) for Lambdas inside the VPC; $14.60/month each over 2 AZs. */
  readonly interfaceEndpoints: boolean;
  /** The ingestion consumer talks to Postgres over TCP through RDS Proxy from inside the VPC (else: Data API, no VPC). */
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
