/**
 * The paths each front door sends to which function. PostHog SDKs post events to these capture
 * paths, with or without a trailing slash (POSTHOG_CONTRACT.md §1); everything under `/api` and the
 * health check belong to the API function.
 */
export const CAPTURE_PATHS = ['/e', '/i/v0/e', '/batch', '/capture', '/track', '/engage'] as const;

export const API_PATHS = ['/api', '/_health'] as const;
