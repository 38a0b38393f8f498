import { HttpError } from '../http/errors';

/**
 * Capture's refusals. Each carries the status and the stable code of PostHog's newest Rust capture
 * (contract §1.3); the handler renders them as `{"status":N,"code":"…","error":"…"}`.
 * Every refusal of bad input is a 4xx: posthog-js drops a batch on 4xx and retries on 5xx.
 */
export const CAPTURE_ERROR_CODES = {
  emptyPayload: 'empty_payload',
  requestDecoding: 'request_decoding_error',
  requestParsing: 'request_parsing_error',
  emptyBatch: 'empty_batch',
  missingEventName: 'missing_event_name',
  missingDistinctId: 'missing_distinct_id',
  invalidCookielessMode: 'invalid_cookieless_mode',
  tokenRequired: 'ingest_key_required',
  tokenUnknown: 'ingest_key_unknown',
  unroutableEvents: 'unroutable_events',
  payloadTooLarge: 'payload_too_large',
  methodNotAllowed: 'method_not_allowed',
  notFound: 'not_found',
  serviceUnavailable: 'service_unavailable',
} as const;
export type CaptureErrorCode = (typeof CAPTURE_ERROR_CODES)[keyof typeof CAPTURE_ERROR_CODES];

export class CaptureError extends HttpError {
  constructor(status: number, override readonly code: CaptureErrorCode, message: string) {
    super(status, code, message);
    this.name = 'CaptureError';
  }
}

export class EmptyPayloadError extends CaptureError {
  constructor() {
    super(400, CAPTURE_ERROR_CODES.emptyPayload, 'request holds no payload');
    this.name = 'EmptyPayloadError';
  }
}

/** Bad gzip, bad base64, bad UTF-8, a form body that is not a form. */
export class RequestDecodingError extends CaptureError {
  constructor(reason: string) {
    super(400, CAPTURE_ERROR_CODES.requestDecoding, `failed to decode request: ${reason}`);
    this.name = 'RequestDecodingError';
  }
}

/** Invalid JSON, or JSON of the wrong shape or types. */
export class RequestParsingError extends CaptureError {
  constructor(reason: string, readonly eventIndex?: number) {
    super(400, CAPTURE_ERROR_CODES.requestParsing, `failed to parse request: ${eventIndex === undefined ? '' : `event ${eventIndex}: `}${reason}`);
    this.name = 'RequestParsingError';
  }
}

export class EmptyBatchError extends CaptureError {
  constructor() {
    super(400, CAPTURE_ERROR_CODES.emptyBatch, 'request holds no event');
    this.name = 'EmptyBatchError';
  }
}

export class MissingEventNameError extends CaptureError {
  constructor(readonly eventIndex: number) {
    super(400, CAPTURE_ERROR_CODES.missingEventName, `event ${eventIndex} submitted without an event name`);
    this.name = 'MissingEventNameError';
  }
}

export class MissingDistinctIdError extends CaptureError {
  constructor(readonly eventIndex: number) {
    super(400, CAPTURE_ERROR_CODES.missingDistinctId, `event ${eventIndex} submitted without a distinct_id`);
    this.name = 'MissingDistinctIdError';
  }
}

export class InvalidCookielessModeError extends CaptureError {
  constructor(readonly eventIndex: number) {
    super(400, CAPTURE_ERROR_CODES.invalidCookielessMode, `event ${eventIndex}: $cookieless_mode must be a boolean`);
    this.name = 'InvalidCookielessModeError';
  }
}

export class NoTokenError extends CaptureError {
  constructor() {
    super(401, CAPTURE_ERROR_CODES.tokenRequired, 'event submitted without an api_key');
    this.name = 'NoTokenError';
  }
}

export const INVALID_TOKEN_REASONS = {
  empty: 'empty',
  tooLong: 'too long',
  nonAscii: 'not ASCII',
  nullByte: 'contains a NUL byte',
  personalApiKey: 'personal API key',
} as const;
export type InvalidTokenReason = (typeof INVALID_TOKEN_REASONS)[keyof typeof INVALID_TOKEN_REASONS];

/**
 * A token of the wrong shape (a personal key among them). PostHog's newest builds answer 403 here;
 * we answer 401 like the older ones: posthog-js and posthog-node treat both as permanent.
 */
export class InvalidTokenError extends CaptureError {
  constructor(readonly reason: InvalidTokenReason) {
    super(401, CAPTURE_ERROR_CODES.tokenUnknown, `API key is not valid: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

/** A well-formed token that names no project (TokenLookup answered undefined). 401, as above. */
export class UnknownTokenError extends CaptureError {
  constructor() {
    super(401, CAPTURE_ERROR_CODES.tokenUnknown, 'API key names no project');
    this.name = 'UnknownTokenError';
  }
}

export class MultipleTokensError extends CaptureError {
  constructor() {
    super(400, CAPTURE_ERROR_CODES.unroutableEvents, 'batch submitted with inconsistent api_key values');
    this.name = 'MultipleTokensError';
  }
}

/** The request body (or `?data=`) is over the path family's cap, before any decoding. */
export class BodyTooLargeError extends CaptureError {
  constructor(readonly size: number, readonly limit: number) {
    super(413, CAPTURE_ERROR_CODES.payloadTooLarge, `request body of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The decoded payload is over the decompressed-size cap (checked while inflating). */
export class DecodedTooLargeError extends CaptureError {
  constructor(readonly limit: number) {
    super(413, CAPTURE_ERROR_CODES.payloadTooLarge, `decoded payload exceeds the limit of ${limit} bytes`);
    this.name = 'DecodedTooLargeError';
  }
}

/** One event alone does not fit in a bus record. */
export class EventTooLargeError extends CaptureError {
  constructor(readonly size: number, readonly limit: number) {
    super(413, CAPTURE_ERROR_CODES.payloadTooLarge, `an event of ${size} bytes exceeds the maximum event size of ${limit} bytes`);
    this.name = 'EventTooLargeError';
  }
}

export class CaptureMethodNotAllowedError extends CaptureError {
  constructor(method: string) {
    super(405, CAPTURE_ERROR_CODES.methodNotAllowed, `method ${method} is not allowed`);
    this.name = 'CaptureMethodNotAllowedError';
  }
}

export class CapturePathNotFoundError extends CaptureError {
  constructor(path: string) {
    super(404, CAPTURE_ERROR_CODES.notFound, `${path} is not a capture path`);
    this.name = 'CapturePathNotFoundError';
  }
}

/** The bus (or the token lookup) could not be reached: retryable. */
export class SinkUnavailableError extends CaptureError {
  constructor(message = 'transient error, please retry', readonly cause?: unknown) {
    super(503, CAPTURE_ERROR_CODES.serviceUnavailable, message);
    this.name = 'SinkUnavailableError';
  }
}
