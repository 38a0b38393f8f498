import { DefinitionValidationError } from '../flags/validation-error';
import { BadRequestError, NotFoundError } from '../http/errors';
import type { HttpRequest } from '../http/types';
import type { Sql } from '../ports/database';
import { intParam } from './request';

// Shared by the feature flag and cohort APIs.

const UNIQUE_VIOLATION = '23505';

/** A positive integer path parameter; anything else is not found. */
export function idParam(req: HttpRequest, name: string): number {
  const raw = req.params?.[name] ?? '';
  if (!/^\d{1,10}$/.test(raw) || Number(raw) === 0) throw new NotFoundError();
  return Number(raw);
}

/** `limit` (default 100) and `offset` query parameters. */
export function pageParams(req: HttpRequest, defaultLimit = 100): { limit: number; offset: number } {
  return { limit: intParam(req, 'limit', defaultLimit, 1, 1000), offset: intParam(req, 'offset', 0, 0, 100_000_000) };
}

/** PostHog's `next` / `previous` links for limit/offset pages (relative, like the other /api lists). */
export function pageLinks(req: HttpRequest, page: { limit: number; offset: number }, count: number): { next: string | null; previous: string | null } {
  const link = (offset: number) => {
    const query = new URLSearchParams(req.query);
    query.set('limit', String(page.limit));
    query.set('offset', String(offset));
    return `${req.path}?${query.toString()}`;
  };
  return {
    next: page.offset + page.limit < count ? link(page.offset + page.limit) : null,
    previous: page.offset > 0 ? link(Math.max(0, page.offset - page.limit)) : null,
  };
}

/**
 * Runs definition validation and saving, turning a refused definition into a 400 naming the
 * field, and a unique violation (a concurrent save took the key) into the same 400 as the check.
 */
export async function asBadRequest<T>(run: () => Promise<T>, uniqueAttr: string, uniqueMessage: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new BadRequestError('unique', uniqueMessage, uniqueAttr);
    throw badRequestOf(error);
  }
}

/** A refused definition as a 400 naming the field; any other error unchanged. */
export function badRequestOf(error: unknown): unknown {
  return error instanceof DefinitionValidationError ? new BadRequestError(error.code, error.message, error.attr) : error;
}

/** Serialises the writers of one team's flags and cohorts (dependency and cycle checks read what others write). */
export async function lockTeamDefinitions(tx: Sql, teamId: number): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('flag-definitions:' || $1::text, 0))", [String(teamId)]);
}

/** A user as PostHog's UserBasicSerializer shows one. */
export function userJson(user: { id: number; uuid: string; email: string; first_name: string } | null): Record<string, unknown> | null {
  return user && { id: user.id, uuid: user.uuid, distinct_id: null, first_name: user.first_name, last_name: '', email: user.email, is_email_verified: null };
}
