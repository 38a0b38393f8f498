/**
 * HTTP errors carry their status, a stable code and whether their message is safe to show.
 * Anything that is not an HttpError becomes a generic 500 whose details are only logged.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly exposeMessage = true,
    /** The request field the error is about (PostHog's `attr`), if any. */
    readonly attr?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class BadRequestError extends HttpError {
  /** `attr`: the field at fault as a path (`filters.multivariate`), shown as PostHog's `attr`. */
  constructor(code: string, message: string, attr?: string) {
    super(400, code, message, true, attr);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(code: string, message: string) {
    super(401, code, message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(code: string, message: string) {
    super(403, code, message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
    this.name = 'NotFoundError';
  }
}

/** The resource changed since the client read it (PostHog's concurrency check). */
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
    this.name = 'PayloadTooLargeError';
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(message: string) {
    super(503, 'service_unavailable', message);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * A request value as an error message shows it: a string as it is, anything else as JSON.
 * (`String(value)` throws for an object whose own `toString` is not a function, which JSON can say.)
 */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/**
 * The HttpError a handler's error answers as, or undefined for a server error. Besides HttpErrors
 * that is JavaScript failing to turn a request value into text or a number: an object whose own
 * `toString` or `valueOf` is not a function (JSON can say `{"toString": ""}`), met in a
 * `String()`, `Number()`, template or regular expression anywhere down the handler. Only request
 * data holds such objects, so the request is at fault: a 400, not a 500.
 */
export function requestErrorOf(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof TypeError && error.message === 'Cannot convert object to primitive value') {
    return new BadRequestError('invalid_input', 'The request holds an object where text or a number belongs.');
  }
  return undefined;
}
