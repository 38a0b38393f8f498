/**
 * A local platform (PGlite, chDB, ingestion) plus a second HTTP server carrying the /api routes
 * with a query service of the test's choosing (test-only runners, tight limits).
 */
import { MemoryCache } from '../../lib/adapters/local/memory-cache';
import { createOrganization, createPersonalApiKey, createTeam, createUser } from '../../lib/accounts/accounts-repository';
import { registerApiRoutes } from '../../lib/api/api-routes';
import { Router, withErrorHandling } from '../../lib/http/router';
import { silentLogger } from '../../lib/observability/logger';
import { startHttpServer } from '../../lib/platform/http-server';
import type { LocalPlatform } from '../../lib/platform/local-platform';
import { QueryService, type QueryServiceOptions } from '../../lib/query/query-service';
import { startTestPlatform } from '../support/local-platform';

export interface QueryHarness {
  readonly platform: LocalPlatform;
  /** Base URL of the server with the test's query service. */
  readonly url: string;
  readonly key: string;
  readonly teamId: number;
  /** A second project of the same organisation, and a key scoped to it only. */
  readonly otherTeamId: number;
  readonly otherTeamKey: string;
  /** A project of another organisation. */
  readonly otherOrgTeamId: number;
  readonly queries: QueryService;
  call(pathAndQuery: string, init?: RequestInit & { key?: string | null }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startQueryHarness(options: Partial<QueryServiceOptions> = {}): Promise<QueryHarness> {
  const platform = await startTestPlatform('hedgerow-query-api-');
  const cache = new MemoryCache();
  const queries = new QueryService({ runners: {}, store: platform.store, cache, ...options });
  const router = new Router();
  registerApiRoutes(router, { db: platform.db, store: platform.store, kv: platform.kv, cache, queries });
  const server = await startHttpServer(withErrorHandling((req) => router.handle(req), silentLogger), { port: 0, host: '127.0.0.1', maxBodyBytes: 1_000_000, logger: silentLogger });

  const other = await createTeam(platform.db, { organizationId: platform.team.organizationId, name: 'Second' });
  const admin = await platform.db.query<{ user_id: string }>('SELECT user_id FROM posthog_personalapikey LIMIT 1');
  const otherTeamKey = (await createPersonalApiKey(platform.db, { userId: Number(admin.rows[0].user_id), label: 'other only', scopedTeams: [other.id] })).value;
  const org = await createOrganization(platform.db, 'Elsewhere');
  const otherOrg = await createTeam(platform.db, { organizationId: org.id, name: 'Not yours' });
  await createUser(platform.db, { email: `out-${Date.now()}@elsewhere.test`, organizationId: org.id });

  const call = async (pathAndQuery: string, init: RequestInit & { key?: string | null } = {}) => {
    const key = init.key === undefined ? platform.personalApiKey : init.key;
    const res = await fetch(`${server.url}${pathAndQuery}`, {
      ...init,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  return {
    platform,
    url: server.url,
    key: platform.personalApiKey,
    teamId: platform.team.id,
    otherTeamId: other.id,
    otherTeamKey,
    otherOrgTeamId: otherOrg.id,
    queries,
    call,
    async stop() {
      await server.close();
      await platform.stop();
    },
  };
}
