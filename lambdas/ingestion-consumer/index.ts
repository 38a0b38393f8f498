/**
 * The bus's `events` (Kinesis, or MSK) → persons & groups in Aurora → `events_processed`; every batch's person,
 * distinct-id and group changes and merges are also projected into DynamoDB, where the flags function reads them.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { TeamDirectory } from '../../lib/accounts/team-directory';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { projectPersons } from '../../lib/flags/person-projection';
import { createIngestionConsumer } from '../../lib/ingestion/ingestion-consumer';
import { EmfMetrics } from '../../lib/observability/metrics';
import { openBlobStore, openBus, openDatabase, openKeyValueStore } from '../../lib/platform/ports';
import { blobSpec, busSpec, databaseSpec, keyValueSpec } from '../shared/aws-config';
import { lazyBlobStore, lazyKeyValueStore } from '../shared/lazy-ports';
import { createLambdaLogger } from '../shared/lambda-logger';
import { handleStreamEvent, type StreamEvent } from '../shared/stream-event';

const { logger, powertools } = createLambdaLogger('ingestion-consumer');

const consumer = (async () => {
  const db = await openDatabase(await databaseSpec(), logger);
  const bus = await openBus(busSpec(['events_processed']), logger);
  const blobs = blobSpec();
  const deadLetters = createBlobDeadLetterStore(lazyBlobStore(() => openBlobStore(blobs)));
  const kvSpec = keyValueSpec();
  const kv = lazyKeyValueStore(() => openKeyValueStore(kvSpec));
  return createIngestionConsumer({
    db,
    bus,
    teams: new TeamDirectory(db),
    deadLetters,
    logger,
    metrics: new EmfMetrics(),
    // A failed projection fails the team's records (and rolls back their person changes), so the platform retries them.
    projectPersons: (teamId, rows) => projectPersons(kv, teamId, rows),
  });
})();

export const handler = middy(async (event: StreamEvent) => handleStreamEvent(event, await consumer)).use(
  injectLambdaContext(powertools),
);
