import type { TokenLookup } from '../accounts/token-lookup';
import type { HttpHandler } from '../http/types';
import type { Logger } from '../observability/logger';
import { STREAMS, type EventBus } from '../ports/bus';
import { captureEvents } from './capture-events';
import { CaptureError, CaptureMethodNotAllowedError, CapturePathNotFoundError, SinkUnavailableError } from './errors';
import { resolveCaptureLimits, type CaptureLimits } from './limits';
import { capturePathOf } from './paths';
import { corsHeaders, errorResponse, okResponse, preflightResponse } from './responses';

export { CAPTURE_PATHS } from './paths';

export interface CaptureHandlerDeps {
  readonly bus: EventBus;
  readonly tokens: TokenLookup;
  readonly logger: Logger;
  /** The receive time (tests pin it). @default () => new Date() */
  readonly now?: () => Date;
  readonly limits?: Partial<CaptureLimits>;
}

/**
 * The capture endpoint (`/e`, `/i/v0/e`, `/batch`, `/capture`, `/track`, `/engage`, each with or
 * without a trailing slash). Answers 200 `{"status":"Ok"}` only once every event of the request is
 * on the `events` stream (one `bus.put`); 4xx with a JSON body for bad input; 503 when the bus is
 * unavailable; 500 only for a bug.
 */
export function createCaptureHandler(deps: CaptureHandlerDeps): HttpHandler {
  const limits = resolveCaptureLimits(deps.limits);
  const now = deps.now ?? (() => new Date());
  const { bus, tokens, logger } = deps;

  return async (req) => {
    const cors = corsHeaders(req);
    try {
      const path = capturePathOf(req.path);
      if (!path) throw new CapturePathNotFoundError(req.path);
      if (req.method === 'OPTIONS') return preflightResponse(cors);
      if (req.method !== 'POST' && req.method !== 'GET') throw new CaptureMethodNotAllowedError(req.method);

      const outcome = await captureEvents(req, path, tokens, limits, now());
      if (outcome.records.length > 0) {
        try {
          await bus.put(STREAMS.events, outcome.records);
        } catch (error) {
          throw new SinkUnavailableError('transient error, please retry', error);
        }
      }
      return okResponse(req, cors);
    } catch (error) {
      if (error instanceof CaptureError) {
        if (error.status >= 500) logger.error('capture unavailable', { path: req.path, code: error.code, error: (error as SinkUnavailableError).cause ?? error });
        else logger.debug('capture refused', { path: req.path, status: error.status, code: error.code, detail: error.message });
        return errorResponse(error, cors);
      }
      logger.error('capture failed', { path: req.path, error });
      return { status: 500, headers: { 'content-type': 'application/json', ...cors }, body: '{"status":500,"code":"internal_error","error":"internal error"}' };
    }
  };
}
