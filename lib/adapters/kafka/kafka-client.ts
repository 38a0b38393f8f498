import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { silentLogger, type Logger } from '../../observability/logger';
import { mskIamToken } from './msk-iam-token';

/** How to reach a Kafka cluster: MSK with IAM on AWS, any Kafka (plaintext) locally and in tests. */
export interface KafkaConnection {
  /** Bootstrap servers, `host:port` each. */
  readonly brokers: readonly string[];
  /**
   * MSK's IAM authentication (SASL OAUTHBEARER over TLS, port 9098): tokens are signed with the
   * process's AWS credentials for this region. Without it the connection is plaintext and unauthenticated.
   */
  readonly iamRegion?: string;
  /** @default 'hedgerow' */
  readonly clientId?: string;
}

/** A kafkajs client for `connection`, logging its warnings and errors through `logger`. */
export function createKafka(connection: KafkaConnection, logger: Logger = silentLogger): Kafka {
  const config: KafkaConfig = {
    clientId: connection.clientId ?? 'hedgerow',
    brokers: [...connection.brokers],
    connectionTimeout: 3000,
    // As the Kinesis client's: a hung broker fails a request in 10 s (kafkajs: 30 s), then the retry policy decides.
    requestTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafkaEntry(logger, entry),
  };
  if (connection.iamRegion) {
    config.ssl = true;
    config.sasl = mskIamSasl(connection.iamRegion);
  }
  return new Kafka(config);
}

/**
 * SASL for MSK's IAM access control: each (re)authentication presents a fresh token
 * (msk-iam-token.ts) signed with the credential chain's credentials (the Lambda role's), valid
 * for 15 minutes.
 */
export function mskIamSasl(region: string): SASLOptions {
  let credentials: AwsCredentialIdentityProvider | undefined;
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      credentials ??= (await import('@aws-sdk/credential-provider-node')).defaultProvider();
      return { value: await mskIamToken(region, credentials) };
    },
  };
}

function logKafkaEntry(logger: Logger, { level, namespace, log }: LogEntry): void {
  // kafkajs logs connection details and errors, never SASL tokens; the logger redacts secret-looking fields anyway.
  const { message, timestamp: _timestamp, ...fields } = log;
  const line = `kafka: ${message}`;
  const context = { namespace, ...fields };
  if (level === logLevel.ERROR) logger.error(line, context);
  else if (level === logLevel.WARN) logger.warn(line, context);
  else logger.debug(line, context);
}
