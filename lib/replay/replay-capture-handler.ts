import type { TeamRef, TokenLookup } from '../accounts/token-lookup';
import { CaptureMethodNotAllowedError, CapturePathNotFoundError, SinkUnavailableError, UnknownTokenError } from '../capture/errors';
import { corsHeaders, okResponse, preflightResponse } from '../capture/responses';
import { HttpError } from '../http/errors';
import type { HttpHandler, HttpResponse } from '../http/types';
import type { Logger } from '../observability/logger';
import { STREAMS, type BusRecord, type EventBus } from '../ports/bus';
import { UNLIMITED_SESSIONS, type NewSessionRateLimiter } from './rate-limiter';
import { buildReplayRecords } from './replay-record';
import { DEFAULT_REPLAY_LIMITS, decodeReplayRequest, serializeSegments, type ReplayLimits } from './replay-request';

/** The replay paths (contract §0), without and with the trailing slash. */
export const REPLAY_PATHS = ['/s'] as const;

export interface ReplayCaptureHandlerDeps {
  readonly bus: EventBus;
  readonly tokens: TokenLookup;
  readonly logger: Logger;
  /** The receive time (tests pin it). @default () => new Date() */
  readonly now?: () => Date;
  readonly limits?: Partial<ReplayLimits>;
  /** Per-team limit on new sessions. @default no limit */
  readonly rateLimiter?: NewSessionRateLimiter;
}

/**
 * `/s` and `/s/`: posthog-js' session-recording endpoint. Decodes like capture (lib/capture),
 * validates per contract §4.3, and answers 200 only once every admitted session's snapshots are
 * on the `recordings` stream (records keyed `token:session_id`). New sessions over the team's
 * rate limit are dropped and the answer carries `quota_limited: ["recordings"]` (still 200, so
 * posthog-js pauses instead of retrying). Bad input: 4xx with capture's JSON error body.
 */
export function createReplayCaptureHandler(deps: ReplayCaptureHandlerDeps): HttpHandler {
  const limits = { ...DEFAULT_REPLAY_LIMITS, ...deps.limits };
  const now = deps.now ?? (() => new Date());
  const limiter = deps.rateLimiter ?? UNLIMITED_SESSIONS;
  const { bus, tokens, logger } = deps;

  return async (req) => {
    const cors = corsHeaders(req);
    try {
      if (req.path !== '/s' && req.path !== '/s/') throw new CapturePathNotFoundError(req.path);
      if (req.method === 'OPTIONS') return preflightResponse(cors);
      if (req.method !== 'POST' && req.method !== 'GET') throw new CaptureMethodNotAllowedError(req.method);

      const request = decodeReplayRequest(req, limits);
      let team: TeamRef | undefined;
      try {
        team = await tokens.lookup(request.token);
      } catch (error) {
        throw new SinkUnavailableError('token lookup failed, please retry', error);
      }
      if (!team) throw new UnknownTokenError();

      const received = now();
      const nowIso = received.toISOString();
      let limited = false;
      const records: BusRecord[] = [];
      for (const session of request.sessions) {
        if (session.items === 0) continue;
        if (!limiter.admit(team.teamId, session.sessionId, received.getTime())) {
          limited = true;
          continue;
        }
        const header = {
          teamId: team.teamId,
          token: request.token,
          sessionId: session.sessionId,
          distinctId: session.distinctId,
          nowIso,
          snapshotSource: session.snapshotSource,
          snapshotLibrary: session.snapshotLibrary,
        };
        for (const record of buildReplayRecords(header, serializeSegments(session))) records.push(record);
      }
      if (records.length > 0) {
        try {
          await bus.put(STREAMS.recordings, records);
        } catch (error) {
          throw new SinkUnavailableError('transient error, please retry', error);
        }
      }
      if (limited) logger.debug('replay sessions over the new-session limit', { teamId: team.teamId });
      return limited ? quotaLimitedResponse(cors) : okResponse(req, cors);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status >= 500) logger.error('replay capture unavailable', { path: req.path, code: error.code, error: (error as SinkUnavailableError).cause ?? error });
        else logger.debug('replay capture refused', { path: req.path, status: error.status, code: error.code, detail: error.message });
        return errorBody(error, cors);
      }
      logger.error('replay capture failed', { path: req.path, error });
      return errorBody(new HttpError(500, 'internal_error', 'internal error'), cors);
    }
  };
}

/** Contract §1.3: billing/rate-limited replay is a 200 that tells posthog-js to pause recordings. */
function quotaLimitedResponse(cors: Record<string, string>): HttpResponse {
  return { status: 200, headers: { 'content-type': 'application/json', ...cors }, body: '{"status":"Ok","quota_limited":["recordings"]}' };
}

/** The Rust capture's error body, for capture's and replay's errors alike. */
function errorBody(error: HttpError, cors: Record<string, string>): HttpResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', ...cors },
    body: JSON.stringify({ status: error.status, code: error.code, error: error.message }),
  };
}
