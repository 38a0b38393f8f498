import fs from 'node:fs/promises';
import path from 'node:path';
import type { HttpRequest, HttpResponse } from '../http/types';

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The folder holding posthog-js's built bundles (array.js and the lazily loaded extensions). */
export function posthogJsDistDir(): string {
  return path.join(path.dirname(require.resolve('posthog-js/package.json')), 'dist');
}

/**
 * Serves the files of one folder by name: `/static/lazy-recorder.js` and
 * `/static/<version>/lazy-recorder.js` (posthog-js asks for both). Only plain file names with a
 * known extension; nothing outside the folder.
 */
export function createStaticHandler(root: string, options: { maxAgeSeconds?: number } = {}) {
  const cache = new Map<string, Buffer>();
  return async function serveStatic(req: HttpRequest): Promise<HttpResponse> {
    const name = req.params?.file ?? '';
    const type = TYPES[path.extname(name)];
    if (!type || !/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) return notFound();
    let body = cache.get(name);
    if (!body) {
      try {
        body = await fs.readFile(path.join(root, name));
      } catch {
        return notFound();
      }
      cache.set(name, body);
    }
    return {
      status: 200,
      headers: {
        'content-type': type,
        'cache-control': `public, max-age=${options.maxAgeSeconds ?? 3600}`,
        'access-control-allow-origin': '*',
      },
      body,
    };
  };
}

function notFound(): HttpResponse {
  return { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null }) };
}
