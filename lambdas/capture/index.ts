/**
 * Event capture (/e, /i/v0/e, /batch, /capture, /track, /engage) → Kinesis `events`, and
 * session-recording snapshots (/s, /s/) → Kinesis `recordings`; validated, nothing else.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenLookup } from '../../lib/accounts/token-directory';
import { createCaptureHandler } from '../../lib/capture/capture-handler';
import { corsHeaders, preflightResponse } from '../../lib/capture/responses';
import type { HttpHandler, HttpRequest, HttpResponse } from '../../lib/http/types';
import { openBus, openKeyValueStore } from '../../lib/platform/ports';
import { createNewSessionRateLimiter } from '../../lib/replay/rate-limiter';
import { createReplayCaptureHandler } from '../../lib/replay/replay-capture-handler';
import { busSpec, keyValueSpec } from '../shared/aws-config';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger, powertools } = createLambdaLogger('capture');

/**
 * Capture is the front door's catch-all (the HTTP API's `$default`). The flags routes are
 * `ANY /flags` and `ANY /flags/{proxy+}`; should a front door ever hand capture `/flags/` or
 * `/decide/` (the trailing-slash form posthog-js uses), this sends the client on to the form
 * without the slash with a 307, which keeps the method and the body.
 */
const FLAGS_WITH_SLASH = new Set(['/flags/', '/decide/']);

function toFlagsFunction(req: HttpRequest): HttpResponse {
  const cors = corsHeaders(req);
  if (req.method === 'OPTIONS') return preflightResponse(cors);
  const query = req.query.toString();
  return { status: 307, headers: { ...cors, location: `${req.path.slice(0, -1)}${query ? `?${query}` : ''}` }, body: '' };
}

const capture = (async (): Promise<HttpHandler> => {
  const [bus, kv] = await Promise.all([openBus(busSpec(['events', 'recordings']), logger), openKeyValueStore(keyValueSpec())]);
  const tokens = createTokenLookup(kv);
  const events = createCaptureHandler({ bus, tokens, logger });
  // The new-session limit is per execution environment (a team's sessions spread over a few of them).
  const replay = createReplayCaptureHandler({ bus, tokens, logger, rateLimiter: createNewSessionRateLimiter() });
  return (req) => {
    if (req.path === '/s' || req.path === '/s/') return replay(req);
    if (FLAGS_WITH_SLASH.has(req.path)) return Promise.resolve(toFlagsFunction(req));
    return events(req);
  };
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await capture)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
