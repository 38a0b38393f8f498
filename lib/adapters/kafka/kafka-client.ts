import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { silentLogger, type Logger } from '../../observability/logger';

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
 * SASL for MSK's IAM access control: each (re)authentication presents a fresh token, a SigV4
 * presigned `kafka-cluster:Connect` request that AWS's signer library builds from the credential
 * chain (the Lambda role's credentials), valid for 15 minutes.
 */
export function mskIamSasl(region: string): SASLOptions {
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
      const { token } = await generateAuthToken({ region });
      return { value: token };
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
