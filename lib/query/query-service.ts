/**
 * Runs a query of any kind for a team: picks the runner of its kind, answers from the result
 * cache according to PostHog's `refresh` modes, runs it blocking or in the background (status
 * and cancellation by query id), and keeps every execution inside the resource limits.
 *
 * Runaway queries: every ClickHouse query a runner issues carries the limits (max_execution_time,
 * max_memory_usage, max_result_rows, readonly) as settings of that query, a JS guard
 * ends the wait a little after max_execution_time even if the engine does not, and the number of
 * queries in flight per team is bounded (429), so one bad query cannot take the server down.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import type { Logger } from '../observability/logger';
import type { AnalyticsStore, QueryOptions } from '../ports/analytics-store';
import type { Cache } from '../ports/cache';
import { QueryCancelledError, QueryConcurrencyError, QueryTimeoutError, queryErrorOf } from './errors';
import { DEFAULT_QUERY_LIMITS, querySettings, type QueryContext, type QueryLimits, type QueryResponse, type QueryRunner } from './types';

/** PostHog's refresh (execution) modes. */
export const REFRESH_MODES = ['blocking', 'async', 'lazy_async', 'force_blocking', 'force_async', 'force_cache'] as const;
export type RefreshMode = (typeof REFRESH_MODES)[number];

/** What a query runs against, besides the store and limits the service supplies. */
export type QueryScope = Pick<QueryContext, 'teamId' | 'timezone' | 'loadAction' | 'loadCohort' | 'groupTypes'>;

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
   * no "after the answer" (a Lambda is frozen once it answers, so a background query would stall
   * until its next invocation). @default false
   */
  readonly finishAsyncInline?: boolean;
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

/** PostHog's QueryStatus. */
export interface QueryStatus {
  readonly id: string;
  readonly team_id: number;
  readonly query_async: boolean;
  readonly complete: boolean;
  readonly error: boolean;
  readonly error_message: string | null;
  readonly results: QueryResponse | null;
  readonly start_time: string;
  readonly end_time: string | null;
  readonly expiration_time: string;
  readonly pickup_time: string | null;
  readonly query_progress: null;
  readonly task_id: null;
}

interface StatusRecord {
  readonly status: QueryStatus;
  /** The HTTP status of the failure, when the query failed. */
  readonly errorStatus?: number;
}

interface CacheEntry {
  readonly response: QueryResponse;
  readonly lastRefresh: string;
  readonly nextAllowedClientRefresh: string;
  readonly staleAt: string;
}

interface Running {
  readonly controller: AbortController;
}

const WRAPPER_KINDS = new Set(['InsightVizNode', 'DataTableNode', 'DataVisualizationNode']);
const STATUS_TTL_SECONDS = 3600;
/** When a cached result goes stale, by the query's interval (PostHog's staleness thresholds). */
const STALE_AFTER_SECONDS: Record<string, number> = { minute: 15, hour: 15 * 60, day: 6 * 3600, week: 86_400, month: 86_400 };
const DEFAULT_STALE_AFTER_SECONDS = 60;

/** `refresh` (and the legacy `async`) of a request as a mode; 400 naming `refresh` for anything else. */
export function refreshModeOf(refresh: unknown, asyncFlag: unknown, fallback: RefreshMode): RefreshMode {
  let mode: RefreshMode;
  if (refresh === undefined || refresh === null || refresh === false || refresh === 'false' || refresh === '') mode = fallback;
  else if (refresh === true || refresh === 'true') mode = 'force_blocking';
  else if (typeof refresh === 'string' && (REFRESH_MODES as readonly string[]).includes(refresh)) mode = refresh as RefreshMode;
  else throw new BadRequestError('invalid_input', `refresh must be a boolean or one of ${REFRESH_MODES.join(', ')}.`, 'refresh');
  if (asyncFlag !== undefined && asyncFlag !== null && typeof asyncFlag !== 'boolean') throw new BadRequestError('invalid_input', 'async must be a boolean.', 'async');
  if (asyncFlag === true && mode === 'blocking') return 'async';
  if (asyncFlag === true && mode === 'force_blocking') return 'force_async';
  return mode;
}

