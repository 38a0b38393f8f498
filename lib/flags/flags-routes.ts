import type { TokenLookup } from '../accounts/token-lookup';
import type { ApiAuthenticator } from '../api/auth';
import type { Router } from '../http/router';
import { json } from '../http/types';
import type { Logger } from '../observability/logger';
import type { Database } from '../ports/database';
import type { FlagDataSource } from './flag-data-source';
import type { FlagDefinitionsStore } from './flag-definitions';
import { createFlagsHandler } from './flags-handler';
import { createLocalEvaluationHandler } from './local-evaluation-handler';
import { createRemoteConfigHandler, type RemoteConfigSettings } from './remote-config';

export interface FlagsRoutesDeps {
  readonly tokens: TokenLookup;
  readonly definitions: FlagDefinitionsStore;
  readonly flagData: FlagDataSource;
  readonly settings: RemoteConfigSettings;
  readonly logger: Logger;
}

/**
 * What posthog-js asks of the flags service: `/flags`, `/decide` and the remote config
 * (`/array/:token/config`, `config.js`). The same routes on the local server and in the flags
 * Lambda, which reads nothing but the key-value store.
 */
export function registerFlagsRoutes(router: Router, deps: FlagsRoutesDeps): void {
  const flags = createFlagsHandler({ tokens: deps.tokens, definitions: deps.definitions, data: deps.flagData, settings: deps.settings, logger: deps.logger });
  router.add('*', '/flags', flags);
  router.add('*', '/decide', flags);
  const remoteConfig = createRemoteConfigHandler({ tokens: deps.tokens, definitions: deps.definitions, settings: deps.settings });
  router.add(['GET', 'OPTIONS'], '/array/:token/:file', async (req) =>
    req.params?.file === 'config' || req.params?.file === 'config.js' ? remoteConfig(req) : json(404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null }),
  );
}

/**
 * Local evaluation for server SDKs: `GET /flags/definitions` and `/api/feature_flag/local_evaluation`
 * (personal API keys and secret keys are checked against Postgres, so the API function serves them).
 */
export function registerLocalEvaluationRoutes(
  router: Router,
  deps: { readonly db: Database; readonly auth: ApiAuthenticator; readonly tokens: TokenLookup; readonly definitions: FlagDefinitionsStore },
): void {
  const localEvaluation = createLocalEvaluationHandler(deps);
  router.add('GET', '/flags/definitions', localEvaluation);
  router.add('GET', '/api/feature_flag/local_evaluation', localEvaluation);
}
