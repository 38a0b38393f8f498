import { gzipSync } from 'node:zlib';
import type { HttpHandler, HttpResponse } from '../../lib/http/types';

export interface GzipOptions {
  /** Bodies below this size are sent as they are: compressing them saves less than it costs. @default 1024 */
  readonly minBytes?: number;
  /** Keep each path's compressed body (immutable files only). @default false */
  readonly cachePerPath?: boolean;
}

/**
 * Gzips a handler's successful bodies for clients that accept it. A Lambda's response is capped —
 * an ALB passes at most 1 MB of body from a Lambda target, Lambda itself 6 MB — and a binary body
 * travels base64-encoded (+33 %): array.full.js (750 kB) would not pass an ALB uncompressed, nor
 * would a long recording's snapshots. JavaScript and JSON shrink five- to tenfold.
 */
export function withGzip(handler: HttpHandler, options: GzipOptions = {}): HttpHandler {
  const minBytes = options.minBytes ?? 1024;
  const cache = new Map<string, Buffer>();
  return async (req) => {
    const response = await handler(req);
    const accepts = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
    if (!accepts || response.status !== 200 || response.body === undefined || response.headers?.['content-encoding']) return response;
    const raw = typeof response.body === 'string' ? Buffer.from(response.body) : (response.body as Buffer);
    if (raw.length < minBytes) return response;
    let body = options.cachePerPath ? cache.get(req.path) : undefined;
    if (!body) {
      body = gzipSync(raw, { level: options.cachePerPath ? 9 : 6 });
      if (options.cachePerPath) {
        if (cache.size > 500) cache.clear();
        cache.set(req.path, body);
      }
    }
    const compressed: HttpResponse = { ...response, headers: { ...response.headers, 'content-encoding': 'gzip', vary: 'accept-encoding' }, body };
    return compressed;
  };
}
