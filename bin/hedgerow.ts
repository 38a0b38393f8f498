/**
 * `npm start`: the whole of Hedgerow on this machine, on embedded engines in one data folder.
 *   npm start -- --port 8010 --data-dir ./.hedgerow
 * Environment: HEDGEROW_PROJECT_TOKEN, HEDGEROW_PERSONAL_API_KEY seed known keys; DATABASE_URL,
 * CLICKHOUSE_URL, REDIS_URL, S3_ENDPOINT (+S3_BUCKET), DYNAMODB_ENDPOINT (+DYNAMODB_TABLE),
 * KINESIS_ENDPOINT (+KINESIS_STREAM_*) switch a port to a real service; LOG_LEVEL.
 */
import { createJsonLogger } from '../lib/observability/logger';
import { ConfigError, loadLocalConfig } from '../lib/platform/config';
import { DataDirLockedError } from '../lib/platform/data-dir-lock';
import { startLocalPlatform } from '../lib/platform/local-platform';

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const logger = createJsonLogger({ level: config.logLevel });
  const started = Date.now();
  const platform = await startLocalPlatform(config, logger);
  const lines = [
    '',
    `Hedgerow is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s, data in ${config.dataDir})`,
    '',
    `  URL                  ${platform.url}`,
    `  Project             ${platform.team.name} (id ${platform.team.id})`,
    `  Project token       ${platform.team.apiToken}`,
    `  Personal API key    ${platform.personalApiKey}`,
    '',
    `  posthog-js:   posthog.init('${platform.team.apiToken}', { api_host: '${platform.url}' })`,
    `  posthog-node: new PostHog('${platform.team.apiToken}', { host: '${platform.url}' })`,
    `  API:          curl -H 'Authorization: Bearer ${platform.personalApiKey}' ${platform.url}/api/projects/@current/events/`,
    '',
    'Ctrl-C stops it cleanly.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: finishing batches in flight and stopping...\n`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`hedgerow: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hedgerow: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
