/** Event capture (/e, /i/v0/e, /batch, /capture, /track, /engage): validate, then Kinesis `events`. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenLookup } from '../../lib/accounts/token-directory';
import { createCaptureHandler } from '../../lib/capture/capture-handler';
import { openBus, openKeyValueStore } from '../../lib/platform/ports';
import { busSpec, keyValueSpec } from '../shared/aws-config';
import { toHttpRequest, toHttpResult, type HttpEvent, type HttpResult } from '../shared/http-event';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger, powertools } = createLambdaLogger('capture');

const capture = (async () => {
  const [bus, kv] = await Promise.all([openBus(busSpec(['events']), logger), openKeyValueStore(keyValueSpec())]);
  return createCaptureHandler({ bus, tokens: createTokenLookup(kv), logger });
})();

export const handler = middy(async (event: HttpEvent): Promise<HttpResult> => toHttpResult(event, await (await capture)(toHttpRequest(event)))).use(
  injectLambdaContext(powertools),
);
