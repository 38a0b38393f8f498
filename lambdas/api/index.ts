/**
 * The PostHog-shaped REST API (/api/...), /_health, local evaluation for server SDKs
 * (/flags/definitions, /api/feature_flag/local_evaluation) and the session-recordings API. Every
 * write the DynamoDB-only functions depend on is published there: project tokens, flag
 * definitions (after each flag or cohort write) and replay settings (after each project PATCH).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenLookup } from '../../lib/accounts/token-directory';
import { ApiAuthenticator } from '../../lib/api/auth';
import { registerApiRoutes } from '../../lib/api/api-routes';
import { registerProductFeatureRoutes } from '../../lib/api/product-features';
import { replayProjectSettings } from '../../lib/api/replay-project-settings';
import { registerSessionRecordingRoutes } from '../../lib/api/session-recordings-api';
import { FlagDefinitionsStore } from '../../lib/flags/flag-definitions';
import { registerLocalEvaluationRoutes } from '../../lib/flags/flags-routes';
import { Router, withErrorHandling } from '../../lib/http/router';
import { json } from '../../lib/http/types';
import { openAnalyticsStore, openBlobStore, openDatabase, openKeyValueStore } from '../../lib/platform/ports';
import { QueryService } from '../../lib/query/query-service';
import { QUERY_RUNNERS } from '../../lib/query/runners';
import { publishReplaySettings } from '../../lib/replay/published-replay-settings';
import { loadTeamReplaySettings } from '../../lib/replay/replay-settings';
import { analyticsSpec, blobSpec, databaseSpec, keyValueSpec } from '../shared/aws-config';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { withGzip } from '../shared/gzip-response';
import { createLambdaLogger } from '../shared/lambda-logger';
import { lazyBlobStore, lazyKeyValueStore } from '../shared/lazy-ports';
import { openQueryCache, queryDispatcher } from '../shared/query-ports';

const { logger, powertools } = createLambdaLogger('api');

const app = (async () => {
  const kvSpec = keyValueSpec();
  const kv = lazyKeyValueStore(() => openKeyValueStore(kvSpec));
  const blobLocation = blobSpec();
  const blobs = lazyBlobStore(() => openBlobStore(blobLocation));
  const [db, store] = await Promise.all([openDatabase(await databaseSpec(), logger), analyticsSpec().then(openAnalyticsStore)]);
  const definitions = new FlagDefinitionsStore({ db, kv });
  const auth = new ApiAuthenticator(db);
  const router = new Router();
  router.add(['GET', 'HEAD'], '/_health', async () => json(200, { status: 'ok' }));
  const tokens = createTokenLookup(kv);
  registerLocalEvaluationRoutes(router, { db, auth, tokens, definitions });
  registerProductFeatureRoutes(router, tokens);
  // Query results and async statuses are shared by every instance and the query worker.
  const cache = await openQueryCache(kv, blobs);
  // A Lambda is frozen once it answers: async queries go to the query worker; without one they
  // finish before the answer (within the function's timeout), their status complete.
  const dispatcher = queryDispatcher();
  const queries = new QueryService({ runners: QUERY_RUNNERS, store, cache, logger, ...(dispatcher ? { dispatcher } : { finishAsyncInline: true }) });
  const replaySettings = replayProjectSettings({
    db,
    onReplaySettingsChanged: async (teamId) => {
      const settings = await loadTeamReplaySettings(db, teamId);
      if (settings) await publishReplaySettings(kv, teamId, settings);
    },
  });
  registerApiRoutes(router, { db, store, kv, cache, queries, projectSettings: [replaySettings], onDefinitionsChanged: async (teamId) => void (await definitions.refresh(teamId)) });
  registerSessionRecordingRoutes(router, { db, store, blobs, auth });
  // Large answers (a long recording's snapshots, event pages) compressed: Lambda's response caps are 1 MB behind an ALB, 6 MB otherwise.
  return withGzip(withErrorHandling((req) => router.handle(req), logger), { minBytes: 64 * 1024 });
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await app)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
