import { parseBrokers } from '../../lib/adapters/kafka/brokers';
import type { StreamName } from '../../lib/ports/bus';
import type { AnalyticsSpec, BlobSpec, BusSpec, DatabaseSpec, KeyValueSpec } from '../../lib/platform/ports';

/**
 * Secrets Manager's client loads only in the functions that read a secret (a static import costs
 * every cold start ~60 ms of SDK loading, capture's included: bench/lambda.bench.ts).
 */
const readJsonSecret = async <T>(secretId: string): Promise<T> => (await import('../../lib/adapters/aws/secrets')).readJsonSecret<T>(secretId);

/** A Lambda's configuration is wrong: fails the cold start with the variable's name. */
export class LambdaConfigError extends Error {
  constructor(variable: string, problem = 'is required') {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'LambdaConfigError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new LambdaConfigError(name);
  return value;
}

/**
 * The streams this function may write, by logical name (HEDGEROW_STREAM_*): Kinesis stream names,
 * or MSK topic names when HEDGEROW_KAFKA_BROKERS holds the cluster's bootstrap servers; those are
 * reached with MSK's IAM authentication unless HEDGEROW_KAFKA_AUTH is `none` (a plaintext Kafka).
 */
export function busSpec(streams: readonly StreamName[], env: NodeJS.ProcessEnv = process.env): BusSpec {
  const variables: Record<StreamName, string> = {
    events: 'HEDGEROW_STREAM_EVENTS',
    events_processed: 'HEDGEROW_STREAM_EVENTS_PROCESSED',
    recordings: 'HEDGEROW_STREAM_RECORDINGS',
  };
  const names = Object.fromEntries(streams.map((s) => [s, requireEnv(variables[s], env)]));
  const brokers = env.HEDGEROW_KAFKA_BROKERS;
  if (!brokers) {
    if (env.HEDGEROW_KAFKA_AUTH) throw new LambdaConfigError('HEDGEROW_KAFKA_AUTH', 'is set but HEDGEROW_KAFKA_BROKERS is not');
    return { kind: 'kinesis', streams: names };
  }
  const { brokers: list, bad } = parseBrokers(brokers);
  if (bad !== undefined) throw new LambdaConfigError('HEDGEROW_KAFKA_BROKERS', 'must be host:port, comma-separated');
  const auth = env.HEDGEROW_KAFKA_AUTH ?? 'iam';
  if (auth !== 'iam' && auth !== 'none') throw new LambdaConfigError('HEDGEROW_KAFKA_AUTH', 'must be iam or none');
  return { kind: 'kafka', topics: names, brokers: list, iamRegion: auth === 'iam' ? requireEnv('AWS_REGION', env) : undefined };
}

export const keyValueSpec = (env: NodeJS.ProcessEnv = process.env): KeyValueSpec => ({ kind: 'dynamodb', table: requireEnv('HEDGEROW_KV_TABLE', env) });

export const blobSpec = (env: NodeJS.ProcessEnv = process.env): BlobSpec => ({ kind: 's3', bucket: requireEnv('HEDGEROW_BLOB_BUCKET', env) });

/** Aurora through the Data API (lean: no VPC) or node-postgres through RDS Proxy (scale). */
export async function databaseSpec(env: NodeJS.ProcessEnv = process.env): Promise<DatabaseSpec> {
  const mode = env.HEDGEROW_DATABASE_MODE ?? 'data-api';
  const secretArn = requireEnv('HEDGEROW_DATABASE_SECRET_ARN', env);
  const database = env.HEDGEROW_DATABASE_NAME ?? 'hedgerow';
  if (mode === 'data-api') return { kind: 'data-api', clusterArn: requireEnv('HEDGEROW_DATABASE_CLUSTER_ARN', env), secretArn, database };
  if (mode !== 'pg') throw new LambdaConfigError('HEDGEROW_DATABASE_MODE', 'must be data-api or pg');
  const secret = await readJsonSecret<{ username: string; password: string; host: string; port?: number }>(secretArn);
  const url = new URL('postgres://placeholder');
  url.hostname = env.HEDGEROW_DATABASE_HOST ?? secret.host;
  url.port = String(secret.port ?? 5432);
  url.username = encodeURIComponent(secret.username);
  url.pathname = `/${database}`;
  return { kind: 'postgres', url: url.toString(), ssl: true, password: async () => secret.password };
}

/** ClickHouse from its secret: {"url","username","password","database"}. */
export async function analyticsSpec(env: NodeJS.ProcessEnv = process.env): Promise<AnalyticsSpec> {
  const secret = await readJsonSecret<{ url?: string; username?: string; password?: string; database?: string }>(requireEnv('HEDGEROW_CLICKHOUSE_SECRET_ARN', env));
  if (!secret.url) throw new LambdaConfigError('HEDGEROW_CLICKHOUSE_SECRET_ARN', 'names a secret without "url"');
  return { kind: 'clickhouse', url: secret.url, username: secret.username, password: secret.password, database: secret.database };
}
