import { BadRequestError } from '../../http/errors';
import type { SqlParams } from '../filters/sql-params';
import { querySettings, type QueryContext } from '../types';

/** Runs one of a runner's queries with the context's limits; `part` suffixes the query id. */
export function runSql<T = Record<string, unknown>>(ctx: QueryContext, sql: string, params: SqlParams, part: string): Promise<T[]> {
  return ctx.store.query<T>(sql, {
    params: params.values,
    settings: querySettings(ctx),
    queryId: ctx.queryId ? `${ctx.queryId}-${part}` : undefined,
    signal: ctx.signal,
  });
}

/** An object field of a query, or an empty object. */
export function objectField(query: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = query[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('invalid_input', `${name} must be an object.`, name);
  return value as Record<string, unknown>;
}
