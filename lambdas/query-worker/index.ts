/**
 * The query worker: runs one background query the api dispatched as an asynchronous invoke
 * (PostHog's `refresh: async` and friends), recording its status and result in the cache the api
 * reads. A failing query is recorded and returns; a malformed event or an unreachable engine
 * throws, so Lambda retries it and then hands it to the on-failure destination.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { openAnalyticsStore, openBlobStore, openDatabase, openKeyValueStore } from '../../lib/platform/ports';
import { QueryService, type JobOutcome } from '../../lib/query/query-service';
import { createQueryWorker } from '../../lib/query/query-worker';
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { analyticsSpec, blobSpec, databaseSpec, keyValueSpec } from '../shared/aws-config';
import { createLambdaLogger } from '../shared/lambda-logger';
import { lazyBlobStore, lazyKeyValueStore } from '../shared/lazy-ports';
import { openQueryCache } from '../shared/query-ports';

const { logger, powertools } = createLambdaLogger('query-worker');

const worker = (async () => {
  const kvSpec = keyValueSpec();
  const blobs = blobSpec();
  const [db, store] = await Promise.all([openDatabase(await databaseSpec(), logger), analyticsSpec().then(openAnalyticsStore)]);
  const cache = await openQueryCache(
    lazyKeyValueStore(() => openKeyValueStore(kvSpec)),
    lazyBlobStore(() => openBlobStore(blobs)),
  );
  // One job at a time per environment; Lambda's concurrency is the worker's parallelism.
  const queries = new QueryService({ runners: QUERY_RUNNERS, store, cache, logger });
  return createQueryWorker({ queries, db, logger });
})();

export const handler = middy(async (event: unknown): Promise<JobOutcome> => (await worker)(event)).use(injectLambdaContext(powertools));
