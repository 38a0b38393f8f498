/**
 * /flags, /decide, the remote config (/array/:token/config, config.js) and the posthog-js bundles
 * (/static/*). Reads only DynamoDB — flag definitions and replay settings the api publishes, the
 * persons projection ingestion keeps — so it needs no VPC and never waits on a paused Aurora.
 */
import fs from 'node:fs';
import path from 'node:path';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenLookup } from '../../lib/accounts/token-directory';
import { FlagDefinitionsStore } from '../../lib/flags/flag-definitions';
import { registerFlagsRoutes } from '../../lib/flags/flags-routes';
import { ProjectedFlagDataSource } from '../../lib/flags/person-projection';
import { Router, withErrorHandling } from '../../lib/http/router';
import { openKeyValueStore } from '../../lib/platform/ports';
import { createPublishedReplaySettings } from '../../lib/replay/published-replay-settings';
import { createStaticHandler, posthogJsDistDir } from '../../lib/web/static-assets';
import { keyValueSpec } from '../shared/aws-config';
import { withGzip } from '../shared/gzip-response';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger, powertools } = createLambdaLogger('flags');

/** The bundles copied beside the handler at build time (stacks: HedgerowFunction `assets`), else the npm package's. */
function staticDir(): string {
  const bundled = path.join(__dirname, 'static');
  return fs.existsSync(bundled) ? bundled : posthogJsDistDir();
}

const app = (async () => {
  const kv = await openKeyValueStore(keyValueSpec());
  const router = new Router();
  registerFlagsRoutes(router, {
    tokens: createTokenLookup(kv),
    definitions: new FlagDefinitionsStore({ kv }),
    flagData: new ProjectedFlagDataSource(kv),
    settings: createPublishedReplaySettings(kv),
    logger,
  });
  const assets = withGzip(createStaticHandler(staticDir()), { cachePerPath: true });
  router.add('GET', '/static/:file', assets);
  router.add('GET', '/static/:version/:file', assets);
  return withErrorHandling((req) => router.handle(req), logger);
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await app)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
