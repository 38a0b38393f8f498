import { BadRequestError } from '../http/errors';
import type { HttpRequest } from '../http/types';

/** The JSON object body of an /api request ({} when empty); 400 for anything else. */
export function parseJsonBody(req: HttpRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new BadRequestError('parse_error', 'The request body is not valid JSON.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('parse_error', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** An optional integer query parameter within bounds; 400 naming the parameter otherwise. */
export function intParam(req: HttpRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequestError('invalid_input', `${name} must be an integer from ${min} to ${max}.`);
  return n;
}

/** An optional date query parameter (ISO 8601); 400 naming the parameter otherwise. */
export function dateParam(req: HttpRequest, name: string): Date | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new BadRequestError('invalid_input', `${name} must be an ISO 8601 date.`);
  return date;
}
