/**
 * Event capture (/e, /i/v0/e, /batch, /capture, /track, /engage) → Kinesis `events`, and
 * session-recording snapshots (/s, /s/) → Kinesis `recordings`; validated, nothing else.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenLookup } from '../../lib/accounts/token-directory';
import { createCaptureHandler } from '../../lib/capture/capture-handler';
import type { HttpHandler } from '../../lib/http/types';
import { openBus, openKeyValueStore } from '../../lib/platform/ports';
import { createNewSessionRateLimiter } from '../../lib/replay/rate-limiter';
import { createReplayCaptureHandler } from '../../lib/replay/replay-capture-handler';
import { busSpec, keyValueSpec } from '../shared/aws-config';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger, powertools } = createLambdaLogger('capture');

const capture = (async (): Promise<HttpHandler> => {
  const [bus, kv] = await Promise.all([openBus(busSpec(['events', 'recordings']), logger), openKeyValueStore(keyValueSpec())]);
  const tokens = createTokenLookup(kv);
  const events = createCaptureHandler({ bus, tokens, logger });
  // The new-session limit is per execution environment (a team's sessions spread over a few of them).
  const replay = createReplayCaptureHandler({ bus, tokens, logger, rateLimiter: createNewSessionRateLimiter() });
  return (req) => (req.path === '/s' || req.path === '/s/' ? replay(req) : events(req));
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await capture)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
