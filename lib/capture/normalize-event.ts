import type { CapturedEvent } from '../ingestion/records';
import { normalizeDistinctId } from './distinct-id';
import { InvalidCookielessModeError, MissingDistinctIdError, MissingEventNameError, RequestParsingError } from './errors';
import { normalizeEventUuid } from './event-uuid';
import { eventTimestamp, type RequestClock } from './event-timestamp';
import { isObject } from './raw-request';

/** An event ready for its record: the CapturedEvent fields, plus where it came from and the `$ip` to add. */
export interface NormalizedEvent extends CapturedEvent {
  /** Position in the request's events (for error messages and the raw `properties` spans). */
  readonly index: number;
  /** `properties.$ip` to add when the record is written (undefined: leave the properties as sent). */
  readonly addIp: string | undefined;
}

export interface EventContext extends RequestClock {
  /** The client address for `$ip`; null when unknown. */
  readonly ip: string | null;
  /** `/engage`: an event without a name becomes `$identify`. */
  readonly engage: boolean;
}

/** `capture_internal` events are recorded as coming from the server itself (contract §1.5). */
const INTERNAL_IP = '127.0.0.1';

/**
 * One raw event → the event capture hands on (contract §1.1, §1.4, §1.5). Checks the fields'
 * types (400 on a wrong one), resolves distinct_id and uuid, corrects the timestamp and decides
 * `$ip`. `properties` is the parsed object itself, untouched: nothing is copied.
 */
export function normalizeEvent(raw: unknown, index: number, ctx: EventContext): NormalizedEvent {
  if (!isObject(raw)) throw new RequestParsingError('event must be a JSON object', index);

  const event = eventNameOf(raw.event, index, ctx.engage);

  let properties = raw.properties;
  if (properties === undefined || properties === null) properties = {};
  else if (!isObject(properties)) throw new RequestParsingError('properties must be an object', index);
  const props = properties as Record<string, unknown>;

  const distinctId = distinctIdOf(raw, props, index);

  const uuid = normalizeEventUuid(raw.uuid);
  if (uuid === undefined) throw new RequestParsingError('uuid must be a UUID', index);

  const cookieless = props.$cookieless_mode;
  if (cookieless !== undefined && cookieless !== null && typeof cookieless !== 'boolean') throw new InvalidCookielessModeError(index);

  const { timestamp, warnings } = eventTimestamp(
    { timestamp: checkedTimestamp(raw.timestamp, index), offset: checkedOffset(raw.offset, index), uuid, event },
    ctx,
    props.$ignore_sent_at === true,
  );

  let addIp: string | undefined;
  if (props.$ip === undefined || props.$ip === null) addIp = props.capture_internal !== undefined ? INTERNAL_IP : (ctx.ip ?? undefined);

  return {
    uuid,
    event,
    distinct_id: distinctId,
    properties: props,
    timestamp,
    $set: personUpdates(raw.$set, '$set', index),
    $set_once: personUpdates(raw.$set_once, '$set_once', index),
    warnings,
    index,
    addIp,
  };
}

function eventNameOf(value: unknown, index: number, engage: boolean): string {
  if (typeof value === 'string' && value !== '') return value;
  if (value !== undefined && value !== null && value !== '') throw new RequestParsingError('event must be a string', index);
  if (!engage) throw new MissingEventNameError(index);
  return '$identify';
}

function distinctIdOf(raw: Record<string, unknown>, props: Record<string, unknown>, index: number): string {
  let id: string | undefined;
  try {
    id = normalizeDistinctId(raw.distinct_id ?? raw.$distinct_id ?? props.distinct_id);
  } catch {
    throw new RequestParsingError('distinct_id is nested too deeply', index);
  }
  if (id === undefined) throw new MissingDistinctIdError(index);
  return id;
}

function checkedTimestamp(value: unknown, index: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RequestParsingError('timestamp must be a string', index);
  return value;
}

/** `offset` (ms before now, old mobile SDKs): an integer; a fractional number is ignored. */
function checkedOffset(value: unknown, index: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new RequestParsingError('offset must be a number', index);
  return Number.isSafeInteger(value) ? value : undefined;
}

function personUpdates(value: unknown, field: string, index: number): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new RequestParsingError(`${field} must be an object`, index);
  return value;
}
