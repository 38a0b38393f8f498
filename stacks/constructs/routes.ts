/**
 * The paths each front door sends to which function. PostHog SDKs post events to these capture
 * paths, with or without a trailing slash (POSTHOG_CONTRACT.md §1); everything under `/api` and the
 * health check belong to the API function.
 */
export const CAPTURE_PATHS = ['/e', '/i/v0/e', '/batch', '/capture', '/track', '/engage'] as const;

/** Session-recording snapshots (posthog-js posts to `/s/`): served by the capture function too. */
export const REPLAY_PATHS = ['/s'] as const;

export const API_PATHS = ['/api', '/_health'] as const;

/** `/flags` and the legacy `/decide`, each with and without a trailing slash: the flags function. */
export const FLAGS_PATHS = ['/flags', '/decide'] as const;

/**
 * Prefixes whose every sub-path goes to the flags function: the remote config
 * (`/array/<token>/config`, `config.js`) and the posthog-js bundles (`/static/lazy-recorder.js`).
 */
export const FLAGS_PREFIXES = ['/array', '/static'] as const;

/**
 * Local evaluation for server SDKs (posthog-node reads `/flags/definitions`): it authenticates
 * personal API keys against Postgres, so it belongs to the API function even though it sits
 * under `/flags`. `/api/feature_flag/local_evaluation` is under `/api` already.
 */
export const API_FLAG_PATHS = ['/flags/definitions'] as const;
