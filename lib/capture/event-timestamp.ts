import type { IngestionWarning } from '../ingestion/records';
import { toIsoString } from './iso-time';
import { parseDate } from './parse-date';

/** Events more than this far in the future are set to `now` (contract §1.4). */
const FUTURE_CUTOFF_MS = 23 * 3600 * 1000;
const EPOCH_ISO = '1970-01-01T00:00:00.000Z';

/** First and last instants of years 0 and 9999 (the storable range). */
const YEAR_0_MS = (() => {
  const d = new Date(0);
  d.setUTCFullYear(0, 0, 1);
  return d.getTime();
})();
const YEAR_10000_MS = Date.UTC(10000, 0, 1);

export interface TimestampInput {
  readonly timestamp: unknown;
  readonly offset: number | undefined;
  readonly uuid: string;
  readonly event: string;
}

export interface RequestClock {
  readonly nowMs: number;
  readonly nowIso: string;
  /** The request's sent_at (envelope, else query `_`/`sent_at`), epoch ms. */
  readonly sentAtMs: number | undefined;
  /** An envelope sent_at that did not parse (each event then carries a warning). */
  readonly invalidSentAt: string | undefined;
}

/**
 * The stored time of an event (contract §1.4, `parse_event_timestamp`): clock-skew corrected
 * with sent_at, `offset` wins, the far future becomes now, out-of-range years become 1970.
 * Warnings are pushed onto `warnings` (created on demand), returned with the ISO timestamp.
 */
export function eventTimestamp(
  input: TimestampInput,
  clock: RequestClock,
  ignoreSentAt: boolean,
): { timestamp: string; warnings: IngestionWarning[] | undefined } {
  let warnings: IngestionWarning[] | undefined;
  const sentAt = ignoreSentAt ? undefined : clock.sentAtMs;
  if (!ignoreSentAt && clock.invalidSentAt !== undefined) {
    warnings = [{ type: 'ignored_invalid_timestamp', details: { eventUuid: input.uuid, field: 'sent_at', value: clock.invalidSentAt, reason: 'invalid format' } }];
  }

  let ts = clock.nowMs;
  const parsed = typeof input.timestamp === 'string' ? parseDate(input.timestamp) : undefined;
  if (parsed !== undefined) ts = sentAt !== undefined ? clock.nowMs + (parsed - sentAt) : parsed;
  if (input.offset !== undefined) ts = clock.nowMs - input.offset;

  if (ts - clock.nowMs > FUTURE_CUTOFF_MS) {
    (warnings ??= []).push({
      type: 'event_timestamp_in_future',
      details: {
        timestamp: input.timestamp ?? '',
        sentAt: sentAt === undefined ? '' : new Date(sentAt).toISOString(),
        offset: input.offset ?? '',
        now: clock.nowIso,
        result: safeIso(ts),
        eventUuid: input.uuid,
        eventName: input.event,
      },
    });
    return { timestamp: clock.nowIso, warnings };
  }
  if (!(ts >= YEAR_0_MS && ts < YEAR_10000_MS)) {
    (warnings ??= []).push({
      type: 'ignored_invalid_timestamp',
      details: {
        eventUuid: input.uuid,
        field: 'timestamp',
        value: input.timestamp ?? '',
        reason: 'out of bounds',
        offset: input.offset ?? '',
        parsed_year: Number.isFinite(ts) ? new Date(ts).getUTCFullYear() : null,
      },
    });
    return { timestamp: EPOCH_ISO, warnings };
  }
  return { timestamp: ts === clock.nowMs ? clock.nowIso : toIsoString(ts), warnings };
}

function safeIso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
