import type { Logger } from '../observability/logger';
import type { Sql } from '../ports/database';
import { parseQueryJob } from './query-job';
import { scopeLoaders } from './query-scope';
import type { JobOutcome, QueryService } from './query-service';

export interface QueryWorkerDeps {
  /** The worker's own service: same runners, store, shared cache and limits as the api's, no dispatcher. */
  readonly queries: QueryService;
  /** Where the team's actions and cohorts are loaded from. */
  readonly db: Sql;
  readonly logger?: Logger;
}

/**
 * The query worker (lambdas/query-worker): runs one dispatched job. A malformed job throws (the
 * platform retries, then dead-letters it); a query that fails is recorded in its status and
 * returns normally, as running it again would fail again.
 */
export function createQueryWorker(deps: QueryWorkerDeps): (event: unknown) => Promise<JobOutcome> {
  return async (event) => {
    const job = parseQueryJob(event);
    const outcome = await deps.queries.runJob(job, scopeLoaders(deps.db, job.teamId));
    deps.logger?.info('query job', { teamId: job.teamId, queryId: job.queryId, kind: typeof job.query.kind === 'string' ? job.query.kind : undefined, outcome });
    return outcome;
  };
}
