/**
 * Runs a query of any kind for a team: picks the runner of its kind, answers from the result
 * cache according to PostHog's `refresh` modes, runs it blocking or in the background (status
 * and cancellation by query id), and keeps every execution inside the resource limits.
 *
 * Background queries run in this process, or, with a dispatcher, in a worker: the service writes
 * the pending status and dispatches a job that the worker's service runs with `runJob` (a Lambda
 * is frozen once it answers, so on AWS the api cannot run anything after its 202).
 *
 * Runaway queries: every ClickHouse query a runner issues carries the limits (max_execution_time,
 * max_memory_usage, max_result_rows, readonly) as settings of that query, a JS guard
 * ends the wait a little after max_execution_time even if the engine does not, and the number of
 * queries in flight per team is bounded (429), so one bad query cannot take the server down.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { lookup } from '../lookup';
import type { Logger } from '../observability/logger';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Cache } from '../ports/cache';
import type { QueryDispatcher, QueryJob } from '../ports/query-dispatcher';
import { ConcurrencySlots } from './concurrency-slots';
import { QueryCancelledError, QueryTimeoutError, queryErrorOf } from './errors';
import { clickHouseQueryId, killQuery, limitedStore } from './limited-store';
import { QUERY_JOB_DEADLINE_SECONDS, jobOf, scopeOfJob, type QueryScope, type ScopeLoaders } from './query-job';
import { cacheKeyOf, unwrapQuery, variableKeySettings, type RefreshMode } from './query-request';
import { QueryState, type CacheEntry, type QueryStatus, type StatusRecord } from './query-state';
import { DEFAULT_QUERY_LIMITS, type QueryContext, type QueryLimits, type QueryResponse, type QueryRunner } from './types';

// The API modules and tests know these by the service's name.
export { REFRESH_MODES, cacheKeyOf, refreshModeOf, unwrapQuery, type RefreshMode } from './query-request';
export { clickHouseQueryId, limitedStore } from './limited-store';
export type { QueryScope } from './query-job';
export type { QueryStatus } from './query-state';

export interface QueryServiceOptions {
  readonly runners: Readonly<Record<string, QueryRunner>>;
  readonly store: AnalyticsStore;
  readonly cache: Cache;
  readonly limits?: QueryLimits;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Queries of one team running at once (in this process) before 429. @default 3 */
  readonly maxConcurrentPerTeam?: number;
  /** Queries running at once in this process before 429. @default 6 */
  readonly maxConcurrent?: number;
  /** How long results stay in the cache (stale ones serve `async` and `force_cache`). @default 86400 */
  readonly cacheTtlSeconds?: number;
  /** Results larger than this (JSON characters) are not cached. @default 5_000_000 */
  readonly maxCachedChars?: number;
  /** How long past max_execution_time the service waits for a runner before giving up. @default 5000 */
  readonly guardGraceMs?: number;
  /**
   * Finish async queries before answering, with their completed status. For a process that has
   * no "after the answer" and no dispatcher (a Lambda is frozen once it answers). @default false
   */
  readonly finishAsyncInline?: boolean;
  /** Hands background queries to workers (`runJob`) instead of running them here. @default - run them here */
  readonly dispatcher?: QueryDispatcher;
  /** How long a dispatched query may stay pending (queueing, cold start, the query) before it is reported failed. @default QUERY_JOB_DEADLINE_SECONDS (600) */
  readonly dispatchDeadlineSeconds?: number;
  /** How often a worker re-reads the status of its job, to stop when it was cancelled elsewhere. @default 1000 */
  readonly cancelPollMs?: number;
}

export interface RunOptions {
  readonly refresh: RefreshMode;
  /** The query's id (PostHog's client_query_id); generated when absent. */
  readonly clientQueryId?: string;
}

/** An HTTP-ready answer: 202 while the query runs in the background. */
export interface QueryOutcome {
  readonly status: number;
  readonly body: QueryResponse;
}

/**
 * What `runJob` did: ran it to `completed` or `failed` (the status says why), or left it alone
 * because its status was already complete (`settled`: cancelled, or a redelivered finished job),
 * another delivery picked it up moments ago (`running`), or its status is gone (`unknown`).
 */
export type JobOutcome = 'completed' | 'failed' | 'settled' | 'running' | 'unknown';

interface Running {
  readonly controller: AbortController;
}

type RecordExtras = Omit<StatusRecord, 'status'>;

