import { InvalidTokenError, INVALID_TOKEN_REASONS, MultipleTokensError, NoTokenError, RequestParsingError } from './errors';
import { isObject, type RawRequest } from './raw-request';

const MAX_TOKEN_LENGTH = 64;

/**
 * The request's project token (contract §1.2): the batch envelope's when present, else the one
 * token every event agrees on (`token` / `$token` / `api_key`, else `properties.token`).
 * Returns it validated and trimmed.
 */
export function resolveToken(request: RawRequest, events: readonly unknown[]): string {
  const envelope = request.envelopeToken;
  if (envelope !== undefined && envelope !== null) {
    if (typeof envelope !== 'string') throw new RequestParsingError('api_key must be a string');
    return validateToken(envelope);
  }
  let token: string | undefined;
  for (let i = 0; i < events.length; i++) {
    const found = eventToken(events[i], i);
    if (found === undefined) continue;
    if (token === undefined) token = found;
    else if (token !== found) throw new MultipleTokensError();
  }
  if (token === undefined) throw new NoTokenError();
  return validateToken(token);
}

function eventToken(event: unknown, index: number): string | undefined {
  if (!isObject(event)) throw new RequestParsingError('event must be a JSON object', index);
  const top = event.token ?? event.$token ?? event.api_key;
  if (top !== undefined && top !== null) {
    if (typeof top !== 'string') throw new RequestParsingError('token must be a string', index);
    return top;
  }
  const properties = event.properties;
  return isObject(properties) && typeof properties.token === 'string' ? properties.token : undefined;
}

/** Trimmed; non-empty, ≤ 64 chars, ASCII without NUL, and not a personal API key (phx_). */
export function validateToken(raw: string): string {
  const token = raw.trim();
  if (token.length === 0) throw new InvalidTokenError(INVALID_TOKEN_REASONS.empty);
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError(INVALID_TOKEN_REASONS.tooLong);
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 0) throw new InvalidTokenError(INVALID_TOKEN_REASONS.nullByte);
    if (c > 127) throw new InvalidTokenError(INVALID_TOKEN_REASONS.nonAscii);
  }
  if (token.startsWith('phx_')) throw new InvalidTokenError(INVALID_TOKEN_REASONS.personalApiKey);
  return token;
}
