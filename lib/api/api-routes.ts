import type { Router } from '../http/router';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { ApiAuthenticator } from './auth';
import { createCohortsApi } from './cohorts-api';
import { createEventsApi } from './events-api';
import { createFeatureFlagsApi } from './feature-flags-api';
import { createPersonsApi } from './persons-api';
import { createProjectsApi } from './projects-api';

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
}

/** The PostHog-shaped REST API under /api (projects may also be addressed as environments). */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  const auth = new ApiAuthenticator(deps.db);
  const projects = createProjectsApi({ db: deps.db, kv: deps.kv, auth });
  const events = createEventsApi({ db: deps.db, store: deps.store, auth });
  const persons = createPersonsApi({ db: deps.db, store: deps.store, auth });
  const definitions = { db: deps.db, auth, onDefinitionsChanged: deps.onDefinitionsChanged };
  const flags = createFeatureFlagsApi(definitions);
  const cohorts = createCohortsApi(definitions);

  router.add('GET', '/api/projects', projects.list);
  router.add('POST', '/api/projects', projects.create);
  router.add('GET', '/api/projects/:id', projects.get);
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
  }
}
