import { gzipSync } from 'node:zlib';
import type { HttpHandler, HttpResponse } from '../../lib/http/types';

/** Bodies below this size are sent as they are: compressing them saves less than it costs. */
const MIN_BYTES = 1024;

/**
 * Gzips a handler's successful bodies for clients that accept it, with a per-path cache. For the
 * posthog-js bundles served from a Lambda: the ALB passes at most 1 MB of response body from a
 * Lambda target and API Gateway 6 MB, and a binary body travels base64-encoded (+33 %), which
 * array.full.js (750 kB) would not survive uncompressed behind an ALB.
 */
export function withGzip(handler: HttpHandler): HttpHandler {
  const cache = new Map<string, Buffer>();
  return async (req) => {
    const response = await handler(req);
    const accepts = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
    if (!accepts || response.status !== 200 || response.body === undefined) return response;
    const raw = typeof response.body === 'string' ? Buffer.from(response.body) : (response.body as Buffer);
    if (raw.length < MIN_BYTES) return response;
    let body = cache.get(req.path);
    if (!body) {
      body = gzipSync(raw, { level: 9 });
      if (cache.size > 500) cache.clear();
      cache.set(req.path, body);
    }
    const compressed: HttpResponse = { ...response, headers: { ...response.headers, 'content-encoding': 'gzip', vary: 'accept-encoding' }, body };
    return compressed;
  };
}
