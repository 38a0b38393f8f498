/** The bus's `events_processed` (Kinesis, or MSK) → batched, idempotent inserts into ClickHouse. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createClickHouseLoader } from '../../lib/clickhouse/loader';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { EmfMetrics } from '../../lib/observability/metrics';
import { openAnalyticsStore, openBlobStore } from '../../lib/platform/ports';
import { analyticsSpec, blobSpec } from '../shared/aws-config';
import { lazyBlobStore } from '../shared/lazy-ports';
import { createLambdaLogger } from '../shared/lambda-logger';
import { handleStreamEvent, type StreamEvent } from '../shared/stream-event';

const { logger, powertools } = createLambdaLogger('clickhouse-loader');

const loader = (async () => {
  const store = await openAnalyticsStore(await analyticsSpec());
  const blobs = blobSpec();
  const deadLetters = createBlobDeadLetterStore(lazyBlobStore(() => openBlobStore(blobs)));
  return createClickHouseLoader({ store, deadLetters, logger, metrics: new EmfMetrics() });
})();

export const handler = middy(async (event: StreamEvent) => handleStreamEvent(event, await loader)).use(
  injectLambdaContext(powertools),
);
