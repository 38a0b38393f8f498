import { MemoryCache } from '../adapters/local/memory-cache';
import type { Router } from '../http/router';
import type { HttpHandler } from '../http/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Cache } from '../ports/cache';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { QueryService } from '../query/query-service';
import { QUERY_RUNNERS } from '../query/runners';
import { createActionsApi } from './actions-api';
import { createAnnotationsApi } from './annotations-api';
import { ApiAuthenticator } from './auth';
import { createCohortsApi } from './cohorts-api';
import { createDashboardsApi } from './dashboards-api';
import { createDefinitionsApi } from './definitions-api';
import { createEventsApi } from './events-api';
import { createFeatureFlagsApi } from './feature-flags-api';
import { createInsightVariablesApi } from './insight-variables-api';
import { createInsightsApi } from './insights-api';
import { createPersonsApi } from './persons-api';
import { generalProjectSettings, type ProjectSettingsSection } from './project-settings';
import { createProjectsApi } from './projects-api';
import { createQueryApi } from './query-api';

export interface ApiDeps {
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly kv: KeyValueStore;
  /**
   * Called after every committed write to a team's feature flags or cohorts, before the API
   * answers (e.g. to rebuild the /flags definitions cache). A rejection makes the answer a 500;
   * the write itself stays committed.
   */
  readonly onDefinitionsChanged?: (teamId: number) => Promise<void>;
  /** Query results, statuses and definitions caches (ElastiCache on AWS). @default an in-memory cache */
  readonly cache?: Cache;
  /** The query service. @default one over every runner in lib/query/runners.ts, on `store` and `cache` */
  readonly queries?: QueryService;
  /** Project settings beyond the general ones that PATCH of a project changes (e.g. replay-project-settings.ts). */
  readonly projectSettings?: readonly ProjectSettingsSection[];
}

/** The PostHog-shaped REST API under /api (projects may also be addressed as environments). */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  const auth = new ApiAuthenticator(deps.db);
  const settings = [generalProjectSettings(deps.db), ...(deps.projectSettings ?? [])];
  const projects = createProjectsApi({ db: deps.db, kv: deps.kv, auth, settings });
  const events = createEventsApi({ db: deps.db, store: deps.store, auth });
  const persons = createPersonsApi({ db: deps.db, store: deps.store, auth });
  const definitions = { db: deps.db, auth, kv: deps.kv, onDefinitionsChanged: deps.onDefinitionsChanged };
  const flags = createFeatureFlagsApi(definitions);
  const cohorts = createCohortsApi({ ...definitions, store: deps.store });
  const cache = deps.cache ?? new MemoryCache();
  const queries = deps.queries ?? new QueryService({ runners: QUERY_RUNNERS, store: deps.store, cache });
  const query = createQueryApi({ db: deps.db, auth, queries });
  const actions = createActionsApi({ db: deps.db, auth });
  const insights = createInsightsApi({ db: deps.db, auth, queries });
  const dashboards = createDashboardsApi({ db: deps.db, auth, queries });
  const annotations = createAnnotationsApi({ db: deps.db, auth });
  const insightVariables = createInsightVariablesApi({ db: deps.db, auth });
  const definitionsApi = createDefinitionsApi({ store: deps.store, cache, auth });

  router.add('GET', '/api/projects', projects.list);
  router.add('POST', '/api/projects', projects.create);
  router.add('GET', '/api/projects/:id', projects.get);
  router.add('GET', '/api/environments/:id', projects.get);
  router.add('PATCH', '/api/projects/:id', projects.update);
  router.add('PATCH', '/api/environments/:id', projects.update);
  router.add('POST', '/api/personal_api_keys', projects.createPersonalApiKey);
  for (const root of ['/api/projects', '/api/environments']) {
    router.add('GET', `${root}/:id/events`, events);
    router.add('GET', `${root}/:id/persons`, persons);

    const flagsPath = `${root}/:id/feature_flags`;
    router.add('GET', flagsPath, flags.list);
    router.add('POST', flagsPath, flags.create);
    router.add('GET', `${flagsPath}/:flagId`, flags.retrieve);
    router.add(['PATCH', 'PUT'], `${flagsPath}/:flagId`, flags.update);
    router.add('DELETE', `${flagsPath}/:flagId`, flags.destroy);
    router.add('GET', `${flagsPath}/:flagId/versions`, flags.versions);
    router.add('GET', `${flagsPath}/:flagId/activity`, flags.activity);

    const cohortsPath = `${root}/:id/cohorts`;
    router.add('GET', cohortsPath, cohorts.list);
    router.add('POST', cohortsPath, cohorts.create);
    router.add('GET', `${cohortsPath}/:cohortId`, cohorts.retrieve);
    router.add(['PATCH', 'PUT'], `${cohortsPath}/:cohortId`, cohorts.update);
    router.add('DELETE', `${cohortsPath}/:cohortId`, cohorts.destroy);
    router.add('GET', `${cohortsPath}/:cohortId/persons`, cohorts.persons);
    router.add('PATCH', `${cohortsPath}/:cohortId/add_persons_to_static_cohort`, cohorts.addPersons);
    router.add('PATCH', `${cohortsPath}/:cohortId/remove_person_from_static_cohort`, cohorts.removePerson);

    router.add('POST', `${root}/:id/query`, query.run);
    router.add('GET', `${root}/:id/query/:queryId`, query.status);
    router.add('DELETE', `${root}/:id/query/:queryId`, query.cancel);

    crud(router, `${root}/:id/actions`, 'actionId', actions);
    crud(router, `${root}/:id/insights`, 'insightId', insights);
    crud(router, `${root}/:id/dashboards`, 'dashboardId', dashboards);
    crud(router, `${root}/:id/annotations`, 'annotationId', annotations);
    crud(router, `${root}/:id/insight_variables`, 'variableId', insightVariables);
    router.add('GET', `${root}/:id/event_definitions`, definitionsApi.listEvents);
    router.add('GET', `${root}/:id/event_definitions/:definitionId`, definitionsApi.retrieveEvent);
    router.add('GET', `${root}/:id/property_definitions`, definitionsApi.listProperties);
    router.add('GET', `${root}/:id/property_definitions/:definitionId`, definitionsApi.retrieveProperty);
  }
}

interface CrudApi {
  readonly list: HttpHandler;
  readonly create: HttpHandler;
  readonly retrieve: HttpHandler;
  readonly update: HttpHandler;
  readonly destroy: HttpHandler;
}

/** list and create on `path`, retrieve / update (PATCH, PUT) / delete on `path/:param`. */
function crud(router: Router, path: string, param: string, api: CrudApi): void {
  router.add('GET', path, api.list);
  router.add('POST', path, api.create);
  router.add('GET', `${path}/:${param}`, api.retrieve);
  router.add(['PATCH', 'PUT'], `${path}/:${param}`, api.update);
  router.add('DELETE', `${path}/:${param}`, api.destroy);
}