/** The query a kind wrapper (InsightVizNode, DataTableNode, …) stands for; the query itself otherwise. */
export function unwrapQuery(query: Record<string, unknown>): Record<string, unknown> {
  let current = query;
  for (let depth = 0; depth < 3 && WRAPPER_KINDS.has(String(current.kind)); depth++) {
    const source = current.source;
    if (!source || typeof source !== 'object' || Array.isArray(source)) throw new BadRequestError('invalid_input', `A ${String(current.kind)} needs a source query.`, 'query.source');
    current = source as Record<string, unknown>;
  }
  return current;
}

/** JSON with object keys sorted and undefined dropped: equal queries hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && k !== 'response')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** PostHog's cache_key for a team's query (its timezone changes results, so it is part of it). */
export function cacheKeyOf(teamId: number, timezone: string, query: Record<string, unknown>): string {
  const digest = createHash('sha256').update(canonicalJson({ v: 1, team: teamId, timezone, query })).digest('hex');
  return `cache_${digest.slice(0, 40)}`;
}

function intervalOf(query: Record<string, unknown>): string | undefined {
  return typeof query.interval === 'string' ? query.interval : undefined;
}

/** A SETTINGS clause value: numbers as they are, strings quoted. */
function settingValue(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The store a runner receives: every query carries the limits as settings of that query (the
 * store keeps them to their statement, on chDB too), a ClickHouse query id under the
 * execution's id, and the execution's abort signal. Writes are refused.
 */
export function limitedStore(store: AnalyticsStore, ctx: Pick<QueryContext, 'limits' | 'queryId' | 'signal'>): AnalyticsStore {
  let issued = 0;
  const limit = (sql: string, options: QueryOptions = {}): [string, QueryOptions] => {
    issued += 1;
    const queryId = options.queryId ?? (ctx.queryId && (issued === 1 ? ctx.queryId : `${ctx.queryId}-${issued}`));
    const settings = { ...(options.settings ?? {}), ...querySettings(ctx) };
    return [sql, { params: options.params, settings, signal: options.signal ?? ctx.signal, ...(queryId ? { queryId } : {}) }];
  };
  const refuse = async () => {
    throw new Error('Query runners cannot write.');
  };
  return {
    query: (sql, options) => store.query(...limit(sql, options)),
    command: (sql, options) => store.command(...limit(sql, options)),
    insert: refuse,
    insertJsonLines: refuse,
    close: async () => undefined,
  };
}

export class QueryService {
  private readonly limits: QueryLimits;
  private readonly now: () => Date;
  private readonly running = new Map<string, Running>();
  private readonly inFlightByTeam = new Map<number, number>();
  private inFlight = 0;

  constructor(private readonly options: QueryServiceOptions) {
    this.limits = options.limits ?? DEFAULT_QUERY_LIMITS;
    this.now = options.now ?? (() => new Date());
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
    const sourceKind = String(source.kind);
    const runner = Object.prototype.hasOwnProperty.call(this.options.runners, sourceKind) ? this.options.runners[sourceKind] : undefined;
    if (!runner) {
      throw new BadRequestError('unsupported_query_kind', `query.kind ${JSON.stringify(sourceKind)} is not supported. Supported kinds: ${this.kinds().join(', ') || 'none'}.`, 'query.kind');
    }
    return { source, runner };
  }

  /** Runs (or answers from the cache) one query of a team according to `refresh`. */
  async run(query: unknown, scope: QueryScope, options: RunOptions): Promise<QueryOutcome> {
    const { source, runner } = this.resolve(query);
    const key = cacheKeyOf(scope.teamId, scope.timezone, source);
    const cached = await this.readCache(scope.teamId, key);
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
    const record = await this.readStatus(teamId, id);
    if (!record) {
      if (this.running.has(runKey(teamId, id))) return { status: 202, body: { query_status: this.newStatus(teamId, id, false) } };
      throw new NotFoundError('Query not found.');
    }
    let { status, errorStatus } = record;
    // A background query whose process went away never completes: report it as failed.
    const deadline = Date.parse(status.start_time) + (this.limits.maxExecutionTimeSeconds + 60) * 1000;
    if (!status.complete && !this.running.has(runKey(teamId, id)) && this.now().getTime() > deadline) {
      status = { ...status, complete: true, error: true, error_message: 'The query did not complete.', end_time: this.now().toISOString() };
      errorStatus = 500;
    }
    const httpStatus = !status.complete ? 202 : status.error ? (errorStatus ?? 500) : 200;
    return { status: httpStatus, body: { query_status: status } };
  }

  /** DELETE …/query/:id/: aborts the query here and kills it in ClickHouse; false when unknown. */
  async cancel(teamId: number, id: string): Promise<boolean> {
    const local = this.running.get(runKey(teamId, id));
    local?.controller.abort(new QueryCancelledError());
    await this.killInClickHouse(clickHouseQueryId(teamId, id));
    const record = await this.readStatus(teamId, id);
    if (record && !record.status.complete) {
      const cancelled = new QueryCancelledError();
      await this.writeStatus(teamId, { ...record.status, complete: true, error: true, error_message: cancelled.message, end_time: this.now().toISOString() }, cancelled.status);
    }
    return local !== undefined || record !== undefined;
  }

  private cacheFields(scope: QueryScope, key: string, entry: CacheEntry) {
    return { cache_key: key, last_refresh: entry.lastRefresh, next_allowed_client_refresh: entry.nextAllowedClientRefresh, timezone: scope.timezone };
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
    const release = preset?.release ?? this.acquire(scope.teamId);
    const controller = preset?.controller ?? new AbortController();
    this.running.set(runId, { controller });
    const limits = this.limits;
    const started = this.now();
    const ctx: QueryContext = { ...scope, now: started, limits, queryId: clickHouseQueryId(scope.teamId, id), signal: controller.signal, store: this.options.store };
    // The slot is held until the runner settles (a cancelled ClickHouse query may still be
    // running), but no longer than the guard: a runner that never settles cannot hold it for ever.
    const guardMs = limits.maxExecutionTimeSeconds * 1000 + (this.options.guardGraceMs ?? 5000);
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
          void this.killInClickHouse(ctx.queryId!);
        }, guardMs);
      });
      run.catch(() => undefined); // settled later than the race when aborted: not an unhandled rejection
      const response = await Promise.race([run, stop]);
      const entry = this.entryOf(response, source, started);
      await this.writeCache(scope.teamId, key, entry);
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

  /** Starts the query in the background and answers its first status. */
  private async startAsync(runner: QueryRunner, source: Record<string, unknown>, scope: QueryScope, key: string, clientQueryId: string | undefined): Promise<QueryStatus> {
    const id = clientQueryId ?? randomUUID();
    if (this.running.has(runKey(scope.teamId, id))) throw new ConflictError('A query with this client_query_id is already running.');
    const release = this.acquire(scope.teamId);
    const controller = new AbortController();
    this.running.set(runKey(scope.teamId, id), { controller });
    const status = this.newStatus(scope.teamId, id, true);
    try {
      await this.writeStatus(scope.teamId, status);
    } catch (error) {
      this.running.delete(runKey(scope.teamId, id));
      release();
      throw error;
    }
    const settled = this.execute(runner, source, scope, key, id, { controller, release }).then(
      async (response): Promise<QueryStatus | undefined> => {
        // Cancelled meanwhile, here or by a DELETE that reached another process: keep that answer.
        if (controller.signal.aborted || (await this.readStatus(scope.teamId, id))?.status.complete) return undefined;
        const done = { ...status, complete: true, results: response, end_time: this.now().toISOString() };
        await this.writeStatus(scope.teamId, done);
        return done;
      },
      async (error: unknown): Promise<QueryStatus> => {
        const failure = error as { status?: unknown; exposeMessage?: unknown; message?: unknown };
        const exposed = typeof failure.status === 'number' && failure.exposeMessage === true;
        if (!exposed) this.options.logger?.error('background query failed', { teamId: scope.teamId, queryId: id, error });
        const failed = { ...status, complete: true, error: true, error_message: exposed ? String(failure.message) : 'The query failed.', end_time: this.now().toISOString() };
        await this.writeStatus(scope.teamId, failed, exposed ? (failure.status as number) : 500);
        return failed;
      },
    ).catch((error: unknown) => {
      this.options.logger?.error('could not record a query status', { teamId: scope.teamId, queryId: id, error });
      return undefined;
    });
    if (this.options.finishAsyncInline) return (await settled) ?? status;
    return status;
  }

  private newStatus(teamId: number, id: string, async: boolean): QueryStatus {
    const now = this.now();
    return {
      id,
      team_id: teamId,
      query_async: async,
      complete: false,
      error: false,
      error_message: null,
      results: null,
      start_time: now.toISOString(),
      end_time: null,
      expiration_time: new Date(now.getTime() + STATUS_TTL_SECONDS * 1000).toISOString(),
      pickup_time: now.toISOString(),
      query_progress: null,
      task_id: null,
    };
  }

  private entryOf(response: QueryResponse, source: Record<string, unknown>, started: Date): CacheEntry {
    const interval = intervalOf(source);
    const staleAfter = interval !== undefined && Object.prototype.hasOwnProperty.call(STALE_AFTER_SECONDS, interval) ? STALE_AFTER_SECONDS[interval] : DEFAULT_STALE_AFTER_SECONDS;
    const minRefresh = interval === undefined || interval === 'minute' || interval === 'hour' ? 60 : 15 * 60;
    const at = started.getTime();
    return {
      response,
      lastRefresh: started.toISOString(),
      nextAllowedClientRefresh: new Date(at + minRefresh * 1000).toISOString(),
      staleAt: new Date(at + staleAfter * 1000).toISOString(),
    };
  }

  /** Takes a slot of the team and of the process; 429 when either is full. The result frees it. */
  private acquire(teamId: number): () => void {
    const perTeam = this.options.maxConcurrentPerTeam ?? 3;
    const total = this.options.maxConcurrent ?? 6;
    const team = this.inFlightByTeam.get(teamId) ?? 0;
    if (team >= perTeam) throw new QueryConcurrencyError();
    if (this.inFlight >= total) throw new QueryConcurrencyError('Too many queries are running. Try again when some have finished.');
    this.inFlightByTeam.set(teamId, team + 1);
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      const left = (this.inFlightByTeam.get(teamId) ?? 1) - 1;
      if (left > 0) this.inFlightByTeam.set(teamId, left);
      else this.inFlightByTeam.delete(teamId);
    };
  }

  /**
   * KILL QUERY for the execution and the queries a runner issued under its id (best effort). The
   * id is inlined, not bound: chDB runs bound queries one at a time, behind the one to kill.
   */
  private async killInClickHouse(queryId: string): Promise<void> {
    const id = settingValue(queryId);
    try {
      await this.options.store.command(
        `KILL QUERY WHERE query_id = ${id} OR (startsWith(query_id, ${id}) AND NOT match(substring(query_id, length(${id}) + 1, 1), '[A-Za-z0-9]')) ASYNC`,
      );
    } catch (error) {
      this.options.logger?.warn('KILL QUERY failed', { queryId, error });
    }
  }

  /** The cached result, if any. A cache that fails is a miss: queries still run without it. */
  private async readCache(teamId: number, key: string): Promise<CacheEntry | undefined> {
    try {
      const raw = await this.options.cache.get(`query:${teamId}:${key}`);
      return raw === undefined ? undefined : (JSON.parse(raw) as CacheEntry);
    } catch (error) {
      this.options.logger?.warn('query cache read failed', { teamId, error });
      return undefined;
    }
  }

  private async writeCache(teamId: number, key: string, entry: CacheEntry): Promise<void> {
    const raw = JSON.stringify(entry);
    if (raw.length > (this.options.maxCachedChars ?? 5_000_000)) return;
    try {
      await this.options.cache.set(`query:${teamId}:${key}`, raw, this.options.cacheTtlSeconds ?? 86_400);
    } catch (error) {
      this.options.logger?.warn('query cache write failed', { teamId, error });
    }
  }

  private async readStatus(teamId: number, id: string): Promise<StatusRecord | undefined> {
    const raw = await this.options.cache.get(`query_status:${teamId}:${id}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as StatusRecord);
  }

  private async writeStatus(teamId: number, status: QueryStatus, errorStatus?: number): Promise<void> {
    const record: StatusRecord = errorStatus === undefined ? { status } : { status, errorStatus };
    await this.options.cache.set(`query_status:${teamId}:${status.id}`, JSON.stringify(record), STATUS_TTL_SECONDS);
  }
}

const runKey = (teamId: number, id: string) => `${teamId}:${id}`;

/** The ClickHouse query_id of a team's query: ids are unique per server, client ids only per team. */
export function clickHouseQueryId(teamId: number, id: string): string {
  return `hedgerow_${teamId}_${id}`;
}
