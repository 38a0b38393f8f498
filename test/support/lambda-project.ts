/** What the Lambda tests (test/lambdas) set up alike: a project with a personal API key, and the api Lambda called with it. */
import { createOrganization, createPersonalApiKey, createTeam, createUser, type Team } from '../../lib/accounts/accounts-repository';
import { publishTeamToken } from '../../lib/accounts/token-directory';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { migratePostgres } from '../../lib/postgres/migrate';
import { openTestStore } from './chdb';
import { startLambdaEnvironment, type LambdaEnvironment } from './lambda-environment';
import { httpApiEvent } from './lambda-events';
import { httpOf, invoke } from './lambda-invoke';

export interface LambdaProject {
  readonly organizationId: string;
  readonly userId: number;
  readonly team: Team;
  /** A personal API key (all scopes) of the project's user. */
  readonly key: string;
}

/** An organisation, a user with a key, and a project whose token capture and flags can look up. */
export async function createLambdaProject(aws: LambdaEnvironment, name: string): Promise<LambdaProject> {
  const org = await createOrganization(aws.db, `${name} org`);
  const user = await createUser(aws.db, { email: `${name.toLowerCase().replace(/\W+/g, '-')}@example.com`, organizationId: org.id });
  const team = await createTeam(aws.db, { organizationId: org.id, name: `${name} project` });
  const key = (await createPersonalApiKey(aws.db, { userId: user.id, label: `${name} test`, scopes: ['*'] })).value;
  await publishTeamToken(aws.kv, team);
  return { organizationId: org.id, userId: user.id, team, key };
}

/**
 * Local AWS (`label` names its resources), the test's chDB store, Aurora migrated and a project.
 * The test applies `aws.env` to process.env itself, before it imports the handlers.
 */
export async function startLambdaTest(label: string, projectName: string): Promise<{ aws: LambdaEnvironment; store: AnalyticsStore; project: LambdaProject }> {
  const aws = await startLambdaEnvironment(label);
  const store = await openTestStore();
  await migratePostgres(aws.db);
  return { aws, store, project: await createLambdaProject(aws, projectName) };
}

/** The handler modules of the ingestion spine: capture, ingestion consumer, loader and api. */
export interface SpineHandlers {
  readonly capture: typeof import('../../lambdas/capture');
  readonly consumer: typeof import('../../lambdas/ingestion-consumer');
  readonly loader: typeof import('../../lambdas/clickhouse-loader');
  readonly api: typeof import('../../lambdas/api');
}

/** Loads the spine's handler modules: a cold start, so the test sets their environment first. */
export async function importSpineHandlers(): Promise<SpineHandlers> {
  return {
    capture: await import('../../lambdas/capture'),
    consumer: await import('../../lambdas/ingestion-consumer'),
    loader: await import('../../lambdas/clickhouse-loader'),
    api: await import('../../lambdas/api'),
  };
}

type ApiHandler = typeof import('../../lambdas/api').handler;

/** Calls the api Lambda's handler (read when called, as tests import it after setting the environment) with the key. */
export function apiCaller(handler: () => ApiHandler, key: () => string) {
  return async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpOf(
      (
        await invoke(
          handler(),
          httpApiEvent({ method, url, headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) }),
          'api',
        )
      ).result,
    );
}

/**
 * Undoes startLambdaTest: the test's store, then the handlers' chDB sessions (chDB keeps one per
 * process; closed so that the next test file may open it), then local AWS.
 */
export async function stopLambdaTest(store: AnalyticsStore | undefined, aws: LambdaEnvironment | undefined): Promise<void> {
  await store?.close();
  ((await import('chdb')) as unknown as { _closeAllSessions(): void })._closeAllSessions();
  await aws?.stop();
}
