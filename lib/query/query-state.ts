/**
 * What the query service shares between its instances (and with the query worker), in the
 * shared cache: the status of every async query (PostHog's QueryStatus, by team and query id)
 * from pending to its outcome, and the result cache (by team and cache key). A failing cache degrades to running queries; a
 * status that cannot be written fails the request, as the client could never follow it.
 */
import type { Logger } from '../observability/logger';
import { lookup } from '../lookup';
import type { Cache } from '../ports/cache';
import { QueryCancelledError } from './errors';
import type { QueryResponse } from './types';

/** How long a status is kept after its query started. */
export const STATUS_TTL_SECONDS = 3600;
/**
 * Blob-store prefix of cached values too large for the cache itself (statuses and results over
 * DynamoDB's 400 KB item limit; lib/adapters/blob-spilling-cache.ts). The bucket expires them.
 */
export const QUERY_RESULTS_PREFIX = 'query-results/';

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
  /** When a process started running the query (null while a dispatched job waits for a worker). */
  readonly pickup_time: string | null;
  readonly query_progress: null;
  readonly task_id: null;
}

export interface StatusRecord {
  readonly status: QueryStatus;
  /** The HTTP status of the failure, when the query failed. */
  readonly errorStatus?: number;
  /**
   * When a status still pending is reported as failed: set for dispatched jobs (a worker may wait
   * in a queue); otherwise the service's max_execution_time plus a minute after start_time.
   */
  readonly deadline?: string;
}

export interface CacheEntry {
  readonly response: QueryResponse;
  readonly lastRefresh: string;
  readonly nextAllowedClientRefresh: string;
  readonly staleAt: string;
}

/** When a cached result goes stale, by the query's interval (PostHog's staleness thresholds). */
const STALE_AFTER_SECONDS: Record<string, number> = { minute: 15, hour: 15 * 60, day: 6 * 3600, week: 86_400, month: 86_400 };
const DEFAULT_STALE_AFTER_SECONDS = 60;

export interface QueryStateOptions {
  readonly cache: Cache;
  readonly now: () => Date;
  readonly logger?: Logger;
  /** @default 86400 */
  readonly cacheTtlSeconds?: number;
  /** Results larger than this (JSON characters) are not cached. @default 5_000_000 */
  readonly maxCachedChars?: number;
}

export class QueryState {
  constructor(private readonly options: QueryStateOptions) {}

