import type { Router } from '../http/router';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { ApiAuthenticator } from './auth';
import { createEventsApi } from './events-api';
import { createPersonsApi } from './persons-api';
import { createProjectsApi } from './projects-api';

export interface ApiDeps {
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly kv: KeyValueStore;
}

/** The PostHog-shaped REST API under /api (projects may also be addressed as environments). */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  const auth = new ApiAuthenticator(deps.db);
  const projects = createProjectsApi({ db: deps.db, kv: deps.kv, auth });
  const events = createEventsApi({ db: deps.db, store: deps.store, auth });
  const persons = createPersonsApi({ db: deps.db, store: deps.store, auth });

  router.add('GET', '/api/projects', projects.list);
  router.add('POST', '/api/projects', projects.create);
  router.add('GET', '/api/projects/:id', projects.get);
  router.add('POST', '/api/personal_api_keys', projects.createPersonalApiKey);
  for (const root of ['/api/projects', '/api/environments']) {
    router.add('GET', `${root}/:id/events`, events);
    router.add('GET', `${root}/:id/persons`, persons);
  }
}