export class QueryService {
  private readonly limits: QueryLimits;
  private readonly now: () => Date;
  private readonly running = new Map<string, Running>();
  private readonly slots: ConcurrencySlots;
  private readonly state: QueryState;

  constructor(private readonly options: QueryServiceOptions) {
    this.limits = options.limits ?? DEFAULT_QUERY_LIMITS;
    this.now = options.now ?? (() => new Date());
    this.slots = new ConcurrencySlots(options.maxConcurrentPerTeam ?? 3, options.maxConcurrent ?? 6);
    const { cache, logger, cacheTtlSeconds, maxCachedChars } = options;
    this.state = new QueryState({ cache, logger, now: this.now, cacheTtlSeconds, maxCachedChars });
  }

  /** The kinds this service can run (wrappers aside). */
  kinds(): string[] {
    return Object.keys(this.options.runners);
  }

  /** The runner of a query's kind (after unwrapping); 400 naming `query.kind` otherwise. */
  resolve(query: unknown): { source: Record<string, unknown>; runner: QueryRunner } {
    if (!query || typeof query !== 'object' || Array.isArray(query)) throw new BadRequestError('invalid_input', 'query must be an object with a kind.', 'query');
    const kind = (query as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || kind === '') throw new BadRequestError('invalid_input', 'query.kind is required.', 'query.kind');
    const source = unwrapQuery(query as Record<string, unknown>);
    if (typeof source.kind !== 'string') throw new BadRequestError('invalid_input', 'query.source.kind is required.', 'query.source.kind');
    const sourceKind = source.kind;
    const runner = lookup(this.options.runners, sourceKind);
    if (!runner) {
      throw new BadRequestError('unsupported_query_kind', `query.kind ${JSON.stringify(sourceKind)} is not supported. Supported kinds: ${this.kinds().join(', ') || 'none'}.`, 'query.kind');
    }
    return { source, runner };
  }

  /** Runs (or answers from the cache) one query of a team according to `refresh`. */
  async run(query: unknown, scope: QueryScope, options: RunOptions): Promise<QueryOutcome> {
    const { source, runner } = this.resolve(query);
    const settings = { testAccountFilters: scope.testAccountFilters, pathCleaningFilters: scope.pathCleaningFilters, ...(await variableKeySettings(source, scope)) };
    const key = cacheKeyOf(scope.teamId, scope.timezone, source, settings);
    const cached = await this.state.readCache(scope.teamId, key);
    const fresh = cached !== undefined && this.now().getTime() < Date.parse(cached.staleAt);
    const hit = (entry: CacheEntry, status: QueryStatus | null = null): QueryOutcome => ({
      status: status && !status.complete ? 202 : 200,
      body: { ...entry.response, ...this.cacheFields(scope, key, entry), is_cached: true, query_status: status },
    });
    const miss = (status: QueryStatus | null): QueryOutcome => ({
      status: status && !status.complete ? 202 : 200,
      body: { results: null, is_cached: false, cache_key: key, last_refresh: null, next_allowed_client_refresh: null, timezone: scope.timezone, query_status: status },
    });
    const blocking = async (): Promise<QueryOutcome> => ({ status: 200, body: await this.execute(runner, source, scope, key, options.clientQueryId) });
    const inBackground = async () => this.startAsync(runner, source, scope, key, options.clientQueryId);

    switch (options.refresh) {
      case 'force_cache':
        return cached ? hit(cached) : miss(null);
      case 'blocking':
        return fresh ? hit(cached) : blocking();
      case 'lazy_async':
        if (fresh) return hit(cached);
        return cached ? hit(cached, await inBackground()) : blocking();
      case 'async':
        if (fresh) return hit(cached);
        return cached ? hit(cached, await inBackground()) : miss(await inBackground());
      case 'force_blocking':
        return blocking();
      case 'force_async':
        return miss(await inBackground());
    }
  }

  /** GET …/query/:id/: the status of a team's query (202 while it runs); 404 when unknown. */
  async status(teamId: number, id: string): Promise<QueryOutcome> {
    const record = await this.state.readStatus(teamId, id);
    if (!record) {
      if (this.running.has(runKey(teamId, id))) return { status: 202, body: { query_status: this.state.newStatus(teamId, id, false) } };
      throw new NotFoundError('Query not found.');
    }
    let { status, errorStatus } = record;
    // A background query whose process (or worker) went away never completes: report it as failed.
    if (!status.complete && !this.running.has(runKey(teamId, id)) && this.now().getTime() > this.deadlineOf(record)) {
      status = this.state.failed(status, 'The query did not complete.');
      errorStatus = 500;
    }
    const httpStatus = !status.complete ? 202 : status.error ? (errorStatus ?? 500) : 200;
    return { status: httpStatus, body: { query_status: status } };
  }

