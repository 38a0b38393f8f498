import path from 'node:path';
import type { LogLevel } from '../observability/logger';
import { parseBrokers } from '../adapters/kafka/brokers';
import type { StreamName } from '../ports/bus';

/** Configuration of the local platform, read once at start from flags and the environment. */
export interface LocalConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Seeds the default project's token (phc_…); generated on first start when absent. */
  readonly projectToken?: string;
  /** Seeds a personal API key (phx_…); generated on first start when absent. */
  readonly personalApiKey?: string;
  /** A PostgreSQL server instead of PGlite. */
  readonly databaseUrl?: string;
  /** A ClickHouse server instead of chDB. */
  readonly clickhouseUrl?: string;
  /** A Redis server instead of the in-memory cache. */
  readonly redisUrl?: string;
  /** An S3 endpoint (with S3_BUCKET) instead of the data folder. */
  readonly s3?: { readonly endpoint: string; readonly bucket: string };
  /** A DynamoDB endpoint (with DYNAMODB_TABLE) instead of the embedded key-value store. */
  readonly dynamodb?: { readonly endpoint: string; readonly table: string };
  /** A Kinesis endpoint (KINESIS_ENDPOINT) instead of the local log; see `KinesisConfig`. */
  readonly kinesis?: KinesisConfig;
  /** A Kafka cluster (KAFKA_BROKERS) instead of the local log; see `KafkaConfig`. */
  readonly kafka?: KafkaConfig;
  /** Shards per stream of the local log, and of the Kinesis streams the platform creates. */
  readonly shards: number;
  readonly logLevel: LogLevel;
}

export interface KinesisConfig {
  readonly endpoint: string;
  /** AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 (emulators accept any). */
  readonly region: string;
  /** Real stream name per logical stream (KINESIS_STREAM_*). */
  readonly streams: Readonly<Record<StreamName, string>>;
  /** Create missing streams at start (KINESIS_CREATE_STREAMS, default true). */
  readonly createStreams: boolean;
}

export interface KafkaConfig {
  /** Bootstrap servers, `host:port` each (KAFKA_BROKERS, comma-separated). */
  readonly brokers: readonly string[];
  /** Topic per logical stream (KAFKA_TOPIC_*); the topics must exist (the platform neither creates them nor asks the cluster to). */
  readonly topics: Readonly<Record<StreamName, string>>;
  /** MSK's IAM authentication over TLS, signed for AWS_REGION (KAFKA_MSK_IAM, default false: plaintext). */
  readonly iamRegion?: string;
}

/** The variable naming each stream, and its default name. */
const KINESIS_STREAMS: Readonly<Record<StreamName, readonly [variable: string, fallback: string]>> = {
  events: ['KINESIS_STREAM_EVENTS', 'hedgerow-events'],
  events_processed: ['KINESIS_STREAM_EVENTS_PROCESSED', 'hedgerow-events-processed'],
  recordings: ['KINESIS_STREAM_RECORDINGS', 'hedgerow-recordings'],
};

const KAFKA_TOPICS: Readonly<Record<StreamName, readonly [variable: string, fallback: string]>> = {
  events: ['KAFKA_TOPIC_EVENTS', 'hedgerow-events'],
  events_processed: ['KAFKA_TOPIC_EVENTS_PROCESSED', 'hedgerow-events-processed'],
  recordings: ['KAFKA_TOPIC_RECORDINGS', 'hedgerow-recordings'],
};

