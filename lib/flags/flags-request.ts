import { decodeBase64Strict } from '../capture/base64';
import { gunzipCapped, hasGzipMagic, tryDecodeUtf8 } from '../capture/decompress';
import { normalizeDistinctId } from '../capture/distinct-id';
import { mediaTypeOf, parseForm } from '../capture/form';
import { BadRequestError, HttpError } from '../http/errors';
import type { HttpRequest } from '../http/types';

/** What a `/flags` or `/decide` request asks (contract §3.1). */
export interface FlagsRequest {
  readonly token: string | undefined;
  readonly distinctId: string;
  readonly groups: Record<string, string>;
  readonly personProperties: Record<string, unknown>;
  readonly groupProperties: Record<string, Record<string, unknown>>;
  readonly anonDistinctId?: string;
  readonly deviceId?: string;
  readonly flagKeys?: string[];
  readonly disableFlags: boolean;
  readonly runtime?: 'client' | 'server' | 'all';
  readonly evaluationContexts?: string[];
}

export class FlagsRequestError extends BadRequestError {
  constructor(message: string) {
    super('invalid_request', message);
    this.name = 'FlagsRequestError';
  }
}

export class FlagsTokenError extends HttpError {
  constructor(message: string) {
    super(401, 'invalid_token', message);
    this.name = 'FlagsTokenError';
  }
}

const MAX_DECODED_BYTES = 10 * 1024 * 1024;

/** JSON with json5's tolerance for bare NaN/Infinity (as values), which some clients send. */
function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/(?<=[:,[]\s*)-?(?:NaN|Infinity)(?=\s*[,}\]])/g, 'null'));
  }
}

/** base64 of JSON; a form's value had its `+` turned into spaces by url-decoding, which we undo. */
function base64Json(text: string, fromForm: boolean): unknown {
  let unescaped = text;
  if (fromForm) unescaped = text.replace(/ /g, '+');
  else {
    try {
      unescaped = decodeURIComponent(text.replace(/\+/g, '%2B'));
    } catch {
      // not percent-encoded
    }
  }
  const cleaned = unescaped.replace(/\s+/g, '');
  const padded = cleaned + '='.repeat((4 - (cleaned.length % 4)) % 4);
  const bytes = decodeBase64Strict(padded);
  const decoded = bytes && tryDecodeUtf8(bytes);
  if (decoded === undefined) throw new FlagsRequestError('Failed to decode request: invalid base64 data.');
  try {
    return parseLenientJson(decoded);
  } catch {
    throw new FlagsRequestError('Failed to decode request: the decoded data is not JSON.');
  }
}

/** Decodes the body by content type and compression (contract §3.1). */
export function decodeFlagsBody(req: HttpRequest): unknown {
  if (req.method === 'GET' || req.body.length === 0) return {};
  const media = mediaTypeOf(req.headers['content-type']) || 'application/json';
  const compression = (req.query.get('compression') ?? '').toLowerCase();
  if (compression && !['gzip', 'gzip-js', 'base64', 'b64', 'lz64', 'lz-string', ''].includes(compression)) {
    throw new FlagsRequestError(`Unsupported compression: ${compression}.`);
  }
  if (media === 'application/x-www-form-urlencoded') {
    const form = parseForm(req.body);
    const data = form.data ?? tryDecodeUtf8(req.body);
    if (!data) throw new FlagsRequestError('Failed to decode request: the form has no data.');
    return base64Json(data, form.data !== undefined);
  }
  if (media !== 'application/json' && media !== 'text/plain') throw new FlagsRequestError(`Unsupported content type: ${media}.`);
  let bytes: Buffer = req.body;
  const gzipHinted = compression === 'gzip' || compression === 'gzip-js' || (req.headers['content-encoding'] ?? '').includes('gzip');
  if (gzipHinted || hasGzipMagic(bytes)) {
    try {
      bytes = gunzipCapped(bytes, MAX_DECODED_BYTES);
    } catch (error) {
      if (error instanceof HttpError && error.status === 413) throw error;
      throw new FlagsRequestError('Failed to decode request: invalid gzip data.');
    }
  }
  const text = tryDecodeUtf8(bytes);
  if (text === undefined) throw new FlagsRequestError('Failed to decode request: invalid UTF-8.');
  try {
    return parseLenientJson(text);
  } catch {
    try {
      return base64Json(text, false);
    } catch {
      throw new FlagsRequestError('Failed to decode request: the body is not JSON.');
    }
  }
}

const asObject = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const stringOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** Reads the request fields with their aliases; 400 for a missing distinct_id or wrong types. */
export function parseFlagsRequest(req: HttpRequest): FlagsRequest {
  const body = asObject(decodeFlagsBody(req));
  if (!body) throw new FlagsRequestError('Failed to parse request: the body must be a JSON object.');
  const pick = (...keys: string[]) => keys.map((k) => body[k]).find((v) => v !== undefined && v !== null);

  const rawToken = pick('token', '$token', 'api_key') ?? req.query.get('token') ?? undefined;
  const token = typeof rawToken === 'string' ? rawToken.trim() : undefined;

  const rawDistinctId = pick('distinct_id', '$distinct_id');
  if (req.method !== 'GET' && rawDistinctId === undefined) {
    throw new FlagsRequestError('The distinct_id field is missing from the request. Please include a distinct_id in your request body.');
  }
  let distinctId: string | undefined;
  try {
    distinctId = rawDistinctId === undefined || rawDistinctId === '' ? '' : normalizeDistinctId(rawDistinctId);
  } catch {
    throw new FlagsRequestError('The distinct_id field is too deeply nested.');
  }
  if (distinctId === undefined) throw new FlagsRequestError('The distinct_id field must be a string or a number.');

  const groups: Record<string, string> = {};
  for (const [type, key] of Object.entries(asObject(pick('groups', '$groups')) ?? {})) {
    const k = stringOf(key);
    if (k !== undefined && k !== '') groups[type] = k;
  }
  const groupProperties: Record<string, Record<string, unknown>> = {};
  for (const [type, props] of Object.entries(asObject(pick('group_properties', '$group_properties')) ?? {})) {
    const obj = asObject(props);
    if (obj) groupProperties[type] = obj;
  }
  const flagKeys = pick('flag_keys_to_evaluate', 'flag_keys');
  const runtime = pick('evaluation_runtime');
  const contexts = pick('evaluation_contexts', 'evaluation_environments');
  return {
    token,
    distinctId: distinctId.slice(0, 200),
    groups,
    personProperties: asObject(pick('person_properties', '$properties')) ?? {},
    groupProperties,
    anonDistinctId: stringOf(pick('$anon_distinct_id', 'anon_distinct_id')),
    deviceId: stringOf(pick('$device_id')),
    flagKeys: Array.isArray(flagKeys) ? flagKeys.filter((k): k is string => typeof k === 'string') : undefined,
    disableFlags: pick('disable_flags') === true,
    runtime: runtime === 'client' || runtime === 'server' || runtime === 'all' ? runtime : undefined,
    evaluationContexts: Array.isArray(contexts) ? contexts.filter((c): c is string => typeof c === 'string') : undefined,
  };
}