  /** DELETE …/query/:id/: aborts the query here and kills it in ClickHouse; false when unknown. */
  async cancel(teamId: number, id: string): Promise<boolean> {
    const local = this.running.get(runKey(teamId, id));
    local?.controller.abort(new QueryCancelledError());
    await this.kill(clickHouseQueryId(teamId, id));
    const record = await this.state.readStatus(teamId, id);
    if (record && !record.status.complete) {
      const cancelled = new QueryCancelledError();
      await this.state.markCancelled(teamId, id);
      await this.state.writeStatus(teamId, this.state.failed(record.status, cancelled.message), { ...record, errorStatus: cancelled.status });
    }
    return local !== undefined || record !== undefined;
  }

  /**
   * Runs a dispatched job (the query worker's entry): only while its status is pending and in
   * time, under this service's limits, recording its status and result as an in-process run does.
   * Safe to call again with the same job (Lambda retries and may deliver an event twice).
   */
  async runJob(job: QueryJob, loaders: ScopeLoaders): Promise<JobOutcome> {
    const { teamId, queryId: id } = job;
    const record = await this.state.readStatus(teamId, id);
    if (!record) return 'unknown';
    if (record.status.complete) return 'settled';
    const extras: RecordExtras = { deadline: record.deadline };
    const now = this.now().getTime();
    if (record.status.pickup_time && now < Date.parse(record.status.pickup_time) + this.guardMs()) return 'running';
    if (now + this.guardMs() > this.deadlineOf(record)) {
      await this.state.writeStatus(teamId, this.state.failed(record.status, 'The query waited too long for a worker. Try again.'), { ...extras, errorStatus: 503 });
      return 'failed';
    }
    const status: QueryStatus = { ...record.status, pickup_time: this.now().toISOString() };
    await this.state.writeStatus(teamId, status, extras);
    if (await this.state.wasCancelled(teamId, id)) {
      // A DELETE landed between the read and the pickup: its status was overwritten, not lost.
      const cancelled = new QueryCancelledError();
      await this.state.writeStatus(teamId, this.state.failed(status, cancelled.message), { ...extras, errorStatus: cancelled.status });
      return 'settled';
    }
    const controller = new AbortController();
    const run = Promise.resolve().then(() => {
      const { source, runner } = this.resolve(job.query);
      return this.execute(runner, source, scopeOfJob(job, loaders), job.cacheKey, id, { controller, release: this.slots.acquire(teamId) });
    });
    const stopWatching = this.state.watchCancellation(teamId, id, controller, this.options.cancelPollMs ?? 1000);
    try {
      const settled = await this.state.settle(teamId, status, extras, controller, run);
      return settled === undefined ? 'settled' : settled.error ? 'failed' : 'completed';
    } finally {
      stopWatching();
    }
  }

  private cacheFields(scope: QueryScope, key: string, entry: CacheEntry) {
    return { cache_key: key, last_refresh: entry.lastRefresh, next_allowed_client_refresh: entry.nextAllowedClientRefresh, timezone: scope.timezone };
  }

  private guardMs(): number {
    return this.limits.maxExecutionTimeSeconds * 1000 + (this.options.guardGraceMs ?? 5000);
  }

  private deadlineOf(record: StatusRecord): number {
    return record.deadline ? Date.parse(record.deadline) : Date.parse(record.status.start_time) + (this.limits.maxExecutionTimeSeconds + 60) * 1000;
  }

