import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { redact, type Logger } from '../../lib/observability/logger';

/**
 * The Powertools Logger (JSON lines with the Lambda context) behind our Logger interface, so
 * that the same redaction of secrets applies as on the local platform.
 */
export function createLambdaLogger(serviceName: string): { logger: Logger; powertools: PowertoolsLogger } {
  const powertools = new PowertoolsLogger({ serviceName, logLevel: (process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO' });
  const fields = (f?: Record<string, unknown>) => (f ? (redact(f) as Record<string, unknown>) : {});
  return {
    powertools,
    logger: {
      debug: (message, f) => powertools.debug(message, fields(f)),
      info: (message, f) => powertools.info(message, fields(f)),
      warn: (message, f) => powertools.warn(message, fields(f)),
      error: (message, f) => powertools.error(message, fields(f)),
    },
  };
}
