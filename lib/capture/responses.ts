import type { HttpRequest, HttpResponse } from '../http/types';
import type { CaptureError } from './errors';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';

/**
 * CORS as PostHog answers it (contract §0): the request's Origin mirrored with credentials
 * allowed, requested headers mirrored. Without an Origin (server SDKs) a plain `*`.
 */
export function corsHeaders(req: HttpRequest): Record<string, string> {
  const origin = req.headers.origin;
  const headers: Record<string, string> = { 'access-control-allow-methods': ALLOWED_METHODS };
  if (origin) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
    headers.vary = 'Origin, Access-Control-Request-Headers';
  } else {
    headers['access-control-allow-origin'] = '*';
  }
  const requested = req.headers['access-control-request-headers'];
  if (requested) headers['access-control-allow-headers'] = requested;
  return headers;
}

const OK_BODY = '{"status":"Ok"}';

/** Exactly 200 `{"status":"Ok"}` (posthog-js retries anything else), or 204 for `beacon=1`. */
export function okResponse(req: HttpRequest, cors: Record<string, string>): HttpResponse {
  if (req.query.get('beacon') === '1') return { status: 204, headers: cors };
  return { status: 200, headers: { 'content-type': 'application/json', ...cors }, body: OK_BODY };
}

/** A preflight: 200 with the CORS headers. */
export function preflightResponse(cors: Record<string, string>): HttpResponse {
  return { status: 200, headers: { 'content-length': '0', ...cors }, body: '' };
}

/** The Rust capture's error body: `{"status":N,"code":"…","error":"…"}`. */
export function errorResponse(error: CaptureError, cors: Record<string, string>): HttpResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', ...cors },
    body: JSON.stringify({ status: error.status, code: error.code, error: error.message }),
  };
}
