import { requestErrorOf } from './errors';
import { json, type HttpHandler, type HttpRequest, type HttpResponse } from './types';
import type { Logger } from '../observability/logger';

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: HttpHandler;
}

/**
 * A small path router. Patterns look like `/api/projects/:id/events` and match with or without
 * a trailing slash; a trailing `/*` matches any rest of the path.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string | readonly string[], path: string, handler: HttpHandler): this {
    const names: string[] = [];
    const source = path
      .replace(/\/$/, '')
      .split('/')
      .map((part) => {
        if (part === '*') return '(?:/.*)?';
        if (part.startsWith(':')) {
          names.push(part.slice(1));
          return '/([^/]+)';
        }
        return part ? `/${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` : '';
      })
      .join('');
    const pattern = new RegExp(`^${source}${path.endsWith('/*') ? '' : '/?'}$`);
    for (const m of Array.isArray(method) ? method : [method]) this.routes.push({ method: m, pattern, names, handler });
    return this;
  }

  /** The handler for a request, or a 404/405 JSON answer. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(req.path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== req.method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1])));
      return route.handler({ ...req, params });
    }
    return pathMatched
      ? json(405, { type: 'invalid_request', code: 'method_not_allowed', detail: `Method "${req.method}" not allowed.`, attr: null })
      : json(404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
  }
}

/**
 * The last line of defence: an HttpError (or a request value that cannot become text, see
 * requestErrorOf) becomes its status with a PostHog-shaped JSON body; anything else is logged
 * with its stack and becomes a bare 500.
 */
export function withErrorHandling(handler: HttpHandler, logger: Logger): HttpHandler {
  return async (req) => {
    try {
      return await handler(req);
    } catch (error) {
      const known = requestErrorOf(error);
      if (known) {
        return json(known.status, {
          type: known.status === 401 || known.status === 403 ? 'authentication_error' : 'validation_error',
          code: known.code,
          detail: known.exposeMessage ? known.message : 'Request failed.',
          attr: known.attr ?? null,
        });
      }
      logger.error('unhandled error', { method: req.method, path: req.path, error });
      return json(500, { type: 'server_error', code: 'error', detail: 'A server error occurred.', attr: null });
    }
  };
}
