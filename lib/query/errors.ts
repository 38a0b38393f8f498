/**
 * Errors of the query service. A query that runs away (too slow, too much memory, too many
 * rows) or is cancelled becomes an HttpError with a stable code, so that the API answers
 * clearly and nothing reaches the generic 500. ClickHouse reports these as numbered errors
 * (`ClickHouseError.code`, a string) whichever backend ran the query (server, Cloud, chDB).
 */
import { HttpError } from '../http/errors';
import type { QueryLimits } from './types';

/** The query ran longer than max_execution_time (ClickHouse 159/160, or our own guard). */
export class QueryTimeoutError extends HttpError {
  constructor(limitSeconds: number) {
    super(504, 'query_timeout', `The query took longer than the ${limitSeconds} s limit. Narrow the date range or simplify the query.`);
    this.name = 'QueryTimeoutError';
  }
}

/** The query needed more memory than max_memory_usage (ClickHouse 241). */
export class QueryMemoryLimitError extends HttpError {
  constructor() {
    super(400, 'query_memory_limit_exceeded', 'The query used more memory than allowed. Narrow the date range or simplify the query.');
    this.name = 'QueryMemoryLimitError';
  }
}

/** The result had more rows or bytes than allowed (ClickHouse 396, 158, 307). */
export class QueryTooManyRowsError extends HttpError {
  constructor(maxRows: number) {
    super(400, 'query_too_many_rows', `The query returned more than ${maxRows} rows. Add a LIMIT or aggregate.`);
    this.name = 'QueryTooManyRowsError';
  }
}

/** The query was cancelled (DELETE …/query/:id/, or ClickHouse 394 QUERY_WAS_CANCELLED). */
export class QueryCancelledError extends HttpError {
  constructor() {
    super(400, 'query_cancelled', 'The query was cancelled.');
    this.name = 'QueryCancelledError';
  }
}

/** Too many queries of this team (or of this process) are running (PostHog answers 429). */
export class QueryConcurrencyError extends HttpError {
  constructor(message = 'Too many queries are running for this project. Try again when some have finished.') {
    super(429, 'concurrency_limit_exceeded', message);
    this.name = 'QueryConcurrencyError';
  }
}

/** ClickHouse refused the query for a reason the caller can fix (bad SQL, bad types, ...). */
export class QueryExecutionError extends HttpError {
  constructor(message: string) {
    super(400, 'query_error', message);
    this.name = 'QueryExecutionError';
  }
}

/** ClickHouse error codes (ErrorCodes.cpp) that the service maps. */
export const CLICKHOUSE_ERRORS = {
  TOO_MANY_ROWS: 158,
  TIMEOUT_EXCEEDED: 159,
  TOO_SLOW: 160,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 216,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  MEMORY_LIMIT_EXCEEDED: 241,
  TOO_MANY_BYTES: 307,
  QUERY_WAS_CANCELLED: 394,
  TOO_MANY_ROWS_OR_BYTES: 396,
} as const;

/** The numeric ClickHouse error code of an error thrown by a store, if it is one. */
export function clickHouseCodeOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  const type = (error as { type?: unknown }).type;
  // ClickHouseError carries code (digits, as a string) and type (e.g. TIMEOUT_EXCEEDED).
  if (typeof code === 'string' && /^\d{1,4}$/.test(code) && typeof type === 'string') return Number(code);
  return undefined;
}

/** Largest part of a ClickHouse message shown to the caller. */
const MAX_MESSAGE = 500;

/**
 * The HttpError for a failure of a runner: HttpErrors pass through, ClickHouse errors are
 * mapped by code (runaway limits, cancellation, the caller's own mistakes), anything else is
 * returned unchanged (the API turns it into a logged 500).
 */
export function queryErrorOf(error: unknown, limits: QueryLimits): unknown {
  if (error instanceof HttpError) return error.status === 400 ? runawayOf(error.message, limits) ?? error : error;
  const code = clickHouseCodeOf(error);
  if (code === undefined) return error;
  switch (code) {
    case CLICKHOUSE_ERRORS.TIMEOUT_EXCEEDED:
    case CLICKHOUSE_ERRORS.TOO_SLOW:
      return new QueryTimeoutError(limits.maxExecutionTimeSeconds);
    case CLICKHOUSE_ERRORS.MEMORY_LIMIT_EXCEEDED:
      return new QueryMemoryLimitError();
    case CLICKHOUSE_ERRORS.TOO_MANY_ROWS_OR_BYTES:
    case CLICKHOUSE_ERRORS.TOO_MANY_ROWS:
    case CLICKHOUSE_ERRORS.TOO_MANY_BYTES:
      return new QueryTooManyRowsError(limits.maxResultRows);
    case CLICKHOUSE_ERRORS.QUERY_WAS_CANCELLED:
      return new QueryCancelledError();
    case CLICKHOUSE_ERRORS.TOO_MANY_SIMULTANEOUS_QUERIES:
      return new QueryConcurrencyError('ClickHouse is running too many queries. Try again shortly.');
    case CLICKHOUSE_ERRORS.QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING:
      return new QueryConcurrencyError('A query with this client_query_id is already running.');
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new QueryExecutionError(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);
    }
  }
}

/**
 * A runner that reports ClickHouse failures as its own 400 (keeping ClickHouse's message but not
 * its code) still ran away: recognise ClickHouse's messages for the limits.
 */
function runawayOf(message: string, limits: QueryLimits): HttpError | undefined {
  if (/\bTimeout exceeded: elapsed\b|\bTIMEOUT_EXCEEDED\b|\bEstimated query execution time\b/.test(message)) return new QueryTimeoutError(limits.maxExecutionTimeSeconds);
  if (/\bmemory limit exceeded\b|\bMEMORY_LIMIT_EXCEEDED\b/i.test(message)) return new QueryMemoryLimitError();
  if (/\bLimit for result exceeded\b|\bTOO_MANY_ROWS_OR_BYTES\b/.test(message)) return new QueryTooManyRowsError(limits.maxResultRows);
  if (/\bQuery was cancelled\b|\bQUERY_WAS_CANCELLED\b/.test(message)) return new QueryCancelledError();
  return undefined;
}
