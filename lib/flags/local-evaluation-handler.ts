import { findTeamBySecretToken } from '../accounts/accounts-repository';
import type { TokenLookup } from '../accounts/token-lookup';
import { requireScope, resolveProject, type ApiAuthenticator } from '../api/auth';
import { ForbiddenError, UnauthorizedError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { Database } from '../ports/database';
import { toLocalEvaluationResponse } from './evaluation/local-evaluation';
import type { FlagDefinitionsStore } from './flag-definitions';

export interface LocalEvaluationDeps {
  readonly db: Database;
  readonly auth: ApiAuthenticator;
  readonly tokens: TokenLookup;
  readonly definitions: FlagDefinitionsStore;
}

/**
 * `GET /flags/definitions` (posthog-node 5) and `GET /api/feature_flag/local_evaluation` (older
 * server SDKs): the team's definitions for local evaluation (contract §3.10), for a personal API
 * key with feature_flag:read on the project of `?token=`, or for the project's secret key (phs_).
 * Answers 304 when the SDK's If-None-Match still matches.
 */
export function createLocalEvaluationHandler(deps: LocalEvaluationDeps) {
  async function teamOf(req: HttpRequest): Promise<number> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1];
    const token = req.query.get('token') ?? undefined;
    if (bearer?.startsWith('phs_')) {
      const team = await findTeamBySecretToken(deps.db, bearer);
      if (!team) throw new UnauthorizedError('authentication_failed', 'Invalid project secret API key.');
      if (token && token !== team.apiToken) throw new ForbiddenError('permission_denied', 'The secret key does not belong to this project token.');
      return team.id;
    }
    const caller = await deps.auth.authenticate(req);
    requireScope(caller, 'feature_flag:read');
    const ref = token ? await deps.tokens.lookup(token) : undefined;
    const team = await resolveProject(deps.db, caller, ref ? String(ref.teamId) : '@current');
    return team.id;
  }

  return async function localEvaluation(req: HttpRequest): Promise<HttpResponse> {
    const teamId = await teamOf(req);
    const sendCohorts = req.query.has('send_cohorts');
    const defs = await deps.definitions.get(teamId);
    const etag = `"${defs.stamp}${sendCohorts ? '-c' : ''}"`;
    if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    return json(200, toLocalEvaluationResponse([...defs.flags], defs.cohorts, defs.groupTypes, { sendCohorts }), { etag, 'cache-control': 'no-cache' });
  };
}
