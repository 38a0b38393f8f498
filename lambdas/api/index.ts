/** The PostHog-shaped REST API (/api/...) and /_health. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { registerApiRoutes } from '../../lib/api/api-routes';
import { Router, withErrorHandling } from '../../lib/http/router';
import { json } from '../../lib/http/types';
import { openAnalyticsStore, openDatabase, openKeyValueStore } from '../../lib/platform/ports';
import { analyticsSpec, databaseSpec, keyValueSpec } from '../shared/aws-config';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { createLambdaLogger } from '../shared/lambda-logger';
import { lazyKeyValueStore } from '../shared/lazy-ports';

const { logger, powertools } = createLambdaLogger('api');

const app = (async () => {
  const kvSpec = keyValueSpec();
  const kv = lazyKeyValueStore(() => openKeyValueStore(kvSpec));
  const [db, store] = await Promise.all([openDatabase(await databaseSpec(), logger), analyticsSpec().then(openAnalyticsStore)]);
  const router = new Router();
  router.add(['GET', 'HEAD'], '/_health', async () => json(200, { status: 'ok' }));
  registerApiRoutes(router, { db, store, kv });
  return withErrorHandling((req) => router.handle(req), logger);
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await app)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
