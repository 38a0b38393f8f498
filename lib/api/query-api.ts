import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { Sql } from '../ports/database';
import { queryScopeOf } from '../query/query-scope';
import { refreshModeOf, type QueryService } from '../query/query-service';
import type { ApiAuthenticator } from './auth';
import { parseJsonBody } from './request';

const QUERY_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

// The insights and dashboards APIs know it by this module's name.
export { queryScopeOf };

function clientQueryIdOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !QUERY_ID.test(value)) {
    throw new BadRequestError('invalid_input', 'client_query_id must be up to 128 letters, digits, "_", "-", "." or ":".', 'client_query_id');
  }
  return value;
}

/**
 * /api/projects/:id/query/ (and /api/environments/:id/query/): PostHog's query endpoint.
 * POST runs a query (`refresh`, `async`, `client_query_id`); GET …/query/:queryId/ answers its
 * status (202 while running); DELETE cancels it. Personal API keys with `query:read` only.
 */
export function createQueryApi(deps: { db: Sql; auth: ApiAuthenticator; queries: QueryService }) {
  const { db, auth, queries } = deps;

  const project = async (req: HttpRequest): Promise<Team> => (await auth.authorizeProject(req, 'query:read')).team;

  function queryIdParam(req: HttpRequest): string {
    const id = req.params?.queryId ?? '';
    if (!QUERY_ID.test(id)) throw new NotFoundError('Query not found.');
    return id;
  }

  return {
    async run(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req);
      const body = parseJsonBody(req);
      if (body.query === undefined) throw new BadRequestError('required', 'query is required.', 'query');
      const refresh = refreshModeOf(body.refresh, body.async, 'blocking');
      const clientQueryId = clientQueryIdOf(body.client_query_id);
      queries.resolve(body.query);
      const outcome = await queries.run(body.query, await queryScopeOf(db, team), { refresh, clientQueryId });
      return json(outcome.status, outcome.body);
    },

    async status(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req);
      const outcome = await queries.status(team.id, queryIdParam(req));
      return json(outcome.status, outcome.body);
    },

    async cancel(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req);
      if (!(await queries.cancel(team.id, queryIdParam(req)))) throw new NotFoundError('Query not found.');
      return { status: 204 };
    },
  };
}
