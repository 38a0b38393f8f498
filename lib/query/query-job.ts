/**
 * A background query as a job for a worker (lib/ports/query-dispatcher.ts): built from the scope
 * the api resolved, turned back into a scope by the worker with loaders of its own.
 */
import type { QueryJob } from '../ports/query-dispatcher';
import type { QueryContext } from './types';

/** What a query runs against, besides the store and limits the service supplies. */
export type QueryScope = Pick<QueryContext, 'teamId' | 'timezone' | 'loadAction' | 'loadCohort' | 'loadVariables' | 'groupTypes' | 'testAccountFilters' | 'pathCleaningFilters'>;

/** The loaders of a scope: functions, so the worker rebuilds them from its own database. */
export type ScopeLoaders = Pick<QueryScope, 'loadAction' | 'loadCohort' | 'loadVariables'>;

/**
 * How long a dispatched query may stay pending before it is reported failed: queueing (Lambda keeps
 * an event for the worker's maximum event age), retries, cold start and the query itself. The stack
 * derives the worker's event age and timeout from it (stacks/constructs/async-invoke-target.ts).
 */
export const QUERY_JOB_DEADLINE_SECONDS = 600;

/** A job is an invocation payload: larger ones are refused by Lambda's asynchronous invoke. */
export const MAX_JOB_BYTES = 256 * 1024;

/** The scope's data travels with the job (whatever settings a scope gains, too); its loaders do not. */
export function jobOf(scope: QueryScope, query: Record<string, unknown>, cacheKey: string, queryId: string): QueryJob {
  const { teamId, timezone, groupTypes, loadAction: _action, loadCohort: _cohort, loadVariables: _variables, ...settings } = scope;
  return { version: 1, teamId, timezone, groupTypes: [...groupTypes], settings, query, cacheKey, queryId };
}

export function scopeOfJob(job: QueryJob, loaders: ScopeLoaders): QueryScope {
  return { ...(job.settings as Partial<QueryScope>), teamId: job.teamId, timezone: job.timezone, groupTypes: new Map(job.groupTypes), ...loaders };
}

/** The job in a worker's event, or a TypeError naming what is wrong (a malformed event is never retried into success). */
export function parseQueryJob(value: unknown): QueryJob {
  const fail = (what: string): never => {
    throw new TypeError(`Not a query job: ${what}.`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('not an object');
  const job = value as Record<string, unknown>;
  if (job.version !== 1) fail(`version ${JSON.stringify(job.version)} is not 1`);
  if (!Number.isSafeInteger(job.teamId) || (job.teamId as number) <= 0) fail('teamId must be a positive integer');
  for (const field of ['timezone', 'cacheKey', 'queryId'] as const) {
    if (typeof job[field] !== 'string' || job[field] === '') fail(`${field} must be a non-empty string`);
  }
  for (const field of ['query', 'settings'] as const) {
    if (!job[field] || typeof job[field] !== 'object' || Array.isArray(job[field])) fail(`${field} must be an object`);
  }
  const pairs = job.groupTypes;
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && typeof p[1] === 'string';
  if (!Array.isArray(pairs) || !pairs.every(pair)) fail('groupTypes must be [index, name] pairs');
  return value as QueryJob;
}