  /** Runs the query now, caches and returns its response (with the cache fields). */
  private async execute(
    runner: QueryRunner,
    source: Record<string, unknown>,
    scope: QueryScope,
    key: string,
    clientQueryId: string | undefined,
    preset?: { controller: AbortController; release: () => void },
  ): Promise<QueryResponse> {
    const id = clientQueryId ?? randomUUID();
    const runId = runKey(scope.teamId, id);
    if (this.running.has(runId) && !preset) throw new ConflictError('A query with this client_query_id is already running.');
    const release = preset?.release ?? this.slots.acquire(scope.teamId);
    const controller = preset?.controller ?? new AbortController();
    this.running.set(runId, { controller });
    const limits = this.limits;
    const started = this.now();
    const ctx: QueryContext = { ...scope, now: started, limits, queryId: clickHouseQueryId(scope.teamId, id), signal: controller.signal, store: this.options.store };
    // The slot is held until the runner settles (a cancelled ClickHouse query may still be
    // running), but no longer than the guard: a runner that never settles cannot hold it for ever.
    const guardMs = this.guardMs();
    const slotTimer = setTimeout(release, guardMs * 2);
    slotTimer.unref?.();
    const run = Promise.resolve()
      .then(() => runner(source, { ...ctx, store: limitedStore(this.options.store, ctx) }))
      .finally(() => {
        clearTimeout(slotTimer);
        release();
      });
    let guard: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const stop = new Promise<never>((_, reject) => {
        onAbort = () => reject(controller.signal.reason instanceof Error ? controller.signal.reason : new QueryCancelledError());
        if (controller.signal.aborted) onAbort();
        controller.signal.addEventListener('abort', onAbort, { once: true });
        guard = setTimeout(() => {
          controller.abort(new QueryTimeoutError(limits.maxExecutionTimeSeconds));
          void this.kill(ctx.queryId!);
        }, guardMs);
      });
      run.catch(() => undefined); // settled later than the race when aborted: not an unhandled rejection
      const response = await Promise.race([run, stop]);
      const entry = this.state.entryOf(response, source, started);
      await this.state.writeCache(scope.teamId, key, entry);
      return { ...response, ...this.cacheFields(scope, key, entry), is_cached: false, query_status: null };
    } catch (error) {
      if (controller.signal.aborted && !(error instanceof QueryCancelledError) && !(error instanceof QueryTimeoutError)) {
        throw controller.signal.reason instanceof Error ? controller.signal.reason : new QueryCancelledError();
      }
      throw queryErrorOf(error, limits);
    } finally {
      clearTimeout(guard);
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
      this.running.delete(runId);
    }
  }

  /** Starts the query in the background (here, or through the dispatcher) and answers its first status. */
  private async startAsync(runner: QueryRunner, source: Record<string, unknown>, scope: QueryScope, key: string, clientQueryId: string | undefined): Promise<QueryStatus> {
    const id = clientQueryId ?? randomUUID();
    if (this.running.has(runKey(scope.teamId, id))) throw new ConflictError('A query with this client_query_id is already running.');
    if (this.options.dispatcher) return this.dispatch(this.options.dispatcher, source, scope, key, id);
    const release = this.slots.acquire(scope.teamId);
    const controller = new AbortController();
    this.running.set(runKey(scope.teamId, id), { controller });
    const status = this.state.newStatus(scope.teamId, id, true);
    try {
      await this.state.writeStatus(scope.teamId, status);
    } catch (error) {
      this.running.delete(runKey(scope.teamId, id));
      release();
      throw error;
    }
    const settled = this.state.settle(scope.teamId, status, {}, controller, this.execute(runner, source, scope, key, id, { controller, release }));
    if (this.options.finishAsyncInline) return (await settled) ?? status;
    return status;
  }

  /** Writes the pending status (not yet picked up, with its deadline) and hands the job to a worker. */
  private async dispatch(dispatcher: QueryDispatcher, source: Record<string, unknown>, scope: QueryScope, key: string, id: string): Promise<QueryStatus> {
    const existing = await this.state.readStatus(scope.teamId, id);
    if (existing && !existing.status.complete && this.now().getTime() <= this.deadlineOf(existing)) {
      throw new ConflictError('A query with this client_query_id is already running.');
    }
    await this.state.clearCancelled(scope.teamId, id);
    const status = this.state.newStatus(scope.teamId, id, true, false);
    const extras: RecordExtras = { deadline: new Date(Date.parse(status.start_time) + (this.options.dispatchDeadlineSeconds ?? QUERY_JOB_DEADLINE_SECONDS) * 1000).toISOString() };
    await this.state.writeStatus(scope.teamId, status, extras);
    try {
      await dispatcher.dispatch(jobOf(scope, source, key, id));
    } catch (error) {
      // Nothing will run it: its status says so now rather than at the deadline.
      await this.state.writeStatus(scope.teamId, this.state.failed(status, 'The query could not be started. Try again.'), { ...extras, errorStatus: 503 }).catch(() => undefined);
      throw error;
    }
    return status;
  }

  private async kill(queryId: string): Promise<void> {
    await killQuery(this.options.store, queryId, (error) => this.options.logger?.warn('KILL QUERY failed', { queryId, error }));
  }
}

const runKey = (teamId: number, id: string) => `${teamId}:${id}`;
