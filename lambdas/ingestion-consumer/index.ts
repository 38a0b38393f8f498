/** Kinesis `events` → persons & groups in Aurora → Kinesis `events_processed`. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { TeamDirectory } from '../../lib/accounts/team-directory';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { createIngestionConsumer } from '../../lib/ingestion/ingestion-consumer';
import { EmfMetrics } from '../../lib/observability/metrics';
import { openBlobStore, openBus, openDatabase } from '../../lib/platform/ports';
import { blobSpec, busSpec, databaseSpec } from '../shared/aws-config';
import { lazyBlobStore } from '../shared/lazy-ports';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger, powertools } = createLambdaLogger('ingestion-consumer');

const consumer = (async () => {
  const db = await openDatabase(await databaseSpec(), logger);
  const bus = await openBus(busSpec(['events_processed']), logger);
  const blobs = blobSpec();
  const deadLetters = createBlobDeadLetterStore(lazyBlobStore(() => openBlobStore(blobs)));
  return createIngestionConsumer({ db, bus, teams: new TeamDirectory(db), deadLetters, logger, metrics: new EmfMetrics() });
})();

export const handler = middy(async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => (await consumer)(event)).use(
  injectLambdaContext(powertools),
);