/** Kinesis stream names: 1 to 128 of these characters; Kafka topic names: 1 to 249. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const TOPIC_NAME = /^[a-zA-Z0-9_.-]{1,249}$/;

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const arg = argv[i];
  if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1);
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name}`, 'needs a value');
  return value;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

function prefixed(name: string, value: string | undefined, prefix: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!value.startsWith(prefix)) throw new ConfigError(name, `must start with ${prefix}`);
  return value;
}

function url(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a URL');
  }
  return value;
}

function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function kinesisConfig(env: NodeJS.ProcessEnv): KinesisConfig | undefined {
  const endpoint = url('KINESIS_ENDPOINT', env.KINESIS_ENDPOINT);
  const entries = Object.entries(KINESIS_STREAMS) as [StreamName, readonly [string, string]][];
  if (!endpoint) {
    // Without the endpoint these would be ignored, and the events would quietly stay on the local log.
    const stray = [...entries.map(([, [variable]]) => variable), 'KINESIS_CREATE_STREAMS'].find((v) => env[v]);
    if (stray) throw new ConfigError(stray, 'is set but KINESIS_ENDPOINT is not');
    return undefined;
  }
  return {
    endpoint,
    region: awsRegion(env),
    streams: streamNames(KINESIS_STREAMS, env, STREAM_NAME, 128),
    createStreams: boolean('KINESIS_CREATE_STREAMS', env.KINESIS_CREATE_STREAMS, true),
  };
}

function kafkaConfig(env: NodeJS.ProcessEnv): KafkaConfig | undefined {
  const raw = env.KAFKA_BROKERS;
  if (!raw) {
    const stray = [...Object.values(KAFKA_TOPICS).map(([variable]) => variable), 'KAFKA_MSK_IAM'].find((v) => env[v]);
    if (stray) throw new ConfigError(stray, 'is set but KAFKA_BROKERS is not');
    return undefined;
  }
  if (env.KINESIS_ENDPOINT) throw new ConfigError('KAFKA_BROKERS', 'and KINESIS_ENDPOINT choose two different buses: set one');
  const { brokers, bad } = parseBrokers(raw);
  if (bad !== undefined) throw new ConfigError('KAFKA_BROKERS', `must be host:port, comma-separated (got "${bad}")`);
  return {
    brokers,
    topics: streamNames(KAFKA_TOPICS, env, TOPIC_NAME, 249),
    iamRegion: boolean('KAFKA_MSK_IAM', env.KAFKA_MSK_IAM, false) ? mskRegion(env) : undefined,
  };
}

/** The real name of each stream from its variable or default, checked, and no two alike. */
function streamNames(
  variables: Readonly<Record<StreamName, readonly [variable: string, fallback: string]>>,
  env: NodeJS.ProcessEnv,
  pattern: RegExp,
  maxLength: number,
): Record<StreamName, string> {
  const names = {} as Record<StreamName, string>;
  const seen = new Map<string, string>();
  for (const [stream, [variable, fallback]] of Object.entries(variables) as [StreamName, readonly [string, string]][]) {
    const name = env[variable] || fallback;
    if (!pattern.test(name)) throw new ConfigError(variable, `must be 1 to ${maxLength} letters, digits, _ . or - (got "${name}")`);
    // One stream for two purposes would feed the ingestion its own output.
    if (seen.has(name)) throw new ConfigError(variable, `must differ from ${seen.get(name)} (both are "${name}")`);
    seen.set(name, variable);
    names[stream] = name;
  }
  return names;
}

/** MSK's tokens are signed for the cluster's region: a wrong default would fail every connection with an unclear SASL error. */
function mskRegion(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError('AWS_REGION', 'is required with KAFKA_MSK_IAM (the cluster\'s region)');
  return region;
}

function awsRegion(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

export function loadLocalConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const levels = ['debug', 'info', 'warn', 'error', 'silent'];
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!levels.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${levels.join(', ')}`);
  const s3Endpoint = url('S3_ENDPOINT', env.S3_ENDPOINT);
  if (s3Endpoint && !env.S3_BUCKET) throw new ConfigError('S3_BUCKET', 'is required with S3_ENDPOINT');
  const dynamoEndpoint = url('DYNAMODB_ENDPOINT', env.DYNAMODB_ENDPOINT);
  if (dynamoEndpoint && !env.DYNAMODB_TABLE) throw new ConfigError('DYNAMODB_TABLE', 'is required with DYNAMODB_ENDPOINT');
  return {
    port: integer('--port', flag(argv, 'port') ?? env.HEDGEROW_PORT ?? env.PORT, 8010, 0, 65535),
    host: flag(argv, 'host') ?? env.HEDGEROW_HOST ?? '127.0.0.1',
    dataDir: path.resolve(flag(argv, 'data-dir') ?? env.HEDGEROW_DATA_DIR ?? '.hedgerow'),
    projectToken: prefixed('HEDGEROW_PROJECT_TOKEN', env.HEDGEROW_PROJECT_TOKEN, 'phc_'),
    personalApiKey: prefixed('HEDGEROW_PERSONAL_API_KEY', env.HEDGEROW_PERSONAL_API_KEY, 'phx_'),
    databaseUrl: url('DATABASE_URL', env.DATABASE_URL),
    clickhouseUrl: url('CLICKHOUSE_URL', env.CLICKHOUSE_URL),
    redisUrl: url('REDIS_URL', env.REDIS_URL),
    s3: s3Endpoint ? { endpoint: s3Endpoint, bucket: env.S3_BUCKET! } : undefined,
    dynamodb: dynamoEndpoint ? { endpoint: dynamoEndpoint, table: env.DYNAMODB_TABLE! } : undefined,
    kinesis: kinesisConfig(env),
    kafka: kafkaConfig(env),
    shards: integer('HEDGEROW_SHARDS', env.HEDGEROW_SHARDS, 2, 1, 64),
    logLevel,
  };
}
