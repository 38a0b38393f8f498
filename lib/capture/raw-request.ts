import { EmptyBatchError, RequestParsingError } from './errors';

/** A raw event as SDKs send it: any JSON object (fields are checked when it is normalised). */
export type RawEvent = Record<string, unknown>;

export const REQUEST_SHAPES = {
  /** `[event, …]`: posthog-js ≤ 1.2xx, `/s/` */
  array: 'array',
  /** `{"api_key"|"token", "batch": [...], "sent_at"?, "historical_migration"?}`: posthog-node, current posthog-js */
  batch: 'batch',
  /** a single event object */
  one: 'one',
} as const;
export type RequestShape = (typeof REQUEST_SHAPES)[keyof typeof REQUEST_SHAPES];

export interface RawRequest {
  readonly shape: RequestShape;
  /** The elements as sent (not yet checked to be objects). */
  readonly events: readonly unknown[];
  /** Batch shape: the envelope's `token` / `api_key` as sent (authoritative when present). */
  readonly envelopeToken: unknown;
  /** Batch shape: the envelope's `sent_at` as sent. */
  readonly envelopeSentAt: unknown;
  readonly historicalMigration: boolean;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the decoded text into the first shape that fits, in serde's "untagged" order
 * (contract §1.1 step 7). A single object without `event` is kept as `one`: `/engage` accepts it,
 * every other path refuses it when the event is normalised.
 */
export function parseRawRequest(text: string): RawRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RequestParsingError((error as Error).message);
  }
  let request: RawRequest;
  if (Array.isArray(value)) {
    request = { shape: REQUEST_SHAPES.array, events: value, envelopeToken: undefined, envelopeSentAt: undefined, historicalMigration: false };
  } else if (isObject(value) && value.batch !== undefined) {
    if (!Array.isArray(value.batch)) throw new RequestParsingError('batch must be an array');
    request = {
      shape: REQUEST_SHAPES.batch,
      events: value.batch,
      envelopeToken: value.token ?? value.api_key,
      envelopeSentAt: value.sent_at,
      historicalMigration: value.historical_migration === true,
    };
  } else if (isObject(value)) {
    request = { shape: REQUEST_SHAPES.one, events: [value], envelopeToken: undefined, envelopeSentAt: undefined, historicalMigration: false };
  } else {
    throw new RequestParsingError('payload must be a JSON object or array');
  }
  if (request.events.length === 0) throw new EmptyBatchError();
  return request;
}

/** Events posthog-js sends for web performance, which PostHog drops at capture (contract §1.1 step 8). */
const DROPPED_EVENTS: ReadonlySet<unknown> = new Set(['$performance_event']);

export function isDroppedEvent(event: unknown): boolean {
  return isObject(event) && DROPPED_EVENTS.has(event.event);
}
