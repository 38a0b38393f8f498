import type { TokenLookup } from '../accounts/token-lookup';
import { ApiAuthenticator } from '../api/auth';
import { registerApiRoutes } from '../api/api-routes';
import { registerProductFeatureRoutes } from '../api/product-features';
import { replayProjectSettings } from '../api/replay-project-settings';
import { registerSessionRecordingRoutes } from '../api/session-recordings-api';
import { CAPTURE_PATHS, createCaptureHandler } from '../capture/capture-handler';
import type { FlagDataSource } from '../flags/flag-data-source';
import type { FlagDefinitionsStore } from '../flags/flag-definitions';
import { registerFlagsRoutes, registerLocalEvaluationRoutes } from '../flags/flags-routes';
import type { RemoteConfigSettings } from '../flags/remote-config';
import { Router } from '../http/router';
import type { HttpHandler } from '../http/types';
import type { Logger } from '../observability/logger';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { EventBus } from '../ports/bus';
import type { Database } from '../ports/database';
import type { BlobStore } from '../ports/blob-store';
import type { Cache } from '../ports/cache';
import type { KeyValueStore } from '../ports/key-value-store';
import { REPLAY_PATHS, createReplayCaptureHandler } from '../replay/replay-capture-handler';
import type { NewSessionRateLimiter } from '../replay/rate-limiter';
import type { SessionRecordingSettings } from '../replay/replay-settings';
import { createStaticHandler, posthogJsDistDir } from '../web/static-assets';

export interface RouteDeps {
  readonly bus: EventBus;
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly kv: KeyValueStore;
  readonly tokens: TokenLookup;
  readonly definitions: FlagDefinitionsStore;
  /** Where /flags reads persons; `forgetTeam`, if it caches, is called when definitions change. */
  readonly flagData: FlagDataSource & { forgetTeam?(teamId: number): void };
  /** Remote config settings; session-recording settings are told (`forget`) when a project's settings change. */
  readonly settings: RemoteConfigSettings | SessionRecordingSettings;
  /** Where replay blocks are (the recordings API reads them). */
  readonly blobs: BlobStore;
  /** Query results and statuses. @default in memory */
  readonly cache?: Cache;
  readonly replayRateLimiter?: NewSessionRateLimiter;
  readonly logger: Logger;
  readonly health: HttpHandler;
}

/** Every route of the platform, on one port (the local server; each Lambda registers its own part). */
export function buildRouter(deps: RouteDeps): Router {
  const router = new Router();
  const capture = createCaptureHandler({ bus: deps.bus, tokens: deps.tokens, logger: deps.logger });
  for (const p of CAPTURE_PATHS) router.add('*', p, capture);

  const replay = createReplayCaptureHandler({ bus: deps.bus, tokens: deps.tokens, logger: deps.logger, rateLimiter: deps.replayRateLimiter });
  for (const p of REPLAY_PATHS) router.add('*', p, replay);

  registerFlagsRoutes(router, { tokens: deps.tokens, definitions: deps.definitions, flagData: deps.flagData, settings: deps.settings, logger: deps.logger });
  const auth = new ApiAuthenticator(deps.db);
  registerLocalEvaluationRoutes(router, { db: deps.db, auth, tokens: deps.tokens, definitions: deps.definitions });
  const assets = createStaticHandler(posthogJsDistDir());
  router.add('GET', '/static/:file', assets);
  router.add('GET', '/static/:version/:file', assets);
  registerProductFeatureRoutes(router, deps.tokens);

  router.add(['GET', 'HEAD'], '/_health', deps.health);
  const settings = deps.settings;
  registerApiRoutes(router, {
    db: deps.db,
    cache: deps.cache,
    store: deps.store,
    kv: deps.kv,
    onDefinitionsChanged: async (teamId) => {
      await deps.definitions.refresh(teamId);
      deps.flagData.forgetTeam?.(teamId);
    },
    projectSettings: [replayProjectSettings({ db: deps.db, onReplaySettingsChanged: (teamId) => ('forget' in settings ? settings.forget(teamId) : undefined) })],
  });
  registerSessionRecordingRoutes(router, { db: deps.db, store: deps.store, blobs: deps.blobs, auth });
  return router;
}
