/**
 * Background queries handed to another process: an asynchronous Lambda invoke of the query
 * worker on AWS (a Lambda is frozen once it answers, so the api cannot run them after its 202).
 * Locally the query service runs them in its own process and needs no dispatcher.
 */

/** Everything a worker needs to run one query as the api would have (JSON: it crosses processes). */
export interface QueryJob {
  readonly version: 1;
  readonly teamId: number;
  /** The project's time zone when the query was asked (part of its cache key). */
  readonly timezone: string;
  /** The team's group types as [index, name] pairs; actions and cohorts the worker loads itself. */
  readonly groupTypes: readonly (readonly [number, string])[];
  /** The rest of the project's query settings as the api resolved them (test-account filters, …). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The query (wrappers such as InsightVizNode already unwrapped). */
  readonly query: Record<string, unknown>;
  readonly cacheKey: string;
  /** PostHog's client_query_id: the status the worker completes. */
  readonly queryId: string;
}

export interface QueryDispatcher {
  /** Resolves once the job is durably queued for a worker (not when it has run). */
  dispatch(job: QueryJob): Promise<void>;
}