  newStatus(teamId: number, id: string, async: boolean, pickedUp = true): QueryStatus {
    const now = this.options.now();
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
      pickup_time: pickedUp ? now.toISOString() : null,
      query_progress: null,
      task_id: null,
    };
  }

  /** The cache entry of a response computed at `started`, stale by the query's interval. */
  entryOf(response: QueryResponse, source: Record<string, unknown>, started: Date): CacheEntry {
    const interval = typeof source.interval === 'string' ? source.interval : undefined;
    const staleAfter = (interval !== undefined && lookup(STALE_AFTER_SECONDS, interval)) || DEFAULT_STALE_AFTER_SECONDS;
    const minRefresh = interval === undefined || interval === 'minute' || interval === 'hour' ? 60 : 15 * 60;
    const at = started.getTime();
    return {
      response,
      lastRefresh: started.toISOString(),
      nextAllowedClientRefresh: new Date(at + minRefresh * 1000).toISOString(),
      staleAt: new Date(at + staleAfter * 1000).toISOString(),
    };
  }

  /** The cached result, if any. A cache that fails is a miss: queries still run without it. */
  async readCache(teamId: number, key: string): Promise<CacheEntry | undefined> {
    try {
      const raw = await this.options.cache.get(`query:${teamId}:${key}`);
      return raw === undefined ? undefined : (JSON.parse(raw) as CacheEntry);
    } catch (error) {
      this.options.logger?.warn('query cache read failed', { teamId, error });
      return undefined;
    }
  }

  async writeCache(teamId: number, key: string, entry: CacheEntry): Promise<void> {
    const raw = JSON.stringify(entry);
    if (raw.length > (this.options.maxCachedChars ?? 5_000_000)) return;
    try {
      await this.options.cache.set(`query:${teamId}:${key}`, raw, this.options.cacheTtlSeconds ?? 86_400);
    } catch (error) {
      this.options.logger?.warn('query cache write failed', { teamId, error });
    }
  }

  async readStatus(teamId: number, id: string): Promise<StatusRecord | undefined> {
    const raw = await this.options.cache.get(`query_status:${teamId}:${id}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as StatusRecord);
  }

  /**
   * Notes that a query was cancelled, beside its status: a worker picking the job up at that very
   * moment may overwrite the cancelled status with its pickup, then finds this note and restores it.
   */
  async markCancelled(teamId: number, id: string): Promise<void> {
    await this.options.cache.set(`query_cancelled:${teamId}:${id}`, '1', STATUS_TTL_SECONDS);
  }

  async wasCancelled(teamId: number, id: string): Promise<boolean> {
    return (await this.options.cache.get(`query_cancelled:${teamId}:${id}`)) !== undefined;
  }

  /** A new query under a cancelled one's id starts afresh. */
  async clearCancelled(teamId: number, id: string): Promise<void> {
    await this.options.cache.delete(`query_cancelled:${teamId}:${id}`);
  }

  /** Writes a status; `record` carries the failure's HTTP status and a dispatched job's deadline. */
  async writeStatus(teamId: number, status: QueryStatus, record: Omit<StatusRecord, 'status'> = {}): Promise<void> {
    const value: StatusRecord = { status, ...(record.errorStatus === undefined ? {} : { errorStatus: record.errorStatus }), ...(record.deadline ? { deadline: record.deadline } : {}) };
    await this.options.cache.set(`query_status:${teamId}:${status.id}`, JSON.stringify(value), STATUS_TTL_SECONDS);
  }

  /** The status, completed as failed now with this message. */
  failed(status: QueryStatus, message: string): QueryStatus {
    return { ...status, complete: true, error: true, error_message: message, end_time: this.options.now().toISOString() };
  }

  /**
   * Records how a background run ended, unless its status was completed meanwhile (a cancel here
   * or in another process keeps its answer). Undefined when it left the status alone.
   */
  async settle(teamId: number, status: QueryStatus, extras: Omit<StatusRecord, 'status'>, controller: AbortController, run: Promise<QueryResponse>): Promise<QueryStatus | undefined> {
    const completedElsewhere = async () => controller.signal.aborted || (await this.readStatus(teamId, status.id))?.status.complete === true;
    return run
      .then(
        async (response): Promise<QueryStatus | undefined> => {
          if (await completedElsewhere()) return undefined;
          const done = { ...status, complete: true, results: response, end_time: this.options.now().toISOString() };
          await this.writeStatus(teamId, done, extras);
          return done;
        },
        async (error: unknown): Promise<QueryStatus | undefined> => {
          const failure = error as { status?: unknown; exposeMessage?: unknown; message?: unknown };
          const exposed = typeof failure.status === 'number' && failure.exposeMessage === true;
          if (!exposed) this.options.logger?.error('background query failed', { teamId, queryId: status.id, error });
          if ((await this.readStatus(teamId, status.id))?.status.complete) return undefined;
          const failed = this.failed(status, exposed ? String(failure.message) : 'The query failed.');
          await this.writeStatus(teamId, failed, { ...extras, errorStatus: exposed ? (failure.status as number) : 500 });
          return failed;
        },
      )
      .catch((error: unknown) => {
        this.options.logger?.error('could not record a query status', { teamId, queryId: status.id, error });
        return undefined;
      });
  }

  /** Aborts a worker's run once its status is completed elsewhere (a DELETE on the api): KILL QUERY may not reach it. */
  watchCancellation(teamId: number, id: string, controller: AbortController, everyMs: number): () => void {
    const timer = setInterval(() => {
      this.readStatus(teamId, id).then(
        (record) => record?.status.complete && controller.abort(new QueryCancelledError()),
        () => undefined,
      );
    }, everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
