import type { TeamRef, TokenLookup } from '../accounts/token-lookup';
import type { HttpRequest } from '../http/types';
import { partitionKeyOf } from '../ingestion/records';
import type { BusRecord } from '../ports/bus';
import { buildBusRecords, type RecordGroup } from './build-records';
import { SinkUnavailableError, UnknownTokenError } from './errors';
import type { CaptureLimits } from './limits';
import { normalizeEvent, type EventContext } from './normalize-event';
import { parseRfc3339 } from './parse-date';
import { bodyLimitOf, isEngagePath, isLegacyPath, type CapturePath } from './paths';
import { decodePayload } from './payload';
import { findPropertiesSpans, toByteSpans } from './properties-spans';
import { isDroppedEvent, parseRawRequest, type RawRequest } from './raw-request';
import { resolveToken } from './token';

export interface CaptureOutcome {
  /** What to put on the `events` stream (empty when every event was dropped). */
  readonly records: BusRecord[];
  readonly events: number;
}

/**
 * The request → the bus records to write (contract §1.1–1.5), in the order of PostHog's capture:
 * decode and parse (400/413), drop `$performance_event`, resolve and validate the token (401/400),
 * look it up (401 when unknown), normalise every event (400), group by partition key and serialise
 * (413 for an event too large for a record). Pure apart from the token lookup.
 */
export async function captureEvents(req: HttpRequest, path: CapturePath, tokens: TokenLookup, limits: CaptureLimits, now: Date): Promise<CaptureOutcome> {
  const { text, utf8 } = decodePayload(req, { maxBodyBytes: bodyLimitOf(path, limits), maxDecodedBytes: limits.decodedBytes, legacyBase64: isLegacyPath(path) });
  const request = parseRawRequest(text);
  const raws = request.events;
  const kept = raws.filter((raw) => !isDroppedEvent(raw));
  if (kept.length === 0) return { records: [], events: 0 };

  const token = resolveToken(request, kept);
  let team: TeamRef | undefined;
  try {
    team = await tokens.lookup(token);
  } catch (error) {
    throw new SinkUnavailableError('token lookup failed, please retry', error);
  }
  if (!team) throw new UnknownTokenError();

  const ctx = eventContext(req, request, path, now);
  const groups = new Map<string, RecordGroup>();
  let last: RecordGroup | undefined;
  let lastId = '';
  for (let i = 0; i < raws.length; i++) {
    if (isDroppedEvent(raws[i])) continue;
    const event = normalizeEvent(raws[i], i, ctx);
    // cookieless events share one sentinel distinct id: they spread by `token:ip` instead
    const cookieless = event.properties.$cookieless_mode === true;
    const id = cookieless ? `\0cookieless\0${event.distinct_id}` : event.distinct_id;
    if (last === undefined || id !== lastId) {
      last = groups.get(id) ?? newGroup(groups, id, cookieless ? `${token}:${ctx.ip ?? ''}` : partitionKeyOf(token, event.distinct_id), event.distinct_id);
      lastId = id;
    }
    last.events.push(event);
  }

  const spans = utf8 && findPropertiesSpans(text, request.shape, raws.length);
  const records = buildBusRecords(groups.values(), {
    teamId: team.teamId,
    token,
    ip: ctx.ip,
    nowIso: ctx.nowIso,
    sentAtIso: ctx.sentAtMs === undefined ? null : new Date(ctx.sentAtMs).toISOString(),
    raw: utf8 && spans ? { bytes: utf8, spans: toByteSpans(text, utf8.length, spans) } : undefined,
  });
  return { records, events: kept.length };
}

function newGroup(groups: Map<string, RecordGroup>, id: string, partitionKey: string, distinctId: string): RecordGroup {
  const group: RecordGroup = { partitionKey, distinctId, events: [] };
  groups.set(id, group);
  return group;
}

function eventContext(req: HttpRequest, request: RawRequest, path: CapturePath, now: Date): EventContext {
  let sentAtMs: number | undefined;
  let invalidSentAt: string | undefined;
  const envelope = request.envelopeSentAt;
  if (typeof envelope === 'string' && envelope !== '') {
    sentAtMs = parseRfc3339(envelope);
    if (sentAtMs === undefined) invalidSentAt = envelope;
  }
  sentAtMs ??= querySentAt(req.query.get('_') ?? req.query.get('sent_at'));
  if (sentAtMs !== undefined) invalidSentAt = undefined;
  return {
    nowMs: now.getTime(),
    nowIso: now.toISOString(),
    sentAtMs,
    invalidSentAt,
    ip: req.sourceIp || null,
    engage: isEngagePath(path),
  };
}

/** Query `_` / `sent_at`: integer epoch milliseconds, ignored when they land in 2020 or before. */
const YEAR_2021_MS = Date.UTC(2021, 0, 1);
function querySentAt(value: string | null): number | undefined {
  if (!value || !/^-?\d{1,16}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= YEAR_2021_MS && ms < 8.64e15 ? ms : undefined;
}
