import { normalizeDistinctId } from '../capture/distinct-id';
import { MissingDistinctIdError, RequestParsingError } from '../capture/errors';
import { DEFAULT_CAPTURE_LIMITS } from '../capture/limits';
import { decodePayload } from '../capture/payload';
import { isObject, parseRawRequest } from '../capture/raw-request';
import { resolveToken } from '../capture/token';
import type { HttpRequest } from '../http/types';
import { InvalidSessionIdError, MissingSessionIdError, MissingSnapshotDataError } from './errors';
import type { ReplaySegment } from './replay-record';
import { isValidSessionId } from './session-id';

/** Size caps of `/s`, in bytes. */
export interface ReplayLimits {
  /** The request body before decoding (the Rust router's 25 MiB). */
  readonly bodyBytes: number;
  /** The payload after decompression, enforced while inflating. rrweb gzips ~10×, so above capture's 20 MiB. */
  readonly decodedBytes: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = {
  bodyBytes: DEFAULT_CAPTURE_LIMITS.replayBodyBytes,
  decodedBytes: 64 * 1024 * 1024,
};

/** One session's snapshot items from a request, per window in the order sent (items still parsed JSON). */
export interface SessionSnapshots {
  readonly sessionId: string;
  readonly distinctId: string;
  readonly snapshotSource: string;
  readonly snapshotLibrary: string;
  readonly segments: ReplaySegment<unknown>[];
  /** rrweb events in all segments. */
  items: number;
}

export interface ReplayRequest {
  readonly token: string;
  /** In order of first appearance. */
  readonly sessions: SessionSnapshots[];
}

/**
 * A `/s` request → its token and its sessions' snapshot items (contract §1.1–1.2 decoding and
 * token rules through lib/capture, then §4.3): the first event must carry a valid `$session_id`
 * and a distinct id; later events may name their own session (validated too) or inherit the
 * first's; `$window_id` defaults to the session id; every event needs `$snapshot_data`.
 * Throws 4xx CaptureErrors / ReplayRequestErrors. No I/O.
 */
export function decodeReplayRequest(req: HttpRequest, limits: ReplayLimits = DEFAULT_REPLAY_LIMITS): ReplayRequest {
  const { text } = decodePayload(req, { maxBodyBytes: limits.bodyBytes, maxDecodedBytes: limits.decodedBytes, legacyBase64: false });
  const request = parseRawRequest(text);
  const token = resolveToken(request, request.events);

  const sessions = new Map<string, SessionSnapshots>();
  let firstSession = '';
  let firstDistinctId = '';
  request.events.forEach((raw, index) => {
    if (!isObject(raw)) throw new RequestParsingError('event must be a JSON object', index);
    const props = raw.properties ?? {};
    if (!isObject(props)) throw new RequestParsingError('properties must be an object', index);

    let sessionId = props.$session_id;
    if (sessionId === undefined || sessionId === null || sessionId === '') {
      if (index === 0) throw new MissingSessionIdError(index);
      sessionId = firstSession;
    } else if (!isValidSessionId(sessionId)) {
      throw new InvalidSessionIdError(index);
    }

    let distinctId: string | undefined;
    try {
      distinctId = normalizeDistinctId(raw.distinct_id ?? raw.$distinct_id ?? props.distinct_id);
    } catch {
      throw new RequestParsingError('distinct_id is nested too deeply', index);
    }
    if (distinctId === undefined) {
      if (index === 0) throw new MissingDistinctIdError(index);
      distinctId = firstDistinctId;
    }
    if (index === 0) {
      firstSession = sessionId as string;
      firstDistinctId = distinctId;
    }

    const data = props.$snapshot_data;
    const items = Array.isArray(data) ? data : isObject(data) ? [data] : undefined;
    if (!items) throw new MissingSnapshotDataError(index);

    const id = sessionId as string;
    let session = sessions.get(id);
    if (!session) {
      session = {
        sessionId: id,
        distinctId,
        snapshotSource: nonEmptyString(props.$snapshot_source) ?? 'web',
        snapshotLibrary: nonEmptyString(props.$lib) ?? 'web',
        segments: [],
        items: 0,
      };
      sessions.set(id, session);
    }
    if (items.length === 0) return;
    const windowId = nonEmptyString(props.$window_id) ?? id;
    const last = session.segments[session.segments.length - 1];
    if (last && last.windowId === windowId) for (const item of items) last.items.push(item); // no spread: arrays may be huge
    else session.segments.push({ windowId, items: items.slice() });
    session.items += items.length;
  });
  return { token, sessions: [...sessions.values()] };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Each item as JSON text, ready for records; 400 for an item nested too deeply to serialise. */
export function serializeSegments(session: SessionSnapshots): ReplaySegment<string>[] {
  try {
    return session.segments.map((s) => ({ windowId: s.windowId, items: s.items.map((item) => JSON.stringify(item)) }));
  } catch {
    throw new RequestParsingError('a snapshot is nested too deeply to be stored');
  }
}
