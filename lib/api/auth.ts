import { findPersonalApiKey, listTeams, type PersonalApiKey, type Team, type User } from '../accounts/accounts-repository';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../http/errors';
import type { HttpRequest } from '../http/types';
import type { Sql } from '../ports/database';

export interface ApiCaller {
  readonly user: User;
  readonly key: PersonalApiKey;
}

const INVALID_KEY = 'Invalid personal API key.';

/** The personal API key of a request: Bearer header, then `personal_api_key` in the body or the query (PostHog's order). */
export function personalKeyOf(req: HttpRequest): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match?.[1];
  }
  if (req.body.length > 0 && req.body.length < 1_000_000 && (req.headers['content-type'] ?? '').includes('json')) {
    try {
      const body = JSON.parse(req.body.toString('utf8')) as { personal_api_key?: unknown };
      if (typeof body.personal_api_key === 'string') return body.personal_api_key;
    } catch {
      // not JSON: the route reports that itself
    }
  }
  return req.query.get('personal_api_key') ?? undefined;
}

/**
 * Authenticates an /api request. Only personal API keys (phx_) are accepted: a project token
 * (phc_) is public and never opens data APIs.
 */
export class ApiAuthenticator {
  private readonly cache = new Map<string, { caller: ApiCaller; expiresAt: number }>();

  constructor(
    private readonly db: Sql,
    private readonly ttlMs = 30_000,
  ) {}

  async authenticate(req: HttpRequest): Promise<ApiCaller> {
    const value = personalKeyOf(req);
    if (!value) throw new UnauthorizedError('not_authenticated', 'Authentication credentials were not provided.');
    if (value.startsWith('phc_')) {
      throw new UnauthorizedError('authentication_failed', 'Project API keys (phc_) are public and cannot be used for this API; use a personal API key.');
    }
    if (!value.startsWith('phx_')) throw new UnauthorizedError('authentication_failed', INVALID_KEY);
    const hit = this.cache.get(value);
    if (hit && hit.expiresAt > Date.now()) return hit.caller;
    const found = await findPersonalApiKey(this.db, value);
    if (!found) throw new UnauthorizedError('authentication_failed', INVALID_KEY);
    const caller = { user: found.user, key: found.key };
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(value, { caller, expiresAt: Date.now() + this.ttlMs });
    return caller;
  }

  /**
   * Authenticates a request to a project's route: the key must hold `scope` and cover the
   * project in the path (`:id` or `@current`, see resolveProject).
   */
  async authorizeProject(req: HttpRequest, scope: string): Promise<{ caller: ApiCaller; team: Team }> {
    const caller = await this.authenticate(req);
    requireScope(caller, scope);
    return { caller, team: await resolveProject(this.db, caller, req.params?.id) };
  }

  forget(): void {
    this.cache.clear();
  }
}

/** Throws unless the key has `scope` (or `*`); `x:read` is implied by `x:write`. */
export function requireScope(caller: ApiCaller, scope: string): void {
  const scopes = caller.key.scopes;
  if (scopes.includes('*') || scopes.includes(scope)) return;
  const [object, action] = scope.split(':');
  if (action === 'read' && scopes.includes(`${object}:write`)) return;
  throw new ForbiddenError('permission_denied', `API key missing required scope '${scope}'.`);
}

/** The teams a caller may see: its organisation's, narrowed to the key's scoped teams. */
export async function teamsOf(db: Sql, caller: ApiCaller): Promise<Team[]> {
  const teams = await listTeams(db, caller.user.organizationId);
  return caller.key.scopedTeams ? teams.filter((t) => caller.key.scopedTeams!.includes(t.id)) : teams;
}

/**
 * The project named in an /api path (`:id` or `@current`), checked against the caller. A
 * project of another organisation answers 404 (its existence is not revealed); one the key is
 * not scoped to answers 403.
 */
export async function resolveProject(db: Sql, caller: ApiCaller, idParam: string | undefined): Promise<Team> {
  const all = await listTeams(db, caller.user.organizationId);
  const allowed = caller.key.scopedTeams ? all.filter((t) => caller.key.scopedTeams!.includes(t.id)) : all;
  if (idParam === '@current') {
    if (allowed.length === 0) throw new ForbiddenError('permission_denied', 'This API key cannot access any project.');
    return allowed[0];
  }
  const id = Number(idParam);
  if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
  const team = all.find((t) => t.id === id);
  if (!team) throw new NotFoundError('Project not found.');
  if (!allowed.includes(team)) throw new ForbiddenError('permission_denied', "API key does not have access to the requested project.");
  return team;
}
